/**
 * Speed, memory and quality of the learned style filters.
 *
 *   npm run bench:styles -- [--quick] [--styles wave,udnie|all] [--latency-styles first|all]
 *     [--sizes 512,1024] [--runs 3] [--warmup 1] [--tfjs-runs 2] [--tfjs-sizes 512,1024]
 *     [--quality-photos 2]
 *     [--threads N] [--graph-opt all|extended|basic|disabled] [--session-sweep] [--photo file]
 *
 * Styles: default the styles of the built-in `ai` filters; `all`: the nine checkpoints. At each
 * long side: p50 / p95 of the bare forward pass and peak RSS for the float32 model, the
 * float16-weight model (the importer's --fp16, as shipped) and int8 (`models optimize --int8`),
 * each measured in its own process (bench/styles-child.ts): for the first style by default
 * (every style runs the same network, only the weights differ; `--latency-styles all` measures
 * each, about 4 minutes per style on a busy 2-core machine). Per style: SSIM and identity of the
 * fp16 and int8 outputs against the fp32 output on sample portraits. On the first style: the same
 * network on tfjs-wasm (bench/peers/style-transfer-tfjs.ts, the way ml5 ran these checkpoints),
 * alternating with ONNX fp32 in one process; and the whole built-in filter (decode → style →
 * keep-face → encode) against the bare call of its model. The network is the same for every
 * style (only weights differ), so the peer and whole-filter ratios do not depend on the style.
 *
 * Goals (issue 11): ONNX fp32 at 512 px ≥ 3x faster than tfjs-wasm; whole filter ≤ 1.3x the
 * bare model call. Models are converted into a temporary folder from the checkpoints in
 * $FILTERLAB_STYLE_CHECKPOINTS (default ../shared/models/style-transfer). Photo: a sample
 * portrait (samples/portraits) scaled to each size. Results: tables and bench/results/styles.json.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { format } from 'prettier';
import { describeMachine } from '../src/bench/machine.js';
import { optimizeModel } from '../src/bench/optimize/optimize-model.js';
import { atLongSide, loadPhoto } from '../src/bench/photos.js';
import { IdentityScorer, scoreQuality } from '../src/bench/quality.js';
import { ms, textTable } from '../src/bench/text-table.js';
import { createContext, disposeContext, type Context } from '../src/core/context.js';
import { listBuiltinSpecs } from '../src/core/filters/load.js';
import type { Image } from '../src/core/image/image.js';
import { importStyleTransfer } from '../src/core/models/import/style-transfer.js';
import type { InstalledModel } from '../src/core/models/store.js';
import { OnnxImageModel } from '../src/core/steps/onnx-image.js';
import type { StyleJob, StyleJobResult } from './styles-child.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const RESULTS = path.join(ROOT, 'bench', 'results', 'styles.json');
const CHILD = path.join(ROOT, 'bench', 'styles-child.ts');
const PORTRAITS = path.join(ROOT, 'samples', 'portraits');
/** Darker-skinned woman (bench photo), lighter-skinned man, medium-toned older man. */
const PHOTOS = ['S001185.jpg', 'S001195.jpg', 'H000636.jpg'];
const PRECISIONS = ['fp32', 'fp16-weights', 'int8'] as const;
type Precision = (typeof PRECISIONS)[number];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    styles: { type: 'string' },
    sizes: { type: 'string' },
    runs: { type: 'string' },
    warmup: { type: 'string', default: '1' },
    'tfjs-runs': { type: 'string' },
    'tfjs-sizes': { type: 'string' },
    'quality-photos': { type: 'string' },
    'latency-styles': { type: 'string' },
    threads: { type: 'string' },
    'graph-opt': { type: 'string' },
    'session-sweep': { type: 'boolean', default: false },
    photo: { type: 'string' },
  },
});
const quick = args.quick;
const list = (s: string) =>
  s
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
const numbers = (s: string) => list(s).map(Number);
const opts = {
  sizes: numbers(args.sizes ?? (quick ? '512' : '512,1024')),
  runs: Number(args.runs ?? (quick ? 2 : 3)),
  warmup: Number(args.warmup),
  tfjsRuns: Number(args['tfjs-runs'] ?? 2),
  tfjsSizes: numbers(args['tfjs-sizes'] ?? (quick ? '512' : '512,1024')),
  qualityPhotos: Number(args['quality-photos'] ?? (quick ? 1 : 2)),
  latencyStyles: args['latency-styles'] === 'all' ? 'all' : 'first',
  session: {
    ...(args.threads ? { threads: Number(args.threads) } : {}),
    ...(args['graph-opt']
      ? { graphOptimization: args['graph-opt'] as 'all' | 'extended' | 'basic' | 'disabled' }
      : {}),
  },
};
const CHECKPOINTS = process.env.FILTERLAB_STYLE_CHECKPOINTS
  ? path.resolve(process.env.FILTERLAB_STYLE_CHECKPOINTS)
  : path.resolve(ROOT, '..', 'shared', 'models', 'style-transfer');
/** Every checkpoint folder (one with a manifest.json) under CHECKPOINTS, by name. */
async function allStyles(): Promise<string[]> {
  const names = (await readdir(CHECKPOINTS, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const found = await Promise.all(
    names.map((n) =>
      stat(path.join(CHECKPOINTS, n, 'manifest.json')).then(
        () => true,
        () => false,
      ),
    ),
  );
  return names.filter((_, i) => found[i]);
}

/** Built-in `ai` filters and the checkpoint each one's model came from (style-la-muse → la_muse). */
async function builtinStyleFilters(known: readonly string[]): Promise<Map<string, string>> {
  const filters = new Map<string, string>();
  for (const { spec } of await listBuiltinSpecs()) {
    if (!spec.tags.includes('ai')) continue;
    const step = spec.steps.find((s) => s.type === 'onnx.image') as { model?: unknown } | undefined;
    const model = typeof step?.model === 'string' ? step.model : '';
    const style = /^style-(.+)$/.exec(model)?.[1]?.replaceAll('-', '_');
    if (style && known.includes(style)) filters.set(style, spec.id);
  }
  return filters;
}

function runChild(job: StyleJob, env: NodeJS.ProcessEnv): Promise<StyleJobResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, CHILD, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env,
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench/styles-child.ts ${job.kind} exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as StyleJobResult);
    });
  });
}

/** fp32 and fp16-weight models from the importer, int8 by `models optimize`, in `dir`. */
async function convert(style: string, dir: string): Promise<Record<Precision, InstalledModel>> {
  const checkpoint = path.join(CHECKPOINTS, style);
  const id = style.replaceAll('_', '-');
  const fp32 = await importStyleTransfer(checkpoint, { id: `${id}-fp32`, modelsDir: dir });
  const fp16 = await importStyleTransfer(checkpoint, {
    id: `${id}-fp16-weights`,
    fp16: true,
    modelsDir: dir,
  });
  const int8 = await optimizeModel(fp32, {
    precision: 'int8',
    outDir: path.join(dir, `${id}-int8`),
  });
  const ctx = createContext({ modelsDir: dir, logger: pino({ level: 'silent' }) });
  try {
    return { fp32, 'fp16-weights': fp16, int8: await ctx.models.resolve(int8.dir) };
  } finally {
    await disposeContext(ctx);
  }
}

/** SSIM and identity of each precision's output against the fp32 output, through onnx.image. */
async function quality(
  ctx: Context,
  models: Record<Precision, InstalledModel>,
  photos: readonly { name: string; image: Image }[],
  identity: IdentityScorer | undefined,
) {
  const outputs: Partial<Record<Precision, Image[]>> = {};
  for (const p of PRECISIONS) {
    const session = await ctx.onnx.session({ path: models[p].entry, hash: models[p].hash });
    try {
      const runner = await OnnxImageModel.load(models[p], session);
      outputs[p] = [];
      for (const photo of photos) outputs[p].push(await runner.run(photo.image, { fit: 'auto' }));
    } finally {
      await ctx.onnx.release(session.key);
    }
  }
  const refs = photos.map((photo, i) => ({ name: photo.name, image: outputs.fp32![i]! }));
  const result: Partial<Record<Precision, { ssim: number; minSsim: number; identity?: number }>> =
    {};
  for (const p of PRECISIONS.filter((x) => x !== 'fp32')) {
    const q = await scoreQuality(refs, outputs[p]!, identity);
    result[p] = {
      ssim: q.ssim,
      minSsim: q.minSsim,
      ...(q.identity !== undefined ? { identity: q.identity } : {}),
    };
  }
  return result;
}

const started = new Date();
const startedMs = performance.now();
const machine = describeMachine();
const checkpoints = await allStyles();
const shipped = await builtinStyleFilters(checkpoints);
const styles =
  args.styles === 'all'
    ? checkpoints
    : args.styles
      ? list(args.styles)
      : quick
        ? ['wave']
        : [...shipped.keys()];
if (!styles.length) throw new Error('no styles to bench: no built-in ai filter, and no --styles');
const benchPhoto = args.photo ? path.resolve(args.photo) : path.join(PORTRAITS, PHOTOS[0]!);
const work = await mkdtemp(path.join(tmpdir(), 'fl-bench-styles-'));
const childEnv = { ...process.env, FILTERLAB_MODELS: path.join(work, 'installed') };
const common = {
  photo: benchPhoto,
  sizes: opts.sizes,
  runs: opts.runs,
  warmup: opts.warmup,
  session: opts.session,
};
const say = (m: string) => process.stderr.write(`bench:styles ${m}\n`);

const ctx = createContext({ modelsDir: work, logger: pino({ level: 'silent' }) });
const qualityPhotos = await Promise.all(
  PHOTOS.slice(0, opts.qualityPhotos).map(async (name) => ({
    name,
    image: atLongSide(await loadPhoto(path.join(PORTRAITS, name)), 512),
  })),
);
const identity = await IdentityScorer.create().catch((error: unknown) => {
  say(`identity not scored: ${error instanceof Error ? error.message : String(error)}`);
  return undefined;
});

const perStyle = [];
let peer: StyleJobResult | undefined;
let whole: StyleJobResult | undefined;
const sweep = [];
try {
  for (const [index, style] of styles.entries()) {
    say(`${style}: converting`);
    const models = await convert(style, work);
    const latency: Partial<Record<Precision, StyleJobResult>> = {};
    for (const p of index === 0 || opts.latencyStyles === 'all' ? PRECISIONS : []) {
      say(`${style} ${p}: ${opts.sizes.join(', ')} px`);
      latency[p] = await runChild({ kind: 'model', modelDir: models[p].dir, ...common }, childEnv);
    }
    say(`${style}: quality vs fp32 on ${qualityPhotos.length} portraits at 512 px`);
    const q = await quality(ctx, models, qualityPhotos, identity);
    const fileMb = Object.fromEntries(
      await Promise.all(
        PRECISIONS.map(async (p) => [p, (await stat(models[p].entry)).size / 2 ** 20] as const),
      ),
    ) as Record<Precision, number>;
    perStyle.push({ style, filter: shipped.get(style), fileMb, latency, quality: q });
    if (index > 0) continue;
    say(`${style}: ONNX fp32 vs tfjs-wasm at ${opts.tfjsSizes.join(', ')} px`);
    peer = await runChild(
      {
        kind: 'tfjs',
        modelDir: models.fp32.dir,
        checkpointDir: path.join(CHECKPOINTS, style),
        ...common,
        sizes: opts.tfjsSizes,
        runs: opts.tfjsRuns,
      },
      childEnv,
    );
    const filter = shipped.get(style);
    if (filter) {
      say(`${filter}: whole filter vs bare model call`);
      whole = await runChild({ kind: 'filter', filter, ...common }, childEnv);
    }
    if (args['session-sweep']) {
      for (const threads of [1, 2])
        for (const graphOptimization of ['basic', 'all'] as const) {
          say(`${style} fp32 at 512 px, threads ${threads}, graph ${graphOptimization}`);
          const r = await runChild(
            {
              kind: 'model',
              modelDir: models.fp32.dir,
              ...common,
              sizes: [512],
              session: { threads, graphOptimization },
            },
            childEnv,
          );
          if (r.kind === 'model') sweep.push({ threads, graphOptimization, ...r.sizes[0]! });
        }
    }
  }
} finally {
  await identity?.dispose();
  await disposeContext(ctx);
  await rm(work, { recursive: true, force: true });
}

const report = {
  bench: 'styles',
  command: ['npm run bench:styles', ...(argv.length ? ['--', ...argv] : [])].join(' '),
  date: started.toISOString(),
  durationS: Math.round((performance.now() - startedMs) / 1000),
  machine: { ...machine, loadAverageAfter: describeMachine().loadAverage },
  note:
    'Measured on a shared, busy 2-core machine (see loadAverage). latency: one bare forward ' +
    'pass (session.run on the prepared NCHW tensor), each precision in its own process; ' +
    'cpu*P50Ms: user+system CPU ms of the process per call (all threads), steadier than wall ' +
    'time on a loaded machine; ' +
    'peakRssMb: that process at the end of the size (sizes run smallest first). quality: the ' +
    'fp16-weights and int8 outputs against the fp32 output through onnx.image on sample ' +
    'portraits at 512 px (SSIM; identity = cosine of face embeddings). peer: ONNX fp32 and the ' +
    'tfjs-wasm reference alternating in one process. wholeFilter: decode, the built-in filter ' +
    '(style, keep-face) and encode, alternating with the bare call of the same model.',
  options: { ...opts, photo: path.relative(ROOT, benchPhoto), styles },
  goals: { peerRatioAtLeast: 3, wholeFilterRatioAtMost: 1.3 },
  styles: perStyle,
  peer,
  wholeFilter: whole,
  ...(sweep.length ? { sessionSweep: sweep } : {}),
};
await mkdir(path.dirname(RESULTS), { recursive: true });
await writeFile(RESULTS, await format(JSON.stringify(report), { parser: 'json' }));

const rows = perStyle.flatMap((s) =>
  PRECISIONS.flatMap((p) => {
    const r = s.latency[p];
    if (r?.kind !== 'model') return [];
    return r.sizes.map((z) => [
      s.style,
      p,
      `${z.input.width}x${z.input.height}`,
      ms(z.latency.p50),
      ms(z.latency.p95),
      ms(z.cpuP50Ms),
      z.peakRssMb.toFixed(0),
    ]);
  }),
);
console.log('Bare forward pass, one process per model:');
console.log(
  textTable(
    ['style', 'model', 'input', 'p50 ms', 'p95 ms', 'cpu p50 ms', 'peak RSS MB'],
    rows,
  ).join('\n'),
);
const cost = (q: { ssim: number; minSsim: number; identity?: number } | undefined) => [
  q ? q.ssim.toFixed(4) : '-',
  q ? q.minSsim.toFixed(4) : '-',
  q?.identity !== undefined ? q.identity.toFixed(3) : '-',
];
console.log(
  `\nModel file MB and cost against the fp32 output (${qualityPhotos.length} portraits at 512 px):`,
);
console.log(
  textTable(
    [
      'style',
      'filter',
      'MB fp32/fp16w/int8',
      'fp16w SSIM',
      'fp16w min SSIM',
      'fp16w identity',
      'int8 SSIM',
      'int8 min SSIM',
      'int8 identity',
    ],
    perStyle.map((s) => [
      s.style,
      s.filter ?? '-',
      PRECISIONS.map((p) => s.fileMb[p].toFixed(1)).join(' / '),
      ...cost(s.quality['fp16-weights']),
      ...cost(s.quality.int8),
    ]),
  ).join('\n'),
);
if (peer?.kind === 'tfjs') {
  console.log('\nONNX fp32 vs tfjs-wasm (same process, alternating):');
  console.log(
    textTable(
      [
        'input',
        'ONNX p50 ms',
        'tfjs p50 ms',
        'tfjs / ONNX',
        'ONNX cpu ms',
        'tfjs cpu ms',
        'max |diff| (0..255)',
      ],
      peer.sizes.map((z) => [
        `${z.input.width}x${z.input.height}`,
        ms(z.onnx.p50),
        z.tfjs ? ms(z.tfjs.p50) : `failed: ${z.error}`,
        z.ratio ? `${z.ratio.toFixed(1)}x` : '-',
        ms(z.onnxCpuP50Ms),
        z.tfjsCpuP50Ms !== undefined ? ms(z.tfjsCpuP50Ms) : '-',
        z.maxAbsDiff !== undefined ? z.maxAbsDiff.toFixed(4) : '-',
      ]),
    ).join('\n'),
  );
}
if (whole?.kind === 'filter') {
  console.log(`\nWhole filter vs bare ${whole.model} call:`);
  console.log(
    textTable(
      [
        'input',
        'whole p50 ms',
        'bare p50 ms',
        'whole / bare',
        'cpu whole / bare',
        'parts (p50 ms)',
      ],
      whole.sizes.map((z) => [
        `${z.input.width}x${z.input.height}`,
        ms(z.whole.p50),
        ms(z.bare.p50),
        `${z.ratio.toFixed(2)}x`,
        `${(z.wholeCpuP50Ms / z.bareCpuP50Ms).toFixed(2)}x`,
        z.parts.map((p) => `${p.name} ${ms(p.p50Ms)}`).join(', '),
      ]),
    ).join('\n'),
  );
}
if (sweep.length) {
  console.log('\nSession options, fp32 at 512 px:');
  console.log(
    textTable(
      ['threads', 'graph', 'p50 ms', 'p95 ms', 'cpu p50 ms'],
      sweep.map((s) => [
        String(s.threads),
        s.graphOptimization,
        ms(s.latency.p50),
        ms(s.latency.p95),
        ms(s.cpuP50Ms),
      ]),
    ).join('\n'),
  );
}
console.log(
  `\nMeasured on a shared, busy machine: ${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage}; wrote ${path.relative(ROOT, RESULTS)}`,
);
