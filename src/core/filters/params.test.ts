import { describe, expect, it } from 'vitest';
import {
  defaultParams,
  findParamRefs,
  parseParamPairs,
  resolveParams,
  substituteParams,
} from './params.js';
import type { ParamSpec } from './spec.js';

const SPECS: Record<string, ParamSpec> = {
  strength: { type: 'number', default: 0.8, min: 0, max: 1 },
  steps: { type: 'integer', default: 4, min: 1, max: 50 },
  mono: { type: 'boolean', default: false },
  mode: { type: 'enum', values: ['soft', 'hard'], default: 'soft' },
  tint: { type: 'color', default: '#ffcc00' },
  prompt: { type: 'string', default: '', maxLength: 5 },
};

const paramError = (message: RegExp | string) => ({
  code: 'FL_ERR_PARAM_INVALID',
  message:
    typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
});

describe('resolveParams', () => {
  it('starts from the defaults', () => {
    expect(resolveParams(SPECS)).toEqual(defaultParams(SPECS));
    expect(defaultParams(SPECS)).toMatchObject({ strength: 0.8, steps: 4, mono: false });
  });

  it('coerces strings from the command line and forms', () => {
    expect(
      resolveParams(SPECS, {
        strength: '0.6',
        steps: '10',
        mono: 'true',
        mode: 'hard',
        tint: '#AABBCC',
        prompt: 'cat',
      }),
    ).toEqual({
      strength: 0.6,
      steps: 10,
      mono: true,
      mode: 'hard',
      tint: '#aabbcc',
      prompt: 'cat',
    });
    expect(resolveParams(SPECS, { mono: '0', strength: 1 })).toMatchObject({
      mono: false,
      strength: 1,
    });
  });

  it('refuses values out of range or of the wrong type, naming the parameter', () => {
    const bad = (overrides: Record<string, unknown>) => () =>
      resolveParams(SPECS, overrides, 'film');
    expect(bad({ strength: '2' })).toThrow(
      expect.objectContaining(paramError('Expected strength in [0, 1] but received 2')),
    );
    expect(bad({ strength: -0.1 })).toThrow(/Expected strength in \[0, 1\] but received -0.1/);
    expect(bad({ strength: 'lots' })).toThrow(/Expected a number for strength but received "lots"/);
    expect(bad({ strength: '' })).toThrow(/Expected a number for strength/);
    expect(bad({ steps: '2.5' })).toThrow(/Expected an integer for steps/);
    expect(bad({ mono: 'yes' })).toThrow(/Expected true or false for mono/);
    expect(bad({ mode: 'medium' })).toThrow(/Expected one of soft, hard for mode/);
    expect(bad({ tint: 'red' })).toThrow(/#rrggbb/);
    expect(bad({ prompt: 'too long' })).toThrow(/at most 5 characters/);
    expect(bad({ prompt: 3 })).toThrow(/Expected text for prompt/);
  });

  it('refuses unknown parameters with the known names and a suggestion', () => {
    expect(() => resolveParams(SPECS, { strenght: 1 }, 'film')).toThrow(
      expect.objectContaining(
        paramError(
          /Unknown parameter "strenght" for film: expected one of .*\(did you mean "strength"\?\)/,
        ),
      ),
    );
    expect(() => resolveParams({}, { x: 1 }, 'plain')).toThrow(/this filter has no parameters/);
  });
});

describe('parseParamPairs', () => {
  it('splits name=value at the first =', () => {
    expect(parseParamPairs(['strength=0.5', 'prompt=a=b'])).toEqual({
      strength: '0.5',
      prompt: 'a=b',
    });
    expect(() => parseParamPairs(['strength'])).toThrow(
      expect.objectContaining(paramError('Expected --param name=value but received "strength"')),
    );
    expect(() => parseParamPairs(['=3'])).toThrow(/name=value/);
  });
});

describe('$param references', () => {
  const options = { amount: '$strength', nested: { list: [1, '$mono'] }, literal: '$$strength' };

  it('finds every reference with its path', () => {
    expect(findParamRefs(options)).toEqual([
      { name: 'strength', path: ['amount'] },
      { name: 'mono', path: ['nested', 'list', 1] },
    ]);
  });

  it('substitutes values and unescapes $$', () => {
    expect(substituteParams(options, { strength: 0.3, mono: true })).toEqual({
      amount: 0.3,
      nested: { list: [1, true] },
      literal: '$strength',
    });
  });
});
