import type { Dataset } from '../dataset/dataset.js';
import type { Experiment, Gate, Variant } from '../experiment.js';
import { evaluateGate, type GateResult, type ScoredImage } from '../gates.js';
import type { MetricDefinition } from '../metrics/registry.js';
import {
  pairedComparison,
  summarize,
  type PairedComparison,
  type Summary,
} from '../stats/summary.js';
import type { ResultRow, RunRow } from './run-store.js';

export interface VariantResults {
  id: string;
  label: string;
  filter: string;
  params: Record<string, unknown>;
  versionId: string;
  isBaseline: boolean;
  outcomes: { ok: number; no_face: number; error: number };
  overall: Record<string, Summary>;
  /** column -> slice value -> metric -> summary */
  slices: Record<string, Record<string, Record<string, Summary>>>;
  vsBaseline: Record<string, PairedComparison>;
  /** The slice with the worst mean of each metric, over every slice column (absent when all tie). */
  worstSlice: Record<string, { column: string; slice: string; mean: number; n: number }>;
  gates: GateResult[];
  verdict: 'SHIP' | 'NO-SHIP';
}

export interface ImageResult {
  file: string;
  slices: Record<string, string>;
  /** variant id -> metrics averaged over its seeds, and the output of its first scored seed. */
  variants: Record<
    string,
    {
      metrics: Record<string, number | undefined>;
      outcome: string;
      error?: { code: string; message: string };
      outputKey: string | null;
    }
  >;
}

export interface RunResults {
  schema: 1;
  runId: string;
  name: string;
  createdAt: string;
  description?: string;
  dataset: { root: string; photos: number; manifestHash: string; columns: string[] };
  seeds: number[];
  metrics: Pick<MetricDefinition, 'id' | 'description' | 'reference' | 'unit' | 'direction'>[];
  sliceColumns: string[];
  variants: VariantResults[];
  images: ImageResult[];
  verdict: {
    decision: 'SHIP' | 'NO-SHIP';
    variant?: string;
    reason: string;
    failing: { variant: string; gate: string; value: number }[];
  };
}

export interface BuildInput {
  run: RunRow;
  experiment: Experiment;
  dataset: Dataset;
  variants: Variant[];
  versionIds: Record<string, string>;
  metrics: MetricDefinition[];
  rows: ResultRow[];
}

/** Turn stored rows into per-variant, per-slice statistics, paired comparisons, gates and a verdict. */
export function buildResults(input: BuildInput): RunResults {
  const { experiment: exp, dataset, variants, metrics } = input;
  const labelsOf = new Map(dataset.items.map((i) => [i.file, i.labels]));
  const byVariant = new Map<string, ScoredImage[]>();
  for (const v of variants)
    byVariant.set(
      v.id,
      scoredImages(
        input.rows.filter((r) => r.variant === v.id),
        labelsOf,
      ),
    );
  const baselineVariant = variants.find((v) => v.isBaseline);
  const baselineMap = baselineVariant
    ? new Map(byVariant.get(baselineVariant.id)!.map((s) => [s.file, s]))
    : undefined;

  const results: VariantResults[] = variants.map((v) => {
    const images = byVariant.get(v.id)!;
    const ok = images.filter((i) => i.outcome === 'ok');
    const overall: Record<string, Summary> = {};
    const slices: VariantResults['slices'] = {};
    const vsBaseline: VariantResults['vsBaseline'] = {};
    const worstSlice: VariantResults['worstSlice'] = {};
    for (const m of metrics) {
      overall[m.id] = summarize(values(ok, m.id));
      if (baselineMap && !v.isBaseline) {
        const mine = new Map(
          ok.flatMap((i) =>
            Number.isFinite(i.metrics[m.id]) ? [[i.file, i.metrics[m.id]!] as const] : [],
          ),
        );
        const base = new Map(
          [...baselineMap.values()].flatMap((i) =>
            Number.isFinite(i.metrics[m.id]) ? [[i.file, i.metrics[m.id]!] as const] : [],
          ),
        );
        vsBaseline[m.id] = pairedComparison(mine, base, m.direction);
      }
    }
    for (const column of exp.slices) {
      const groups = new Map<string, ScoredImage[]>();
      for (const img of ok) {
        const key = img.slices[column] || '(unlabelled)';
        groups.set(key, [...(groups.get(key) ?? []), img]);
      }
      slices[column] = {};
      for (const [slice, imgs] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        slices[column][slice] = Object.fromEntries(
          metrics.map((m) => [m.id, summarize(values(imgs, m.id))]),
        );
      }
    }
    for (const m of metrics) {
      let worst: VariantResults['worstSlice'][string] | undefined;
      const means: number[] = [];
      for (const [column, groups] of Object.entries(slices)) {
        for (const [slice, byMetric] of Object.entries(groups)) {
          const s = byMetric[m.id]!;
          if (s.n < 3 || !Number.isFinite(s.mean) || slice === '(unlabelled)') continue;
          means.push(s.mean);
          const badness =
            m.direction === 'higher'
              ? -s.mean
              : m.direction === 'lower'
                ? s.mean
                : Math.abs(s.mean);
          const current = worst
            ? m.direction === 'higher'
              ? -worst.mean
              : m.direction === 'lower'
                ? worst.mean
                : Math.abs(worst.mean)
            : -Infinity;
          if (badness > current) worst = { column, slice, mean: s.mean, n: s.n };
        }
      }
      // when every slice scores the same, no slice is the worst
      if (worst && Math.max(...means) - Math.min(...means) > 1e-12) worstSlice[m.id] = worst;
    }
    const gates = v.isBaseline
      ? []
      : [...exp.gates.map((g) => evaluateGate(g, ok, baselineMap)), filterErrorGate(images)];
    return {
      id: v.id,
      label: v.label,
      filter: v.filter,
      params: v.params,
      versionId: input.versionIds[v.id] ?? '',
      isBaseline: v.isBaseline,
      outcomes: {
        ok: ok.length,
        no_face: images.filter((i) => i.outcome === 'no_face').length,
        error: images.filter((i) => i.outcome === 'error').length,
      },
      overall,
      slices,
      vsBaseline,
      worstSlice,
      gates,
      verdict:
        !v.isBaseline && exp.gates.length > 0 && gates.every((g) => g.pass) ? 'SHIP' : 'NO-SHIP',
    };
  });

  return {
    schema: 1,
    runId: input.run.id,
    name: exp.name,
    createdAt: input.run.createdAt,
    ...(exp.description ? { description: exp.description } : {}),
    dataset: {
      root: dataset.root,
      photos: dataset.items.length,
      manifestHash: dataset.manifestHash,
      columns: dataset.columns,
    },
    seeds: exp.seeds,
    metrics: metrics.map(({ id, description, reference, unit, direction }) => ({
      id,
      description,
      reference,
      unit,
      direction,
    })),
    sliceColumns: exp.slices,
    variants: results,
    images: imageResults(input.rows, labelsOf, exp.slices),
    verdict: decide(results, exp, metrics),
  };
}

/** One row per photo per variant: metrics averaged over seeds, the first seed's output. */
function scoredImages(
  rows: ResultRow[],
  labelsOf: Map<string, Record<string, string>>,
): ScoredImage[] {
  const byFile = new Map<string, ResultRow[]>();
  for (const r of rows) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  return [...byFile.entries()].map(([file, rs]) => {
    const ok = rs.filter((r) => r.outcome === 'ok');
    const failed = rs.find((r) => r.errorCode);
    return {
      file,
      slices: labelsOf.get(file) ?? {},
      metrics: seedMeans(ok),
      outcome: ok.length ? 'ok' : rs[0]!.outcome,
      ...(failed ? { error: { code: failed.errorCode!, message: failed.errorMessage ?? '' } } : {}),
    };
  });
}

function seedMeans(ok: readonly ResultRow[]): Record<string, number | undefined> {
  const metrics: Record<string, number | undefined> = {};
  for (const id of new Set(ok.flatMap((r) => Object.keys(r.metrics)))) {
    const vs = ok.map((r) => r.metrics[id]).filter((x): x is number => Number.isFinite(x));
    metrics[id] = vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : undefined;
  }
  return metrics;
}

/** Codes of a photo that cannot be read: the photo's fault, reported, not held against a filter. */
const INPUT_ERRORS = new Set([
  'FL_ERR_IMAGE_EMPTY',
  'FL_ERR_IMAGE_CORRUPT',
  'FL_ERR_IMAGE_FORMAT',
  'FL_ERR_IMAGE_TOO_LARGE',
  'FL_ERR_HEIC_UNSUPPORTED',
  'FL_ERR_IO',
]);

/**
 * Every candidate must run on every readable photo: metrics and gates see only the photos it
 * scored, so a filter that fails on some users' photos would otherwise pass on the rest.
 */
function filterErrorGate(images: readonly ScoredImage[]): GateResult {
  const failed = images.filter(
    (i) => i.outcome === 'error' && !INPUT_ERRORS.has(i.error?.code ?? ''),
  );
  const gate: Gate = {
    metric: 'errors',
    stat: 'rate',
    vsBaseline: false,
    minCount: 1,
    max: 0,
    description: 'no filter errors on readable photos',
  };
  return {
    gate,
    label: gate.description!,
    pass: failed.length === 0,
    value: failed.length,
    ...(failed.length
      ? {
          note: failed
            .slice(0, 3)
            .map((i) => `${i.file}: ${i.error?.code}`)
            .join(', '),
        }
      : {}),
  };
}

function values(images: readonly ScoredImage[], metric: string): number[] {
  return images
    .map((i) => i.metrics[metric])
    .filter((v): v is number => v !== undefined && Number.isFinite(v));
}

function imageResults(
  rows: ResultRow[],
  labelsOf: Map<string, Record<string, string>>,
  columns: string[],
): ImageResult[] {
  const files = [...new Set(rows.map((r) => r.file))].sort();
  return files.map((file) => {
    const labels = labelsOf.get(file) ?? {};
    const variants: ImageResult['variants'] = {};
    const mine = rows.filter((x) => x.file === file);
    for (const id of new Set(mine.map((r) => r.variant))) {
      const rs = mine.filter((r) => r.variant === id).sort((a, b) => a.seed - b.seed);
      const ok = rs.filter((r) => r.outcome === 'ok');
      const failed = rs.find((r) => r.errorCode);
      variants[id] = {
        metrics: seedMeans(ok),
        outcome: ok.length ? 'ok' : rs[0]!.outcome,
        ...(failed
          ? { error: { code: failed.errorCode!, message: failed.errorMessage ?? '' } }
          : {}),
        outputKey: (ok[0] ?? rs[0]!).outputKey,
      };
    }
    return {
      file,
      slices: Object.fromEntries(Object.entries(labels).filter(([k]) => columns.includes(k))),
      variants,
    };
  });
}

function decide(
  variants: VariantResults[],
  exp: Experiment,
  metrics: MetricDefinition[],
): RunResults['verdict'] {
  const candidates = variants.filter((v) => !v.isBaseline);
  const failing = candidates.flatMap((v) =>
    v.gates.filter((g) => !g.pass).map((g) => ({ variant: v.id, gate: g.label, value: g.value })),
  );
  if (!exp.gates.length) {
    return {
      decision: 'NO-SHIP',
      reason: 'No gates are configured, so nothing shows the filter is safe to ship',
      failing,
    };
  }
  const passing = candidates.filter((v) => v.verdict === 'SHIP');
  if (!passing.length) {
    return {
      decision: 'NO-SHIP',
      reason: `No candidate passes every gate (${failing.length} gate failures)`,
      failing,
    };
  }
  // Among passing variants, prefer the best on the primary quality metric (identity, else SSIM).
  const primary =
    metrics.find((m) => m.id === 'identity') ?? metrics.find((m) => m.id === 'ssim') ?? metrics[0]!;
  const score = (v: VariantResults) => {
    const mean = v.overall[primary.id]?.mean ?? NaN;
    const s =
      primary.direction === 'higher'
        ? mean
        : primary.direction === 'lower'
          ? -mean
          : -Math.abs(mean);
    return Number.isFinite(s) ? s : -Infinity;
  };
  const pick = [...passing].sort((a, b) => score(b) - score(a))[0]!;
  return {
    decision: 'SHIP',
    variant: pick.id,
    reason: `${pick.id} passes all ${pick.gates.length} gates and has the best ${primary.id} of the ${passing.length} that do`,
    failing,
  };
}
