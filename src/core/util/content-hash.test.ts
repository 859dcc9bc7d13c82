import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from './content-hash.js';

describe('sha256Hex', () => {
  it('is the sha256 of its parts fed in order', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const expected = createHash('sha256').update('a\n').update(bytes).digest('hex');
    expect(sha256Hex('a\n', bytes)).toBe(expected);
    expect(sha256Hex('a', '\n', bytes)).toBe(expected);
    expect(sha256Hex()).toBe(createHash('sha256').digest('hex'));
  });
});
