import path from 'node:path';
import { createContext, disposeContext, type Context } from '../../core/context.js';
import { toFilterlabError } from '../../core/errors.js';
import type { Face } from '../../core/faces/face.js';
import { analyzeFaces } from '../../core/faces/face-analysis.js';
import { sharedFaceModels } from '../../core/faces/shared.js';
import { compile, type Runner } from '../../core/filters/compile.js';
import { loadFilter } from '../../core/filters/load.js';
import { readImage } from '../../core/image/decode.js';
import { imageFromRgb8, imageToRgb8, sameSize, type Image } from '../../core/image/image.js';
import { fitSize, resizeImage } from '../../core/image/resize.js';
import { PairAnalysis } from '../analysis.js';
import { AUTOTAG_COLUMNS, computeAutoTags } from '../dataset/autotags.js';
import { loadDataset, type Dataset, type DatasetItem } from '../dataset/dataset.js';
import {
  checkColumns,
  expandVariants,
  type LoadedExperiment,
  type Variant,
} from '../experiment.js';
import { metricById, type MetricDefinition } from '../metrics/registry.js';
import { buildResults, type RunResults } from './results.js';
import { OutputCache } from './output-cache.js';
import { resultKey, RunStore, type ResultRow, type RunRow } from './run-store.js';
import { writeRunFiles } from './write-run.js';
import { Mutex } from './mutex.js';
import { sha256Hex } from '../../core/util/content-hash.js';

export interface EvalProgress {
  phase: 'tagging' | 'scoring' | 'reporting';
  done: number;
  total: number;
}

/** Runs one filter on one photo: locally by default, or on the server's workers (sharded). */
export interface LabExecutor {
  /** True when run() uses this process's CPU (it is then timed alone, not beside other work). */
  readonly local: boolean;
  run(
    runner: Runner,
    variant: Variant,
    item: DatasetItem,
    image: Image,
    seed: number,
  ): Promise<{ image: Image; latencyMs: number; peakRssMb: number }>;
  close?(): Promise<void>;
}

export interface EvalOptions {
  outDir: string;
  /** Start a new run even if an unfinished one of the same config exists. */
  fresh?: boolean;
  ctx?: Context;
  executor?: LabExecutor;
  onProgress?: (p: EvalProgress) => void;
}

export interface EvalResult {
  run: RunRow;
  results: RunResults;
  reportPath: string;
  resultsPath: string;
  resumed: boolean;
  /** Results already stored by an earlier, killed or finished, run of the same config. */
  skipped: number;
  /** Filter outputs taken from the output cache instead of running the filter. */
  reused: number;
}

/**
 * `filterlab eval`: every variant (filter x parameter grid point) x seed on every photo,
 * scored, summarised per slice, gated, reported. Outputs are cached by (version id, photo
 * hash, params, seed) and every scored row is stored as it is made, so a killed run resumes.
 */
export async function runExperiment(
  loaded: LoadedExperiment,
  options: EvalOptions,
): Promise<EvalResult> {
  const { experiment: exp, baseDir } = loaded;
  const ctx = options.ctx ?? createContext();
  const store = new RunStore(options.outDir);
  const cache = new OutputCache(path.join(options.outDir, '.cache', 'outputs'));
  const compiled = new Map<string, Runner>();
  try {
    const dataset = await loadDataset(path.resolve(baseDir, exp.dataset.path), {
      ...(exp.dataset.where ? { where: exp.dataset.where } : {}),
      ...(exp.dataset.match ? { match: exp.dataset.match } : {}),
      ...(exp.dataset.limit ? { limit: exp.dataset.limit } : {}),
    });
    const variants = expandVariants(exp);
    const metrics = exp.metrics.map(metricById);
    const autoTagged = [exp.slices, exp.gates.map((g) => g.per ?? g.gap ?? '')]
      .flat()
      .some((c) => (AUTOTAG_COLUMNS as readonly string[]).includes(c));
    checkColumns(exp, [...dataset.columns, ...AUTOTAG_COLUMNS]);
    const faceMetrics = metrics.some((m) => m.needsFaces);
    const faces = faceMetrics || autoTagged ? await sharedFaceModels(ctx) : undefined;
    if (faces && autoTagged) {
      const tags = await computeAutoTags(
        dataset.items,
        faces,
        path.join(options.outDir, '.cache'),
        (done, total) => options.onProgress?.({ phase: 'tagging', done, total }),
      );
      for (const item of dataset.items) Object.assign(item.labels, tags.get(item.file));
    }
    for (const v of variants) {
      if (compiled.has(v.filter)) continue;
      const { spec, baseDir: specDir } = await loadFilter(resolveFilterRef(v.filter, baseDir));
      compiled.set(v.filter, await compile(spec, ctx, { baseDir: specDir }));
    }
    for (const v of variants) compiled.get(v.filter)!.resolveParams(v.params);

    const configSha = sha256Hex(
      loaded.text,
      [...compiled.values()].map((r) => r.versionId).join(','),
    );
    const resumable = options.fresh
      ? undefined
      : store.findResumable(configSha, dataset.manifestHash);
    const createdAt = new Date().toISOString();
    const id = store.unusedId(
      `${slug(exp.name)}-${createdAt.replace(/[-:]/g, '').replace(/\..*/, '')}`,
    );
    const run =
      resumable ??
      store.create({
        id,
        name: exp.name,
        createdAt,
        configSha,
        datasetManifest: dataset.manifestHash,
        dir: path.join(options.outDir, id),
      });
    const done = store.done(run.id);
    const executor = options.executor ?? localExecutor();
    const counters = { reused: 0 };
    const tasks = dataset.items.length * variants.length * exp.seeds.length;
    let progress = done.size;
    options.onProgress?.({ phase: 'scoring', done: progress, total: tasks });

    const cpu = new Mutex();
    const scorePhoto = async (item: DatasetItem) => {
      const todo = variants
        .flatMap((v) => exp.seeds.map((seed) => ({ v, seed })))
        .filter(({ v, seed }) => !done.has(resultKey(v.id, item.file, seed)));
      if (!todo.length) return;
      let input: Image;
      try {
        input = await cpu.run(() => loadInput(item, exp.maxSide));
      } catch (error) {
        const e = toFilterlabError(error);
        for (const { v, seed } of todo)
          store.save(run.id, failedRow(v, item, seed, e.code, e.message));
        progress += todo.length;
        options.onProgress?.({ phase: 'scoring', done: progress, total: tasks });
        return;
      }
      const inputFaces: Promise<Face[]> | undefined =
        faces && faceMetrics ? cpu.run(() => analyzeFaces(faces, input)) : undefined;
      // Awaited by the first face metric; if every filter run fails first, nobody awaits it.
      inputFaces?.catch(() => undefined);
      for (const { v, seed } of todo) {
        store.save(
          run.id,
          await scoreOne(compiled.get(v.filter)!, v, item, input, seed, {
            executor,
            cache,
            metrics,
            faces,
            inputFaces,
            maxSide: exp.maxSide,
            cpu,
            counters,
          }),
        );
        options.onProgress?.({ phase: 'scoring', done: ++progress, total: tasks });
      }
    };
    await forEachConcurrent(dataset.items, exp.concurrency, scorePhoto);

    options.onProgress?.({ phase: 'reporting', done: 0, total: 1 });
    const results = buildResults({
      run,
      experiment: exp,
      dataset,
      variants,
      versionIds: Object.fromEntries(
        variants.map((v) => [v.id, compiled.get(v.filter)!.versionId]),
      ),
      metrics,
      rows: store.results(run.id),
    });
    const dir = path.join(options.outDir, run.id);
    const { reportPath, resultsPath } = await writeRunFiles(dir, results, cache, dataset);
    store.finish(run.id, results.verdict.decision);
    return {
      run: { ...run, dir, status: 'complete', verdict: results.verdict.decision },
      results,
      reportPath,
      resultsPath,
      resumed: Boolean(resumable),
      skipped: done.size,
      reused: counters.reused,
    };
  } finally {
    await options.executor?.close?.();
    for (const r of compiled.values()) await r.dispose();
    store.close();
    if (!options.ctx) await disposeContext(ctx);
  }
}

interface ScoreEnv {
  executor: LabExecutor;
  cache: OutputCache;
  metrics: MetricDefinition[];
  faces: Awaited<ReturnType<typeof sharedFaceModels>> | undefined;
  inputFaces: Promise<Face[]> | undefined;
  maxSide: number | undefined;
  cpu: Mutex;
  counters: { reused: number };
}

async function scoreOne(
  runner: Runner,
  v: Variant,
  item: DatasetItem,
  input: Image,
  seed: number,
  env: ScoreEnv,
): Promise<ResultRow> {
  const params = runner.resolveParams(v.params);
  const key = OutputCache.key(runner.versionId, item.sha256, params, seed, env.maxSide);
  try {
    let out = await env.cache.get(key);
    if (out) env.counters.reused++;
    else {
      const execute = () => env.executor.run(runner, v, item, input, seed);
      out = await (env.executor.local ? env.cpu.run(execute) : execute());
      await env.cache.put(key, out);
    }
    const { latencyMs, peakRssMb } = out;
    // Score the 8-bit output that a user gets and the cache keeps, so that a resumed run, a
    // sharded run (PNG over the queue) and a fresh run score the same pixels.
    const image = quantised(out.image);
    const metrics = await env.cpu.run(async () => {
      const output = sameSize(image, input) ? image : resizeImage(image, input.width, input.height);
      const pair = new PairAnalysis(input, output, env.faces, env.inputFaces);
      const values: Record<string, number | undefined> = {};
      for (const m of env.metrics) values[m.id] = await m.compute({ pair, latencyMs, peakRssMb });
      return values;
    });
    return {
      variant: v.id,
      file: item.file,
      seed,
      metrics,
      outcome: 'ok',
      errorCode: null,
      errorMessage: null,
      outputKey: key,
    };
  } catch (error) {
    const e = toFilterlabError(error);
    return failedRow(v, item, seed, e.code, e.message);
  }
}

function failedRow(
  v: Variant,
  item: DatasetItem,
  seed: number,
  code: string,
  message: string,
): ResultRow {
  return {
    variant: v.id,
    file: item.file,
    seed,
    metrics: {},
    outcome: code === 'FL_ERR_NO_FACE' ? 'no_face' : 'error',
    errorCode: code,
    errorMessage: message,
    outputKey: null,
  };
}

/** Runs filters in this process, measuring wall time and peak RSS. */
export function localExecutor(): LabExecutor {
  return {
    local: true,
    async run(runner, v, _item, image, seed) {
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
      const started = performance.now();
      try {
        const result = await runner.run(image, { params: v.params, seed });
        return {
          image: result.image,
          latencyMs: performance.now() - started,
          peakRssMb: Math.max(peak, process.memoryUsage().rss) / 2 ** 20,
        };
      } finally {
        clearInterval(sampler);
      }
    },
  };
}

function quantised(image: Image): Image {
  return imageFromRgb8(image.width, image.height, imageToRgb8(image));
}

async function loadInput(item: DatasetItem, maxSide: number | undefined): Promise<Image> {
  const { image } = await readImage(item.path);
  if (!maxSide || Math.max(image.width, image.height) <= maxSide) return image;
  const size = fitSize(image.width, image.height, maxSide, maxSide);
  return resizeImage(image, size.width, size.height);
}

/** A built-in filter id as it is; a spec path resolved against the experiment's folder. */
export function resolveFilterRef(ref: string, baseDir: string): string {
  return /[\\/]/.test(ref) || /\.(ya?ml|json)$/.test(ref) ? path.resolve(baseDir, ref) : ref;
}

async function forEachConcurrent<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'run'
  );
}

export type { Dataset };
