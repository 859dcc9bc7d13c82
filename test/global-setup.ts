/**
 * vitest globalSetup: generates the model fixtures that tests load, so that `vitest run` works
 * on a fresh clone. A generator reruns only when the stamp of its recipe (the hash of its
 * source files) differs from the one recorded after its last run, or a folder it wrote is gone.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateImageModels } from '../scripts/fixtures/image-models.js';
import { generateTinyDiffusion } from '../scripts/fixtures/tiny-diffusion.js';
import { FIXTURE_GENERATED, FIXTURE_MODELS, REPO_ROOT, requireFacesDev } from './support/paths.js';

export interface FixtureGenerator {
  /** Unique; names the stamp file. */
  id: string;
  /** Files, relative to the repo root, whose content decides what the generator writes. */
  sources: readonly string[];
  /** Where its folders go. */
  outDir: string;
  /** Writes one or more folders into `dir` (a fresh, empty folder). */
  generate(dir: string): Promise<void>;
}

const ONNX_WRITER_SOURCES = [
  'scripts/fixtures/fixture-support.ts',
  'src/core/onnx/proto.ts',
  'src/core/onnx/graph-builder.ts',
  'src/core/models/manifest.ts',
  'src/core/tensor/tensor.ts',
];

export const GENERATORS: readonly FixtureGenerator[] = [
  {
    id: 'image-models',
    sources: ['scripts/fixtures/image-models.ts', ...ONNX_WRITER_SOURCES],
    outDir: FIXTURE_MODELS,
    generate: generateImageModels,
  },
  {
    id: 'tiny-diffusion',
    sources: [
      'scripts/fixtures/tiny-diffusion.ts',
      'scripts/fixtures/tiny-unet.ts',
      'scripts/fixtures/tiny-taesd.ts',
      'scripts/fixtures/clip-tokenizer.ts',
      'src/core/diffusion/clip-byte-level.ts',
      'src/core/diffusion/clip-tokenizer.ts',
      'src/core/tensor/float16.ts',
      ...ONNX_WRITER_SOURCES,
    ],
    outDir: FIXTURE_MODELS,
    generate: generateTinyDiffusion,
  },
];

const STAMPS = path.join(FIXTURE_GENERATED, 'stamps');

interface Stamp {
  hash: string;
  folders: string[];
}

export default async function setup(): Promise<void> {
  requireFacesDev();
  for (const generator of GENERATORS) await ensureGenerated(generator);
}

export async function ensureGenerated(generator: FixtureGenerator): Promise<boolean> {
  const hash = await recipeHash(generator.sources);
  const stampFile = path.join(STAMPS, `${generator.id}.json`);
  const stamp = await readStamp(stampFile);
  if (stamp?.hash === hash && (await allExist(generator.outDir, stamp.folders))) return false;
  const folders = await generateInPlace(generator);
  await mkdir(STAMPS, { recursive: true });
  await writeFile(stampFile, JSON.stringify({ hash, folders } satisfies Stamp, null, 2) + '\n');
  return true;
}

/**
 * Generate into a scratch folder beside the target and move each result into place, so that
 * a test run started meanwhile sees an old or a new model folder, never a half-written one.
 */
async function generateInPlace(generator: FixtureGenerator): Promise<string[]> {
  await mkdir(generator.outDir, { recursive: true });
  const scratch = path.join(generator.outDir, `.tmp-${generator.id}-${process.pid}`);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch);
  try {
    await generator.generate(scratch);
    const folders = (await readdir(scratch)).sort();
    for (const folder of folders) {
      const target = path.join(generator.outDir, folder);
      await rm(target, { recursive: true, force: true });
      await rename(path.join(scratch, folder), target);
    }
    return folders;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function recipeHash(sources: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const source of sources) {
    h.update(`${source}\0`);
    h.update(await readFile(path.join(REPO_ROOT, source)));
    h.update('\0');
  }
  return h.digest('hex');
}

async function readStamp(file: string): Promise<Stamp | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as Partial<Stamp>;
    return typeof value.hash === 'string' && Array.isArray(value.folders)
      ? (value as Stamp)
      : undefined;
  } catch {
    return undefined;
  }
}

async function allExist(dir: string, folders: readonly string[]): Promise<boolean> {
  try {
    await Promise.all(folders.map((f) => access(path.join(dir, f))));
    return true;
  } catch {
    return false;
  }
}
