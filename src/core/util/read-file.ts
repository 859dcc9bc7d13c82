import { readFile } from 'node:fs/promises';
import { FilterlabError, type ErrorCode } from '../errors.js';

/**
 * Read a file, or throw the project's error: `code` (FL_ERR_IO unless the caller's domain has a
 * better one) with "Expected <what> at <file> but it cannot be read: <reason>".
 */
export async function readBytes(
  file: string,
  what: string,
  code: ErrorCode = 'FL_ERR_IO',
): Promise<Buffer> {
  return readFile(file).catch((cause: unknown) => {
    throw unreadable(file, what, code, cause);
  });
}

/** readBytes for UTF-8 text. */
export async function readText(
  file: string,
  what: string,
  code: ErrorCode = 'FL_ERR_IO',
): Promise<string> {
  return readFile(file, 'utf8').catch((cause: unknown) => {
    throw unreadable(file, what, code, cause);
  });
}

function unreadable(file: string, what: string, code: ErrorCode, cause: unknown): FilterlabError {
  const reason = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message ?? String(cause);
  return new FilterlabError(code, `Expected ${what} at ${file} but it cannot be read: ${reason}`, {
    cause,
    details: { file },
  });
}
