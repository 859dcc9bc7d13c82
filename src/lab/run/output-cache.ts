import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson } from '../../core/filters/canonical-json.js';
import { writeAtomic } from '../../core/util/atomic-write.js';
import { decodeImage } from '../../core/image/decode.js';
import { encodeImage } from '../../core/image/encode.js';
import type { Image } from '../../core/image/image.js';
import { sha256Hex } from '../../core/util/content-hash.js';

export interface CachedOutput {
  image: Image;
  latencyMs: number;
  peakRssMb: number;
}

/**
 * Filter outputs keyed by (filter version id, image hash, parameters, seed, input size), as
 * lossless PNGs: a re-run or a resumed run never recomputes an output it already has, and a
 * changed filter or model gets a new version id, so a stale output is never reused.
 */
export class OutputCache {
  constructor(readonly dir: string) {}

  static key(
    versionId: string,
    imageSha: string,
    params: Record<string, unknown>,
    seed: number,
    maxSide: number | undefined,
  ): string {
    return sha256Hex(
      canonicalJson({ versionId, imageSha, params, seed, maxSide: maxSide ?? null }),
    ).slice(0, 32);
  }

  private file(key: string, ext: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}${ext}`);
  }

  async get(key: string): Promise<CachedOutput | undefined> {
    try {
      const [png, meta] = await Promise.all([
        readFile(this.file(key, '.png')),
        readFile(this.file(key, '.json'), 'utf8'),
      ]);
      const { image } = await decodeImage(png, { name: `cached output ${key}` });
      const m = JSON.parse(meta) as { latencyMs: number; peakRssMb: number };
      return { image, latencyMs: m.latencyMs, peakRssMb: m.peakRssMb };
    } catch {
      return undefined;
    }
  }

  async put(key: string, output: CachedOutput): Promise<void> {
    await mkdir(path.dirname(this.file(key, '.png')), { recursive: true });
    await writeAtomic(this.file(key, '.png'), await encodeImage(output.image, { format: 'png' }));
    await writeAtomic(
      this.file(key, '.json'),
      JSON.stringify({ latencyMs: output.latencyMs, peakRssMb: output.peakRssMb }),
    );
  }

  async bytes(key: string): Promise<Buffer | undefined> {
    return readFile(this.file(key, '.png')).catch(() => undefined);
  }
}
