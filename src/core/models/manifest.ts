import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import { parseWith } from '../util/parse-with.js';
import { readText } from '../util/read-file.js';
import { sha256Hex } from '../util/content-hash.js';

export const MANIFEST_FILE = 'model.json';

const positiveInt = z.number().int().positive();

/** How a model wants its input size: anything, a multiple of n, or one fixed size. */
export const SizeRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('any') }),
  z.strictObject({ kind: z.literal('multiple'), of: positiveInt }),
  z.strictObject({ kind: z.literal('fixed'), width: positiveInt, height: positiveInt }),
]);
export type SizeRule = z.infer<typeof SizeRuleSchema>;

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);

/** The pixel encoding of one image tensor. */
export const PixelEncodingSchema = z.strictObject({
  /** Tensor layout; N is always 1. */
  layout: z.enum(['nchw', 'nhwc']).default('nchw'),
  /** Values that pixel 0 and pixel 1 (full intensity) map to, before mean/std. */
  range: z.tuple([z.number(), z.number()]).default([0, 1]),
  /** Optional per-channel normalisation applied after `range`: (v - mean) / std. */
  mean: rgbTriple.optional(),
  std: rgbTriple.optional(),
  channelOrder: z.enum(['rgb', 'bgr']).default('rgb'),
});
export type PixelEncoding = z.infer<typeof PixelEncodingSchema>;

/** The I/O contract of an image-to-image model. */
export const ImageIoSchema = z.strictObject({
  /** Input and output tensor names; default: the model's first input and output. */
  inputName: z.string().optional(),
  outputName: z.string().optional(),
  input: PixelEncodingSchema.default(PixelEncodingSchema.parse({})),
  /** Output encoding; default: the same as the input's. */
  output: PixelEncodingSchema.optional(),
  size: SizeRuleSchema.default({ kind: 'any' }),
  /** Images with a longer side are processed in tiles of this size. */
  maxSide: positiveInt.optional(),
  /** Tiled execution: tile edge and overlap in input pixels (feathered seams). */
  tile: z.strictObject({ size: positiveInt, overlap: z.number().int().nonnegative() }).optional(),
  /** Output size / input size, e.g. 2 for a 2x upscaler. */
  scale: z.number().positive().default(1),
});
export type ImageIo = z.infer<typeof ImageIoSchema>;

export const ModelFileSchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .refine((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..'), {
      message: 'must be a relative path inside the model folder',
    }),
  sha256: z.string().regex(/^[a-f0-9]{64}$/, 'must be 64 lowercase hex characters'),
  bytes: z.number().int().nonnegative(),
});
export type ModelFile = z.infer<typeof ModelFileSchema>;

export const ModelIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lowercase letters, digits, ".", "_" or "-"');

export const ModelManifestSchema = z.strictObject({
  id: ModelIdSchema,
  version: z.string().min(1).default('1'),
  format: z.enum(['onnx', 'tfjs-graph', 'diffusers-onnx']),
  description: z.string().optional(),
  license: z.string().min(1),
  source: z.string().optional(),
  /** The file a runtime loads (ONNX file, tfjs model.json); default: the first file. */
  entry: z.string().optional(),
  files: z.array(ModelFileSchema).min(1),
  io: ImageIoSchema.optional(),
});
export type ModelManifest = z.infer<typeof ModelManifestSchema>;
export type ModelManifestInput = z.input<typeof ModelManifestSchema>;

/** A model's identity: the hash of its files' hashes, in path order. */
export function modelHash(manifest: Pick<ModelManifest, 'files'>): string {
  const files = [...manifest.files].sort((a, b) => a.path.localeCompare(b.path));
  return sha256Hex(...files.map((f) => `${f.path}\0${f.sha256}\n`));
}

export function parseManifest(value: unknown, source: string): ModelManifest {
  return parseWith(
    ModelManifestSchema,
    value,
    'FL_ERR_MODEL_MANIFEST',
    `Invalid model manifest ${source}`,
    { details: { file: source } },
  );
}

export async function readManifest(dir: string): Promise<ModelManifest> {
  const file = path.join(dir, MANIFEST_FILE);
  const text = await readText(file, 'a model manifest', 'FL_ERR_MODEL_MANIFEST');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_MODEL_MANIFEST',
      `Expected JSON in ${file}: ${(cause as Error).message}`,
      {
        cause,
        details: { file },
      },
    );
  }
  return parseManifest(json, file);
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function describeFile(dir: string, relative: string): Promise<ModelFile> {
  const abs = path.join(dir, relative);
  const [info, sha256] = await Promise.all([stat(abs), sha256File(abs)]);
  return { path: relative.split(path.sep).join('/'), sha256, bytes: info.size };
}

/**
 * Write model.json for files already in `dir`, hashing each one. Used by `models add`
 * and by the fixture scripts.
 */
export async function writeManifest(
  dir: string,
  meta: Omit<ModelManifestInput, 'files'> & { files: string[] },
): Promise<ModelManifest> {
  const files = await Promise.all(meta.files.map((f) => describeFile(dir, f)));
  const manifest = parseManifest({ ...meta, files }, path.join(dir, MANIFEST_FILE));
  await writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
