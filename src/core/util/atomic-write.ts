import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FilterlabError } from '../errors.js';

/**
 * Write `data` to `target` through a temporary file beside it and a rename, so that a reader
 * sees the old file or the new one, never half of one. Creates the folder; FL_ERR_IO names
 * the file when it cannot be written.
 */
export async function writeAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (cause) {
    // under a path that is not a folder, even removing the temporary file fails (ENOTDIR)
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new FilterlabError(
      'FL_ERR_IO',
      `Expected to write ${target} but could not: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
      { cause, details: { file: target } },
    );
  }
}
