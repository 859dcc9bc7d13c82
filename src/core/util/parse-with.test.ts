import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { parseWith } from './parse-with.js';

const Schema = z.strictObject({ sigma: z.number().min(0) });

describe('parseWith', () => {
  it('returns the parsed value', () => {
    expect(parseWith(Schema, { sigma: 2 }, 'FL_ERR_CONFIG', 'x')).toEqual({ sigma: 2 });
  });

  it('throws the given code, naming where and each bad field', () => {
    expect(() =>
      parseWith(Schema, { sigma: -1, sigmaa: 1 }, 'FL_ERR_SPEC_INVALID', 'blur step', {
        path: ['steps[2]'],
        details: { step: 'blur' },
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_SPEC_INVALID',
        message: expect.stringMatching(
          /^blur step: steps\[2\]\.sigma: .+; steps\[2\]\.sigmaa: unknown key "sigmaa"$/,
        ),
        details: { step: 'blur' },
      }),
    );
  });

  it('makes details from the zod error when asked', () => {
    expect(() =>
      parseWith(Schema, {}, 'FL_ERR_INVALID_ARGUMENT', 'Invalid options', {
        details: (error) => ({ count: error.issues.length }),
      }),
    ).toThrow(expect.objectContaining({ details: { count: 1 } }));
  });
});
