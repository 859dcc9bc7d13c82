/**
 * Writes schema/filter.schema.json, the JSON Schema of filter specs for editors (the built-in
 * specs point at it with a yaml-language-server comment), from the zod schema in
 * src/core/filters/spec.ts. A test fails when the committed file is out of date.
 * Run: npx tsx scripts/gen-schema.ts
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as prettier from 'prettier';
import { filterSpecJsonSchema } from '../src/core/filters/spec.js';

export const SCHEMA_FILE = path.join(import.meta.dirname, '..', 'schema', 'filter.schema.json');

export async function renderSchema(): Promise<string> {
  return prettier.format(JSON.stringify(filterSpecJsonSchema()), { parser: 'json' });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(SCHEMA_FILE, await renderSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
