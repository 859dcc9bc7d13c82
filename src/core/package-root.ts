import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed package's root folder (holding package.json, filters/, web/), found by walking
 * up from this file: the same answer from src/ under tsx or vitest and from dist/ when built.
 */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'filters')))
      return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('filterlab package root not found');
    dir = parent;
  }
}
