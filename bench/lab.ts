/**
 * How fast the lab scores: photos x variants per second for an experiment, with and without
 * the face metrics, cold (every filter runs) and from the output cache (scoring only); auto-tag
 * throughput; and SSIM / CIEDE2000 over a 1 MP pair against ssim.js and color-diff
 * (bench/lab-metrics.ts).
 *
 *   npm run bench:lab -- [--photos 20] [--repeat 7]
 *
 * The experiment: faces-dev portraits (225x275), a baseline (vivid) and two candidates
 * (film-warm, soft-fade), one seed, concurrency 1, in this process. The face models are loaded
 * and warmed by a one-photo run first, so model loading is not counted. Results: a table on
 * stdout and bench/results/lab.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { format } from 'prettier';
import YAML from 'yaml';
import { describeMachine } from '../src/bench/machine.js';
import { textTable } from '../src/bench/text-table.js';
import { createContext, disposeContext, type Context } from '../src/core/context.js';
import { sharedFaceModels } from '../src/core/faces/shared.js';
import { computeAutoTags } from '../src/lab/dataset/autotags.js';
import { loadDataset } from '../src/lab/dataset/dataset.js';
import { loadExperiment } from '../src/lab/experiment.js';
import { runExperiment } from '../src/lab/run/runner.js';
import { labMetricsBench, labMetricsTable } from './lab-metrics.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const RESULTS = path.join(ROOT, 'bench', 'results', 'lab.json');
const FACES_DEV = process.env.FILTERLAB_FACES_DEV
  ? path.resolve(process.env.FILTERLAB_FACES_DEV)
  : path.resolve(ROOT, '../shared/data/faces-dev');

const { values: args } = parseArgs({
  options: {
    photos: { type: 'string', default: '20' },
    repeat: { type: 'string', default: '7' },
  },
});
const PHOTOS = Number(args.photos);

const PLAIN = ['ssim', 'psnr', 'sharpness', 'latency_ms'];
const FACES = ['identity', 'face_survival', 'skin_delta_e', 'skin_delta_l'];

function experiment(metrics: string[], limit: number) {
  return {
    name: `bench-lab-${metrics.length}`,
    dataset: { path: FACES_DEV, where: { kind: 'portrait' }, limit },
    baseline: { filter: 'vivid' },
    candidates: [{ filter: 'film-warm' }, { filter: 'soft-fade' }],
    metrics,
    gates: [{ metric: 'ssim', min: 0.5 }],
  };
}

interface Throughput {
  metrics: string[];
  photos: number;
  variants: number;
  scored: number;
  /** Every filter runs, every output is scored (and cached). */
  cold: { seconds: number; imagesPerSecond: number; filterSeconds: number };
  /** The same experiment again with --fresh: outputs from the cache, scoring only. */
  cached: { seconds: number; imagesPerSecond: number; reused: number };
}

async function throughput(dir: string, ctx: Context, metrics: string[]): Promise<Throughput> {
  const file = path.join(dir, `exp-${metrics.length}.yaml`);
  const out = path.join(dir, `runs-${metrics.length}`);
  // warm-up: one photo, so that model loading and first-call compilation are not timed
  await writeFile(file, YAML.stringify(experiment(metrics, 1)));
  await runExperiment(await loadExperiment(file), { outDir: path.join(dir, 'warm'), ctx });

  await writeFile(file, YAML.stringify(experiment(metrics, PHOTOS)));
  const loaded = await loadExperiment(file);
  let t0 = performance.now();
  const cold = await runExperiment(loaded, { outDir: out, ctx });
  const coldSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const cached = await runExperiment(loaded, { outDir: out, ctx, fresh: true });
  const cachedSeconds = (performance.now() - t0) / 1000;

  const scored = cold.results.variants.reduce((n, v) => n + v.outcomes.ok, 0);
  const filterMs = cold.results.variants.reduce(
    (sum, v) => sum + (v.overall.latency_ms?.mean ?? 0) * (v.overall.latency_ms?.n ?? 0),
    0,
  );
  return {
    metrics,
    photos: cold.results.dataset.photos,
    variants: cold.results.variants.length,
    scored,
    cold: {
      seconds: round(coldSeconds),
      imagesPerSecond: round(scored / coldSeconds),
      filterSeconds: round(filterMs / 1000),
    },
    cached: {
      seconds: round(cachedSeconds),
      imagesPerSecond: round(scored / cachedSeconds),
      reused: cached.reused,
    },
  };
}

async function autotags(dir: string, ctx: Context) {
  const dataset = await loadDataset(FACES_DEV, { limit: PHOTOS });
  const t0 = performance.now();
  await computeAutoTags(dataset.items, await sharedFaceModels(ctx), path.join(dir, 'tags'));
  const seconds = (performance.now() - t0) / 1000;
  return {
    photos: dataset.items.length,
    seconds: round(seconds),
    photosPerSecond: round(dataset.items.length / seconds),
  };
}

function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

const started = new Date();
const machine = describeMachine();
const dir = await mkdtemp(path.join(tmpdir(), 'fl-bench-lab-'));
const ctx = createContext();
let experiments: Throughput[];
let tags: Awaited<ReturnType<typeof autotags>>;
try {
  process.stderr.write(`bench:lab ${PHOTOS} photos x 3 variants, without face metrics\n`);
  const plain = await throughput(dir, ctx, PLAIN);
  process.stderr.write('bench:lab with face metrics\n');
  const faces = await throughput(dir, ctx, [...FACES, ...PLAIN]);
  experiments = [plain, faces];
  process.stderr.write('bench:lab auto-tags\n');
  tags = await autotags(dir, ctx);
} finally {
  await disposeContext(ctx);
  await rm(dir, { recursive: true, force: true });
}
process.stderr.write('bench:lab SSIM and CIEDE2000 at 1 MP\n');
const metrics = await labMetricsBench(Number(args.repeat));

const report = {
  bench: 'lab',
  command: ['npm run bench:lab', ...process.argv.slice(2)].join(' '),
  date: started.toISOString(),
  machine: { ...machine, loadAverageAfter: describeMachine().loadAverage },
  note: 'imagesPerSecond = scored (photo, variant) pairs per wall second of runExperiment, report included; cold runs every filter, cached scores outputs from the output cache. Face metrics run on tfjs wasm.',
  experiments,
  autotags: tags,
  metrics,
};
await mkdir(path.dirname(RESULTS), { recursive: true });
await writeFile(RESULTS, await format(JSON.stringify(report), { parser: 'json' }));

console.log(
  textTable(
    ['metrics', 'photos x variants', 'cold img/s', 'cold s', 'of which filters s', 'cached img/s'],
    experiments.map((e) => [
      e.metrics.some((m) => FACES.includes(m)) ? 'with face metrics' : 'without face metrics',
      `${e.photos} x ${e.variants}`,
      e.cold.imagesPerSecond.toFixed(2),
      e.cold.seconds.toFixed(1),
      e.cold.filterSeconds.toFixed(1),
      e.cached.imagesPerSecond.toFixed(2),
    ]),
  ).join('\n'),
);
console.log(`\nauto-tags: ${tags.photosPerSecond.toFixed(2)} photos/s (${tags.photos} photos)`);
console.log(labMetricsTable(metrics));
console.log(
  `${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage}; wrote ${path.relative(ROOT, RESULTS)}`,
);
