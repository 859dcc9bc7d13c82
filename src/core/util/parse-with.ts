import type { z } from 'zod';
import { FilterlabError, type ErrorCode } from '../errors.js';
import { formatZodError } from '../zod-errors.js';

export interface ParseWithOptions {
  /** Put before every issue's path ("steps[2]" makes "steps[2].sigma: ..."). */
  path?: (string | number)[];
  /** The error's details, or a function of zod's error that makes them. */
  details?: Record<string, unknown> | ((error: z.ZodError) => Record<string, unknown>);
}

/**
 * `schema.parse(value)` at a boundary, with the project's error: a FilterlabError with `code`
 * and the message "<where>: <each bad field and what it should be>".
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code: ErrorCode,
  where: string,
  options: ParseWithOptions = {},
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { details } = options;
  throw new FilterlabError(code, `${where}: ${formatZodError(result.error, options.path)}`, {
    cause: result.error,
    ...(details
      ? { details: typeof details === 'function' ? details(result.error) : details }
      : {}),
  });
}
