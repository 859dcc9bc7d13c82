import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderSchema, SCHEMA_FILE } from '../../../scripts/gen-schema.js';

describe('schema/filter.schema.json', () => {
  it('is what scripts/gen-schema.ts makes from the zod schema (run it after changing spec.ts)', async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(await renderSchema());
  });

  it('describes the fields a spec has', async () => {
    const schema = JSON.parse(await readFile(SCHEMA_FILE, 'utf8')) as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['id', 'version', 'params', 'steps', 'output', 'timeoutMs']),
    );
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'version', 'steps']));
  });
});
