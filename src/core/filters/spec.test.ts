import { describe, expect, it } from 'vitest';
import { filterSpecJsonSchema } from './spec.js';
import { listBuiltinSpecs, parseSpec, validateSpec } from './load.js';

describe('filter spec validation', () => {
  it('fills defaults', () => {
    const spec = validateSpec({ id: 'a', version: 1, steps: [{ type: 'tone' }] });
    expect(spec).toMatchObject({
      version: '1',
      tags: [],
      requires: [],
      params: {},
      output: { format: 'jpeg' },
    });
  });

  it('names the bad field', () => {
    const cases: [unknown, RegExp][] = [
      [{ id: 'Bad Id', version: 1, steps: [{ type: 'tone' }] }, /id: must be lowercase/],
      [{ id: 'a', version: 1, steps: [] }, /steps: a filter needs at least one step/],
      [
        { id: 'a', version: 1, steps: [{ type: 'tone' }], outptu: {} },
        /outptu: unknown key "outptu"/,
      ],
      [
        { id: 'a', version: 1, steps: [{ type: 'tone' }], output: { quality: 0 } },
        /output\.quality/,
      ],
      [
        { id: 'a', version: 1, steps: [{ type: 'tone' }], timeoutMs: 90.5 },
        /timeoutMs: .*expected int/i,
      ],
      [
        { id: 'a', version: 1, steps: [{ type: 'tone' }], timeoutMs: 10 },
        /timeoutMs: Too small: expected number to be >=1000/,
      ],
      [
        {
          id: 'a',
          version: 1,
          params: { s: { type: 'number', default: 2, max: 1 } },
          steps: [{ type: 'tone' }],
        },
        /params\.s: Expected default in \[-inf, 1\] but received 2/,
      ],
      [
        {
          id: 'a',
          version: 1,
          params: { s: { type: 'number', default: 0, min: 1, max: 0 } },
          steps: [{ type: 'tone' }],
        },
        /params\.s: Expected min <= max/,
      ],
      [
        {
          id: 'a',
          version: 1,
          params: { m: { type: 'enum', values: ['x'], default: 'y' } },
          steps: [{ type: 'tone' }],
        },
        /params\.m: Expected default to be one of x/,
      ],
      [
        {
          id: 'a',
          version: 1,
          params: { 'bad-name': { type: 'boolean', default: true } },
          steps: [{ type: 'tone' }],
        },
        /parameter names are identifiers/,
      ],
      [[], /Expected a mapping with id, version and steps/],
    ];
    for (const [spec, message] of cases) {
      expect(() => validateSpec(spec, 'my.yaml')).toThrow(
        expect.objectContaining({ code: 'FL_ERR_SPEC_INVALID' }),
      );
      expect(() => validateSpec(spec, 'my.yaml')).toThrow(message);
    }
  });

  it('reports YAML syntax errors as FL_ERR_SPEC_PARSE with the source', () => {
    expect(() => parseSpec('id: a\n  steps: [', 'broken.yaml')).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_SPEC_PARSE',
        message: expect.stringContaining('broken.yaml'),
      }),
    );
    expect(() => parseSpec('id: a\nid: b\nversion: 1\nsteps: [{type: tone}]')).toThrow(
      expect.objectContaining({ code: 'FL_ERR_SPEC_PARSE' }),
    );
  });
});

describe('filterSpecJsonSchema', () => {
  it('describes specs for editors', () => {
    const schema = filterSpecJsonSchema() as {
      $id: string;
      type: string;
      properties: Record<string, { type?: string; items?: unknown }>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.$id).toMatch(/filter\.json$/);
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['id', 'version', 'params', 'steps', 'output', 'tags']),
    );
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'version', 'steps']));
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.steps!.type).toBe('array');
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it('accepts every built-in spec (top-level keys and required fields)', async () => {
    const schema = filterSpecJsonSchema() as {
      properties: Record<string, unknown>;
      required: string[];
    };
    for (const { spec, source } of await listBuiltinSpecs()) {
      for (const key of Object.keys(spec))
        expect(schema.properties, `${source}: ${key}`).toHaveProperty(key);
      for (const key of schema.required) expect(spec, `${source}: ${key}`).toHaveProperty(key);
    }
  });
});
