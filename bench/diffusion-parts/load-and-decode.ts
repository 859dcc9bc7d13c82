/**
 * The parts of `npm run bench:diffusion` that are about whole models rather than steps:
 *
 * - load: session creation time and peak RSS of a UNet-sized model (models-at-scale.ts, ~600 MiB
 *   of external data, generated into a temporary folder and deleted after), then two UNet calls
 *   at 64x64 latents, each case in a fresh process: graph optimisation `all` without the cache,
 *   `all` filling the cache (first run), `all` from the cache (every later run), and `basic`
 *   without it;
 * - decode: one 512x512 decode (64x64x4 latents) by the SD VAE decoder and by TAESD's, both at
 *   their real widths with random weights, and by the tiny fixture's two decoders.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  buildSdVaeDecoderAtScale,
  buildTaesdDecoderAtScale,
  buildUnetAtScale,
  writeWithExternalData,
} from '../../scripts/fixtures/models-at-scale.js';
import { OnnxRuntime } from '../../src/core/runtime/onnx.js';
import { float32 } from '../../src/core/tensor/tensor.js';

const run = promisify(execFile);
const CHILD = path.join(import.meta.dirname, 'session-child.ts');

export interface LoadResult {
  case: string;
  createMs: number;
  /** Peak RSS after session creation, and after two UNet calls. */
  createRssMiB: number;
  firstRunMs: number;
  secondRunMs: number;
  maxRssMiB: number;
}

async function child(file: string, level: string, cacheDir?: string): Promise<LoadResult> {
  const args = ['--import', 'tsx', CHILD, file, level, ...(cacheDir ? [cacheDir] : [])];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20 });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Omit<LoadResult, 'case'>;
  return { case: '', ...result };
}

export async function measureLoad(dir: string, log: (line: string) => void) {
  const unetDir = path.join(dir, 'unet-at-scale');
  await mkdir(unetDir, { recursive: true });
  const file = path.join(unetDir, 'model.onnx');
  const bytes = await writeWithExternalData(buildUnetAtScale(), file);
  log(`UNet-sized model: ${(bytes / 2 ** 20).toFixed(0)} MiB (graph + external data)`);
  const cache = path.join(dir, 'ort-cache');
  const cases: [string, string, string | undefined][] = [
    ['level all, no cache', 'all', undefined],
    ['level all, cache cold (saves the optimised graph)', 'all', cache],
    ['level all, cache warm (loads the optimised graph)', 'all', cache],
    ['level basic, no cache', 'basic', undefined],
  ];
  const results: LoadResult[] = [];
  for (const [name, level, cacheDir] of cases) {
    const r = { ...(await child(file, level, cacheDir)), case: name };
    results.push(r);
    log(
      `${name.padEnd(52)} ${ms(r.createMs).padStart(10)}  peak RSS ${r.maxRssMiB.toFixed(0)} MiB`,
    );
  }
  await rm(unetDir, { recursive: true, force: true });
  await rm(cache, { recursive: true, force: true });
  return { modelMiB: Math.round(bytes / 2 ** 20), results };
}

async function decodeMs(onnx: OnnxRuntime, file: string, runs: number): Promise<number[]> {
  const session = await onnx.session({ path: file, hash: file });
  const latents = float32(
    new Float32Array(4 * 64 * 64).map((_, i) => Math.sin(i / 13)),
    [1, 4, 64, 64],
  );
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    await session.run({ latent_sample: latents });
    times.push(performance.now() - started);
  }
  await onnx.release(session.key);
  return times;
}

export async function measureDecode(
  dir: string,
  fixtureDir: string,
  runs: number,
  log: (line: string) => void,
) {
  const onnx = new OnnxRuntime();
  try {
    const results = [];
    const atScale: [string, () => ReturnType<typeof buildTaesdDecoderAtScale>][] = [
      ['TAESD decoder (real widths, random weights)', buildTaesdDecoderAtScale],
      ['SD VAE decoder (real widths, random weights)', buildSdVaeDecoderAtScale],
    ];
    for (const [name, build] of atScale) {
      const file = path.join(dir, `${name.split(' ')[0]}-decoder.onnx`);
      const bytes = await writeWithExternalData(build(), file);
      const times = await decodeMs(onnx, file, runs);
      results.push({ case: name, modelMiB: Math.round(bytes / 2 ** 20), runs: times.map(round) });
      log(`${name.padEnd(52)} ${times.map(ms).join(', ')}  (${(bytes / 2 ** 20).toFixed(0)} MiB)`);
    }
    for (const [name, part] of [
      ['fixture tiny TAESD decoder', 'taesd/vae_decoder'],
      ['fixture tiny VAE decoder', 'vae_decoder'],
    ] as const) {
      const times = await decodeMs(onnx, path.join(fixtureDir, part, 'model.onnx'), 5);
      results.push({ case: name, modelMiB: 0, runs: times.map(round) });
      log(`${name.padEnd(52)} ${times.map(ms).join(', ')}`);
    }
    return results;
  } finally {
    await onnx.dispose();
  }
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
