import { describe, expect, it } from 'vitest';
import { importCycles, LAYERED } from '../../scripts/import-cycles.js';

describe('the layered sources', () => {
  it(`have no import cycles in ${LAYERED.join(', ')} (type-only imports count)`, () => {
    expect(importCycles(LAYERED)).toEqual([]);
  });
});
