/**
 * A small scored run for unit tests of results, compare and the report: six photos (three
 * women, three men), a baseline and two grid points, with identity levels chosen so that
 * every statistic is easy to work out by hand.
 */
import type { Dataset } from '../dataset/dataset.js';
import { expandVariants, ExperimentSchema, type Experiment } from '../experiment.js';
import { metricById } from '../metrics/registry.js';
import { buildResults, type BuildInput, type RunResults } from '../run/results.js';
import type { ResultRow } from '../run/run-store.js';

export const FILES = ['f1', 'f2', 'f3', 'm1', 'm2', 'm3'].map((f) => `${f}.jpg`);

export const dataset: Dataset = {
  root: '/photos',
  items: FILES.map((file) => ({
    file,
    path: `/photos/${file}`,
    sha256: file,
    bytes: 1,
    labels: { gender: file.startsWith('f') ? 'F' : 'M' },
  })),
  columns: ['gender'],
  missing: [],
  manifestHash: 'abc',
};

export function experiment(extra: Record<string, unknown> = {}): Experiment {
  return ExperimentSchema.parse({
    name: 't',
    dataset: { path: '/photos' },
    baseline: { filter: 'vivid' },
    candidates: [{ filter: 'film-warm', grid: { strength: [0.5, 1] } }],
    metrics: ['identity', 'ssim', 'skin_delta_l'],
    slices: ['gender'],
    ...extra,
  });
}

/** identity per variant: baseline 0.95, strength 0.5 -> 0.9, strength 1 -> 0.8 (men 0.05 lower). */
export function rows(e: Experiment, edit?: (r: ResultRow) => ResultRow | undefined): ResultRow[] {
  const level: Record<string, number> = {
    vivid: 0.95,
    'film-warm[strength=0.5]': 0.9,
    'film-warm[strength=0.7]': 0.85,
    'film-warm[strength=1]': 0.8,
  };
  const out: ResultRow[] = [];
  for (const v of expandVariants(e))
    for (const file of FILES)
      for (const seed of e.seeds) {
        const male = file.startsWith('m') ? 0.05 : 0;
        const row: ResultRow = {
          variant: v.id,
          file,
          seed,
          metrics: {
            identity: level[v.id]! - male + seed * 0.01,
            ssim: 1 - level[v.id]! / 10,
            skin_delta_l: v.isBaseline ? 2 : -0.5,
          },
          outcome: 'ok',
          errorCode: null,
          errorMessage: null,
          outputKey: `${v.id}/${file}/${seed}`,
        };
        const edited = edit ? edit(row) : row;
        if (edited) out.push(edited);
      }
  return out;
}

export function build(e: Experiment, r = rows(e), runId = 'run-1'): RunResults {
  const variants = expandVariants(e);
  const input: BuildInput = {
    run: {
      id: runId,
      name: e.name,
      createdAt: '2026-01-01T00:00:00.000Z',
      status: 'running',
      configSha: 'x',
      datasetManifest: 'abc',
      verdict: null,
      dir: '',
    },
    experiment: e,
    dataset,
    variants,
    versionIds: Object.fromEntries(variants.map((v) => [v.id, `${v.filter}@1`])),
    metrics: e.metrics.map(metricById),
    rows: r,
  };
  return buildResults(input);
}

export const failed = (r: ResultRow, code: string): ResultRow => ({
  ...r,
  metrics: {},
  outcome: 'error',
  errorCode: code,
  errorMessage: 'boom',
  outputKey: null,
});
