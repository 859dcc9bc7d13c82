import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';

/**
 * ONNX Runtime's optimised graph of a model, kept on disk (its `optimizedModelFilePath` session
 * option). Graph optimisation of a 3.4 GB fp32 UNet at level `all` takes most of a 45-52 s session
 * creation on a 2-core machine; a session created from the saved graph with optimisation
 * disabled skips that work.
 *
 * One entry per model hash, ORT version, optimisation level, execution providers and CPU: level
 * `all` writes layout transforms (NCHWc) for the CPU it ran on, so an entry is only reused where
 * the same ORT on the same kind of CPU wrote it. Each entry is a folder holding model.onnx and
 * model.onnx.data (the weights, beside the graph, so graphs over protobuf's 2 GB limit can be
 * saved). It is written into a temporary folder and renamed into place, so a crash or a second
 * process never leaves a half-written entry where a reader looks.
 */

export interface CacheKey {
  hash: string;
  ortVersion: string;
  level: string;
  providers: readonly string[];
}

export interface CacheEntry {
  /** The saved graph, when there is one. */
  cached?: string;
  /** Remove a saved graph that ORT could not load. */
  discard(): Promise<void>;
  /** Where ORT writes a new graph; `commit` moves it into place once the session exists. */
  prepare(): Promise<{
    file: string;
    dataFileName: string;
    commit(): Promise<void>;
    abort(): Promise<void>;
  }>;
}

const GRAPH = 'model.onnx';
const DATA = 'model.onnx.data';

export function cacheKeyName(key: CacheKey): string {
  const cpu = cpus()[0]?.model ?? 'unknown-cpu';
  const text = [key.hash, key.ortVersion, key.level, key.providers.join('+'), process.arch, cpu];
  return createHash('sha256').update(text.join('\0')).digest('hex').slice(0, 32);
}

export async function optimizedModelCache(root: string, key: CacheKey): Promise<CacheEntry> {
  const dir = path.join(root, cacheKeyName(key));
  const graph = path.join(dir, GRAPH);
  const exists = await stat(graph).then(
    (s) => s.isFile(),
    () => false,
  );
  return {
    ...(exists ? { cached: graph } : {}),
    discard: () => rm(dir, { recursive: true, force: true }),
    async prepare() {
      const scratch = path.join(root, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
      await mkdir(scratch, { recursive: true });
      return {
        file: path.join(scratch, GRAPH),
        dataFileName: DATA,
        async commit() {
          try {
            await rename(scratch, dir);
          } catch {
            // another process saved the same entry first: keep theirs
          } finally {
            await rm(scratch, { recursive: true, force: true });
          }
        },
        abort: () => rm(scratch, { recursive: true, force: true }),
      };
    },
  };
}
