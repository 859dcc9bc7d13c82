/**
 * Import cycles among the TypeScript sources under the given folders (type-only imports
 * count: they tie files together just the same). Test files are left out.
 * Run: npx tsx scripts/import-cycles.ts [folder ...]   (default: src/core src/lab src/bench)
 * Exits 1 and prints each cycle when there is one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '..');

export const LAYERED = ['src/core', 'src/lab', 'src/bench'];

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f));
}

/** Each file's relative imports and re-exports, resolved to the .ts files they name. */
export function importGraph(folders: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const folder of folders)
    for (const file of sources(path.resolve(ROOT, folder))) {
      const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      graph.set(
        file,
        info.importedFiles
          .map((f) => f.fileName)
          .filter((name) => name.startsWith('.'))
          .map((name) => path.resolve(path.dirname(file), name.replace(/\.js$/, '.ts'))),
      );
    }
  return graph;
}

/** The strongly connected components with more than one file (Tarjan), as repo-relative paths. */
export function importCycles(folders: readonly string[] = LAYERED): string[][] {
  const graph = importGraph(folders);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue; // outside the folders, or not a source file
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(path.relative(ROOT, w));
    } while (w !== v);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const folders = process.argv.slice(2);
  const cycles = importCycles(folders.length ? folders : LAYERED);
  for (const cycle of cycles) process.stdout.write(`cycle: ${cycle.join(' <-> ')}\n`);
  if (cycles.length) process.exit(1);
  process.stdout.write(`no import cycles in ${(folders.length ? folders : LAYERED).join(', ')}\n`);
}
