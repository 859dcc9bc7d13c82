import { describe, expect, it } from 'vitest';
import { isErrorDocsCurrent } from '../../scripts/gen-error-docs.js';
import {
  ERROR_CODES,
  describe as describeValue,
  expected,
  FilterlabError,
  invalidArgument,
  isFilterlabError,
  throwIfAborted,
  toFilterlabError,
} from './errors.js';

describe('FilterlabError', () => {
  it('carries a code, details and its cause, and serialises without the stack', () => {
    const cause = new Error('disk full');
    const e = new FilterlabError('FL_ERR_IO', 'Expected to write x', {
      cause,
      details: { file: 'x' },
    });
    expect(e).toBeInstanceOf(Error);
    expect(e.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      code: 'FL_ERR_IO',
      message: 'Expected to write x',
      details: { file: 'x' },
    });
    expect(isFilterlabError(e, 'FL_ERR_IO')).toBe(true);
    expect(isFilterlabError(e, 'FL_ERR_INTERNAL')).toBe(false);
  });

  it('words parameter errors one way', () => {
    expect(expected('positive integer', 'width', -3)).toBe(
      'Expected positive integer for width but received -3',
    );
    expect(invalidArgument('a string', 'name', [1, 2])).toMatchObject({
      code: 'FL_ERR_INVALID_ARGUMENT',
      message: 'Expected a string for name but received an array of length 2',
    });
    expect(describeValue('x'.repeat(100))).toHaveLength(82);
    expect(describeValue(new Uint8Array(4))).toBe('Uint8Array of 4 bytes');
    expect(describeValue({})).toBe('object');
  });

  it('wraps anything thrown, keeping FilterlabErrors and mapping aborts', () => {
    const own = new FilterlabError('FL_ERR_DATASET', 'x');
    expect(toFilterlabError(own)).toBe(own);
    expect(toFilterlabError(new Error('boom'), 'FL_ERR_INFERENCE')).toMatchObject({
      code: 'FL_ERR_INFERENCE',
      message: 'boom',
    });
    expect(toFilterlabError('text')).toMatchObject({ code: 'FL_ERR_INTERNAL', message: 'text' });
    expect(toFilterlabError(new DOMException('stop', 'AbortError'))).toMatchObject({
      code: 'FL_ERR_ABORTED',
    });
    const controller = new AbortController();
    expect(() => throwIfAborted(controller.signal)).not.toThrow();
    controller.abort();
    expect(() => throwIfAborted(controller.signal)).toThrow(
      expect.objectContaining({ code: 'FL_ERR_ABORTED' }),
    );
  });
});

describe('ERROR_CODES', () => {
  it('are FL_ERR_ names with one-line meanings', () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^FL_ERR_[A-Z0-9_]+$/);
      expect(meaning).toMatch(/^[A-Z].*\.$/);
      expect(meaning).not.toContain('\n');
    }
  });

  it('are documented in docs/errors.md, which is up to date (npx tsx scripts/gen-error-docs.ts)', async () => {
    expect(await isErrorDocsCurrent()).toBe(true);
  });
});
