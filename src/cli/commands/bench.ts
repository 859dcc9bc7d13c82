import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { benchFilter } from '../../bench/bench-filter.js';
import { benchTable, regressionTable } from '../../bench/bench-table.js';
import { BENCH_PHOTO, defaultBenchPhoto, loadPhoto, loadPhotoSet } from '../../bench/photos.js';
import { IdentityScorer } from '../../bench/quality.js';
import { compareToBaseline, readBaseline } from '../../bench/regression.js';
import { parseKnobs } from '../../bench/sweep/knobs.js';
import { paretoHtml } from '../../bench/sweep/pareto-report.js';
import { runSweep } from '../../bench/sweep/sweep.js';
import { sweepTable } from '../../bench/sweep/sweep-table.js';
import { writeVariant } from '../../bench/sweep/variant.js';
import { createContext, disposeContext, type Context } from '../../core/context.js';
import { FilterlabError } from '../../core/errors.js';
import { writeAtomic } from '../../core/util/atomic-write.js';
import { loadFilter, type LoadedSpec } from '../../core/filters/load.js';
import { EXIT } from '../exit-codes.js';
import { collect, intOption, numberList, type Io } from '../io.js';

interface BenchFlags {
  photo?: string;
  sizes: number[];
  runs: number;
  warmup: number;
  concurrency: number[];
  leakRuns: number;
  threads?: number;
  json: boolean;
  out?: string;
  baseline?: string;
  maxRegression: number;
  sweep: string[];
  qualitySet?: string;
  qualityLimit: number;
  identity: boolean;
  budgetMs?: number;
  minQuality?: number;
  minIdentity?: number;
  report?: string;
  writeVariant?: string;
  variantSuffix: string;
  progress: boolean;
}

export function registerBench(program: Command, io: Io): void {
  program
    .command('bench')
    .description(
      'Measure a filter: cold start, latency per step, throughput, memory; or sweep performance knobs',
    )
    .argument('<filter>', 'built-in filter id or a spec file')
    .option('--photo <file>', `photo to time (default: faces-dev/${BENCH_PHOTO})`)
    .option(
      '--sizes <list>',
      'long sides to scale the photo to (a sweep times at the first)',
      numberList,
      [512, 1024],
    )
    .option('--runs <n>', 'measured runs per size', intOption, 20)
    .option('--warmup <n>', 'warm-up runs per size', intOption, 3)
    .option('--concurrency <list>', 'runs in flight for throughput', numberList, [1, 2, 4])
    .option('--leak-runs <n>', 'runs of the RSS growth check (0: skip)', intOption, 500)
    .option('--threads <n>', 'ONNX Runtime threads per session', intOption)
    .option('--json', 'print the JSON report instead of tables', false)
    .option('--out <file>', 'also write the JSON report to a file')
    .option('--baseline <file>', 'a previous `bench --json`: fail (exit 3) if p50 regressed')
    .option('--max-regression <pct>', 'allowed p50 slow-down vs --baseline, percent', Number, 10)
    .option(
      '--sweep <knob=v1,v2>',
      'sweep a knob (repeatable): threads, ep, graph, tile, size, precision, a parameter or step option',
      collect,
      [],
    )
    .option('--quality-set <dir>', 'photos to score sweep points on (default: the --photo)')
    .option('--quality-limit <n>', 'at most this many photos of --quality-set', intOption, 8)
    .option('--no-identity', 'skip identity similarity (face embeddings)')
    .option('--budget-ms <ms>', 'recommend only points with p50 within this budget', Number)
    .option('--min-quality <ssim>', 'recommend only points with mean SSIM at least this', Number)
    .option(
      '--min-identity <cos>',
      'recommend only points with identity similarity at least this',
      Number,
    )
    .option(
      '--report <file.html>',
      'sweep report (and a .json beside it); default out/bench/<id>-sweep.html',
    )
    .option('--write-variant <file.yaml>', 'write the recommended point as a filter variant spec')
    .option('--variant-suffix <suffix>', 'id suffix of the variant', 'fast')
    .option('--no-progress', 'no progress lines on stderr')
    .action(async (filter: string, flags: BenchFlags) => {
      io.exitCode = await bench(filter, flags, io);
    });
}

async function bench(filter: string, flags: BenchFlags, io: Io): Promise<number> {
  checkFlags(flags);
  const loaded = await loadFilter(filter);
  const photo = path.resolve(flags.photo ?? defaultBenchPhoto());
  const image = await loadPhoto(photo);
  const ctx = createContext({
    ...(io.modelsDir ? { modelsDir: io.modelsDir } : {}),
    sessionOptions: flags.threads ? { threads: flags.threads } : {},
  });
  const onProgress = (m: string) => {
    if (flags.progress) process.stderr.write(`bench: ${m}\n`);
  };
  try {
    return flags.sweep.length
      ? await sweep(loaded, ctx, photo, image, flags, io, onProgress)
      : await measure(loaded, ctx, photo, image, flags, io, onProgress);
  } finally {
    await disposeContext(ctx);
  }
}

async function measure(
  loaded: LoadedSpec,
  ctx: Context,
  photo: string,
  image: Awaited<ReturnType<typeof loadPhoto>>,
  flags: BenchFlags,
  io: Io,
  onProgress: (m: string) => void,
): Promise<number> {
  const baseline = flags.baseline ? await readBaseline(flags.baseline) : undefined;
  const report = await benchFilter(loaded, ctx, {
    photo,
    image,
    sizes: flags.sizes,
    runs: flags.runs,
    warmup: flags.warmup,
    concurrency: flags.concurrency,
    leakRuns: flags.leakRuns,
    ...(flags.threads ? { threads: flags.threads } : {}),
    onProgress,
  });
  const regression = baseline
    ? compareToBaseline(report, baseline, flags.maxRegression)
    : undefined;
  if (flags.out) await writeAtomic(flags.out, JSON.stringify(report, null, 2) + '\n');
  if (flags.json) io.out(JSON.stringify(regression ? { ...report, regression } : report, null, 2));
  else {
    for (const line of benchTable(report)) io.out(line);
    if (regression) for (const line of ['', ...regressionTable(regression)]) io.out(line);
  }
  if (regression?.regressed) {
    io.err(
      `bench: p50 of ${report.filter.id} regressed by more than ${flags.maxRegression}% against ${flags.baseline}`,
    );
    return EXIT.GATE_FAILED;
  }
  return EXIT.OK;
}

async function sweep(
  loaded: LoadedSpec,
  ctx: Context,
  photo: string,
  image: Awaited<ReturnType<typeof loadPhoto>>,
  flags: BenchFlags,
  io: Io,
  onProgress: (m: string) => void,
): Promise<number> {
  const knobs = parseKnobs(flags.sweep, loaded.spec);
  const qualitySet = flags.qualitySet ? path.resolve(flags.qualitySet) : photo;
  const qualityPhotos = flags.qualitySet
    ? await loadPhotoSet(qualitySet, flags.qualityLimit)
    : [{ name: path.basename(photo), image }];
  const { identity, note } = await identityScorer(flags.identity);
  const workDir = await mkdtemp(path.join(tmpdir(), 'filterlab-sweep-'));
  try {
    const report = await runSweep(loaded, ctx, {
      knobs,
      photo,
      image,
      qualitySet,
      qualityPhotos,
      defaultSize: flags.sizes[0]!,
      runs: flags.runs,
      warmup: flags.warmup,
      constraints: {
        ...(flags.budgetMs !== undefined ? { budgetMs: flags.budgetMs } : {}),
        ...(flags.minQuality !== undefined ? { minQuality: flags.minQuality } : {}),
        ...(flags.minIdentity !== undefined ? { minIdentity: flags.minIdentity } : {}),
      },
      ...(identity ? { identity } : {}),
      identityNote: note,
      workDir,
      onProgress,
    });
    const html = path.resolve(
      flags.report ?? path.join('out', 'bench', `${loaded.spec.id}-sweep.html`),
    );
    const json = html.replace(/\.html?$/i, '') + '.json';
    await writeAtomic(html, paretoHtml(report));
    await writeAtomic(json, JSON.stringify(report, null, 2) + '\n');
    if (flags.json) io.out(JSON.stringify(report, null, 2));
    else
      for (const line of [...sweepTable(report), `report: ${html}`, `json: ${json}`]) io.out(line);
    if (!flags.writeVariant) return EXIT.OK;
    const rec = report.recommended !== undefined ? report.points[report.recommended] : undefined;
    if (!rec) {
      io.err(
        'bench: no point meets --budget-ms / --min-quality / --min-identity; no variant written',
      );
      return EXIT.FAILED;
    }
    const variant = await writeVariant(loaded, knobs, rec, flags.writeVariant, {
      ctx,
      suffix: flags.variantSuffix,
    });
    if (!flags.json)
      io.out(`variant ${variant.id} (${rec.label}) written to ${path.resolve(flags.writeVariant)}`);
    return EXIT.OK;
  } finally {
    await identity?.dispose();
    await rm(workDir, { recursive: true, force: true });
  }
}

async function identityScorer(
  wanted: boolean,
): Promise<{ identity?: IdentityScorer; note: string }> {
  if (!wanted) return { note: 'not measured (--no-identity).' };
  try {
    return {
      identity: await IdentityScorer.create(),
      note: 'cosine similarity of face embeddings (src/core/faces: largest face, faceres embedder) of each output vs the default output.',
    };
  } catch (error) {
    return { note: `not measured: the face models did not load (${(error as Error).message}).` };
  }
}

function checkFlags(f: BenchFlags): void {
  const positive = (name: string, values: number[]) => {
    if (!values.length || values.some((v) => !Number.isInteger(v) || v < 1))
      throw invalid(`positive integers for ${name}`, values.join(','));
  };
  positive('--sizes', f.sizes);
  positive('--concurrency', f.concurrency);
  positive('--runs', [f.runs]);
  if (f.warmup < 0) throw invalid('a count >= 0 for --warmup', f.warmup);
  if (f.leakRuns < 0) throw invalid('a count >= 0 for --leak-runs', f.leakRuns);
  if (!(f.maxRegression >= 0))
    throw invalid('a percent >= 0 for --max-regression', f.maxRegression);
  if (f.baseline && f.sweep.length) throw invalid('either --baseline or --sweep', 'both');
  const sweepOnly = Object.entries({
    '--quality-set': f.qualitySet,
    '--budget-ms': f.budgetMs,
    '--min-quality': f.minQuality,
    '--min-identity': f.minIdentity,
    '--report': f.report,
    '--write-variant': f.writeVariant,
  }).filter(([, v]) => v !== undefined);
  if (sweepOnly.length && !f.sweep.length) {
    const names = sweepOnly.map(([k]) => k).join(', ');
    throw invalid(`--sweep with ${names} (they only apply to sweeps)`, 'no --sweep');
  }
}

function invalid(what: string, received: unknown): FilterlabError {
  return new FilterlabError(
    'FL_ERR_INVALID_ARGUMENT',
    `Expected ${what} but received ${String(received)}`,
  );
}
