import type { z } from 'zod';

/**
 * Render zod issues as "steps[2].sigma: Expected number >= 0 but received -1; ..." — the path
 * of the bad field first, so a user can find it in their file.
 */
export function formatZodError(error: z.ZodError, prefix: (string | number)[] = []): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const where = formatPath([...prefix, ...(issue.path as (string | number)[])]);
      return where ? `${where}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

export function formatPath(parts: readonly (string | number | symbol)[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
