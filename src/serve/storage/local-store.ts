import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertKey, type BlobStore } from './blob-store.js';

/** Blobs as files under one folder; writes go to a temp file and are renamed into place. */
export class LocalBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  private file(key: string): string {
    assertKey(key);
    return path.join(this.root, key);
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    const target = this.file(key);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await writeFile(`${tmp}.type`, contentType);
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

  async close(): Promise<void> {}
}
