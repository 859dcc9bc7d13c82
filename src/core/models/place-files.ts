import { cp, mkdir, readdir, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * How `models add` puts a model's files into the store: copy them (the default: the store owns
 * its bytes), move them (no second copy of a multi-GB folder; the source is gone), or link them
 * (a symbolic link per file: no copy and the source stays, but the store breaks if it moves; the
 * manifest's sha256s catch a changed file).
 */
export const PLACE_MODES = ['copy', 'move', 'link'] as const;
export type PlaceMode = (typeof PLACE_MODES)[number];

/** Put `from` (a file or a folder) at `target`, which is replaced. */
export async function placeFiles(from: string, target: string, mode: PlaceMode): Promise<void> {
  if (path.resolve(from) === path.resolve(target)) return;
  await rm(target, { recursive: true, force: true });
  await mkdir(path.dirname(target), { recursive: true });
  if (mode === 'copy') return cp(from, target, { recursive: true });
  if (mode === 'move') {
    try {
      return await rename(from, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      // another filesystem: copy, then remove the source only once the copy is whole
      await cp(from, target, { recursive: true });
      return rm(from, { recursive: true, force: true });
    }
  }
  await linkTree(path.resolve(from), target);
}

async function linkTree(from: string, target: string): Promise<void> {
  const entries = await readdir(from, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return symlink(from, target); // a single file
  await mkdir(target, { recursive: true });
  for (const entry of entries) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) await linkTree(source, path.join(target, entry.name));
    else await symlink(source, path.join(target, entry.name));
  }
}
