import type { z } from 'zod';
import { parseWith } from '../util/parse-with.js';

/** Validate an options object; the error names the bad field and what it should be. */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  return parseWith(schema, value ?? {}, 'FL_ERR_INVALID_ARGUMENT', `Invalid ${what}`, {
    details: (error) => ({
      issues: error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    }),
  });
}
