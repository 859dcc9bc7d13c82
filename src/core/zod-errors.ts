import type { z } from 'zod';

/**
 * Render zod issues as "steps[2].sigma: Expected number >= 0 but received -1; ..." — the path
 * of the bad field first, so a user can find it in their file. An unknown key is named in
 * the path itself ("steps[0].exposur"), since that is the field the user has to fix.
 */
export function formatZodError(error: z.ZodError, prefix: (string | number)[] = []): string {
  return error.issues
    .flatMap((issue) => {
      const at = [...prefix, ...(issue.path as (string | number)[])];
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map(
          (key) => `${formatPath([...at, key])}: unknown key ${JSON.stringify(key)}`,
        );
      }
      const where = formatPath(at);
      // a record key's own rule ("parameter names are identifiers") says more than zod's summary
      const message =
        issue.code === 'invalid_key' && issue.issues[0]
          ? `invalid key: ${issue.issues[0].message}`
          : issue.message;
      return [where ? `${where}: ${message}` : message];
    })
    .slice(0, 5)
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
