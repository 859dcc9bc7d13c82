import type { z } from 'zod';
import { FilterlabError } from '../errors.js';
import { formatZodError } from '../zod-errors.js';

/** Validate an options object; the error names the bad field and what it should be. */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Invalid ${what}: ${formatZodError(parsed.error)}`,
      {
        details: {
          issues: parsed.error.issues.map((i) => ({
            path: i.path.map(String),
            message: i.message,
          })),
        },
      },
    );
  }
  return parsed.data;
}
