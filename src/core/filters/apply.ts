import { rm } from 'node:fs/promises';
import path from 'node:path';
import { decodeImage, type DecodeLimits, type ImageInfo } from '../image/decode.js';
import { encodeImage } from '../image/encode.js';
import { EXTENSIONS, type OutputFormat } from '../image/formats.js';
import { writeAtomic } from '../util/atomic-write.js';
import { readBytes } from '../util/read-file.js';
import type { OutputMeta, Progress, Runner } from './compile.js';

export interface ApplyOptions {
  params?: Record<string, unknown>;
  seed?: number;
  /** Output format; default the filter's `output.format`. */
  format?: OutputFormat;
  quality?: number;
  limits?: Partial<DecodeLimits>;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface ApplyResult {
  bytes: Buffer;
  format: OutputFormat;
  width: number;
  height: number;
  meta: OutputMeta & {
    source: Pick<ImageInfo, 'format' | 'width' | 'height' | 'orientation'>;
    output: { format: OutputFormat };
  };
  timings: { decodeMs: number; runMs: number; encodeMs: number };
}

/** Decode, run and encode one photo held in memory: what the CLI, the server and the lab share. */
export async function applyToBytes(
  runner: Runner,
  input: Uint8Array,
  name: string,
  o: ApplyOptions = {},
): Promise<ApplyResult> {
  const t0 = performance.now();
  const { image, info } = await decodeImage(input, {
    name,
    ...(o.limits ? { limits: o.limits } : {}),
  });
  const t1 = performance.now();
  const result = await runner.run(image, {
    ...(o.params ? { params: o.params } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    sourceHash: info.sourceHash,
  });
  const t2 = performance.now();
  const format = o.format ?? runner.spec.output.format;
  const quality = o.quality ?? runner.spec.output.quality;
  const bytes = await encodeImage(result.image, { format, ...(quality ? { quality } : {}) });
  const t3 = performance.now();
  return {
    bytes,
    format,
    width: result.image.width,
    height: result.image.height,
    meta: {
      ...result.meta,
      source: {
        format: info.format,
        width: info.width,
        height: info.height,
        orientation: info.orientation,
      },
      output: { format },
    },
    timings: { decodeMs: t1 - t0, runMs: t2 - t1, encodeMs: t3 - t2 },
  };
}

export interface FileResult {
  input: string;
  output: string;
  sidecar?: string;
  result: ApplyResult;
}

/**
 * Apply a filter to a file and write `<outDir>/<name>.<ext>` plus a `<name>.<ext>.json` sidecar
 * with what reproduces it. Files are written to a temporary name and renamed, so an
 * interrupted or failed run never leaves a partial output behind.
 */
export async function applyToFile(
  runner: Runner,
  file: string,
  outDir: string,
  o: ApplyOptions & { outputName?: string; sidecar?: boolean } = {},
): Promise<FileResult> {
  const bytes = await readBytes(file, 'a readable file');
  const result = await applyToBytes(runner, bytes, file, o);
  const base = o.outputName ?? path.parse(file).name;
  const output = path.join(outDir, base + EXTENSIONS[result.format]);
  await writeAtomic(output, result.bytes);
  let sidecar: string | undefined;
  if (o.sidecar !== false) {
    sidecar = `${output}.json`;
    const record = JSON.stringify({ ...result.meta, input: path.basename(file) }, null, 2) + '\n';
    // an output without its record cannot be reproduced: keep both or neither
    await writeAtomic(sidecar, record).catch(async (error: unknown) => {
      await rm(output, { force: true }).catch(() => undefined);
      throw error;
    });
  }
  return { input: file, output, ...(sidecar ? { sidecar } : {}), result };
}
