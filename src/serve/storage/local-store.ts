import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertKey, type BlobStore } from './blob-store.js';

/** Uploads are people's photos: only the server's own user may read them. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/**
 * Blobs as files under one folder; writes go to a temp file and are renamed into place. Files
 * are created 0600 and folders 0700.
 */
export class LocalBlobStore implements BlobStore {
  private rootReady: Promise<void> | undefined;

  constructor(readonly root: string) {}

  /** Made 0700, or narrowed to it once when an older version made it. */
  private prepareRoot(): Promise<void> {
    this.rootReady ??= mkdir(this.root, { recursive: true, mode: DIR_MODE })
      .then(() => chmod(this.root, DIR_MODE))
      .catch((error: unknown) => {
        this.rootReady = undefined;
        throw error;
      });
    return this.rootReady;
  }

  private file(key: string): string {
    assertKey(key);
    return path.join(this.root, key);
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    const target = this.file(key);
    await this.prepareRoot();
    await mkdir(path.dirname(target), { recursive: true, mode: DIR_MODE });
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, bytes, { mode: FILE_MODE });
    await writeFile(`${tmp}.type`, contentType, { mode: FILE_MODE });
    await rename(`${tmp}.type`, `${target}.type`);
    await rename(tmp, target);
  }

  async get(key: string): Promise<{ bytes: Buffer; contentType: string } | undefined> {
    const target = this.file(key);
    try {
      const [bytes, contentType] = await Promise.all([
        readFile(target),
        readFile(`${target}.type`, 'utf8').catch(() => 'application/octet-stream'),
      ]);
      return { bytes, contentType };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const target = this.file(key);
    await rm(target, { force: true });
    await rm(`${target}.type`, { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const dir = path.join(this.root, prefix);
    const names = await readdir(dir).catch(() => [] as string[]);
    return names
      .filter((n) => !n.endsWith('.type') && !n.endsWith('.tmp'))
      .map((n) => `${prefix}/${n}`);
  }

  /**
   * A write killed before its renames leaves `<key>.<pid>.tmp` (and `.tmp.type`); one killed
   * between them leaves `<key>.type` alone. Neither is a key that list() shows, so the orphan
   * sweep cannot see them: they go here, by age.
   */
  async sweepTemporaries(olderThanMs: number): Promise<number> {
    const before = Date.now() - olderThanMs;
    let deleted = 0;
    for (const prefix of ['inputs', 'results']) {
      const dir = path.join(this.root, prefix);
      const names = await readdir(dir).catch(() => [] as string[]);
      const present = new Set(names);
      for (const name of names) {
        const temporary = name.endsWith('.tmp') || name.endsWith('.tmp.type');
        const strayType = name.endsWith('.type') && !present.has(name.slice(0, -'.type'.length));
        if (!temporary && !strayType) continue;
        const file = path.join(dir, name);
        const info = await stat(file).catch(() => undefined);
        if (!info || info.mtimeMs > before) continue;
        await rm(file, { force: true });
        deleted++;
      }
    }
    return deleted;
  }

  async close(): Promise<void> {}
}
