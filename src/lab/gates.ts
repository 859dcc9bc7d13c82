import type { Gate } from './gate-schema.js';
import { mean, quantile } from './stats/summary.js';

/** One photo's scores for one variant. */
export interface ScoredImage {
  file: string;
  /** Label and auto-tag values of the photo, by column. */
  slices: Record<string, string>;
  metrics: Record<string, number | undefined>;
  outcome: 'ok' | 'no_face' | 'error';
  error?: { code: string; message: string };
}

export interface GateResult {
  gate: Gate;
  label: string;
  pass: boolean;
  /** The value compared with the threshold (for per-slice gates: the worst slice's). */
  value: number;
  /** Per-slice values for per/gap gates. */
  slices?: { slice: string; value: number; n: number; gated: boolean }[];
  note?: string;
}

export function statOf(values: readonly number[], stat: Gate['stat']): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (!finite.length) return NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  switch (stat) {
    case 'mean':
    case 'rate':
      return mean(finite);
    case 'median':
      return quantile(sorted, 0.5);
    case 'p05':
      return quantile(sorted, 0.05);
    case 'p95':
      return quantile(sorted, 0.95);
    case 'min':
      return sorted[0]!;
    case 'max':
      return sorted[sorted.length - 1]!;
  }
}

export function gateLabel(g: Gate): string {
  const bound = [g.min !== undefined ? `>= ${g.min}` : '', g.max !== undefined ? `<= ${g.max}` : '']
    .filter(Boolean)
    .join(' and ');
  const what = g.vsBaseline
    ? `${g.stat} change of ${g.metric} vs baseline`
    : `${g.stat} ${g.metric}`;
  if (g.gap) return g.description ?? `gap in ${what} across ${g.gap} ${bound}`;
  if (g.per) return g.description ?? `${what} for every ${g.per} ${bound}`;
  return g.description ?? `${what} ${bound}`;
}

const within = (g: Gate, v: number) =>
  Number.isFinite(v) && (g.min === undefined || v >= g.min) && (g.max === undefined || v <= g.max);

/** Values of a metric per photo, optionally as differences from the baseline's. */
function values(
  images: readonly ScoredImage[],
  g: Gate,
  baseline?: ReadonlyMap<string, ScoredImage>,
): { img: ScoredImage; v: number }[] {
  const out: { img: ScoredImage; v: number }[] = [];
  for (const img of images) {
    let v = img.metrics[g.metric];
    if (v === undefined || !Number.isFinite(v)) continue;
    if (g.vsBaseline) {
      const b = baseline?.get(img.file)?.metrics[g.metric];
      if (b === undefined || !Number.isFinite(b)) continue;
      v -= b;
    }
    out.push({ img, v });
  }
  return out;
}

export function evaluateGate(
  g: Gate,
  images: readonly ScoredImage[],
  baseline?: ReadonlyMap<string, ScoredImage>,
): GateResult {
  const label = gateLabel(g);
  if (g.vsBaseline && !baseline)
    return { gate: g, label, pass: false, value: NaN, note: 'the experiment has no baseline' };
  const vals = values(images, g, baseline);
  const column = g.per ?? g.gap;
  if (!column) {
    const value = statOf(
      vals.map((x) => x.v),
      g.stat,
    );
    return {
      gate: g,
      label,
      pass: within(g, value),
      value,
      ...(vals.length ? {} : { note: 'no photo has this metric' }),
    };
  }
  const groups = new Map<string, number[]>();
  for (const { img, v } of vals) {
    const key = img.slices[column] || '(unlabelled)';
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const slices = [...groups.entries()]
    .map(([slice, vs]) => ({
      slice,
      value: statOf(vs, g.stat),
      n: vs.length,
      gated: vs.length >= g.minCount && slice !== '(unlabelled)',
    }))
    .sort((a, b) => a.slice.localeCompare(b.slice));
  const gated = slices.filter((s) => s.gated);
  if (!gated.length)
    return {
      gate: g,
      label,
      pass: false,
      value: NaN,
      slices,
      note: `no ${column} slice has ${g.minCount} or more photos`,
    };
  if (g.gap) {
    // One slice has no gap to measure: passing would claim a fairness check that was not made.
    if (gated.length < 2)
      return {
        gate: g,
        label,
        pass: false,
        value: NaN,
        slices,
        note: `a gap needs two ${column} slices with ${g.minCount} or more photos`,
      };
    const vs = gated.map((s) => s.value);
    const value = Math.max(...vs) - Math.min(...vs);
    return { gate: g, label, pass: within(g, value), value, slices };
  }
  // The reported value is the worst slice's: the furthest outside (or least inside) the bounds.
  const worst = gated.reduce((a, b) =>
    distanceToBound(g, b.value) < distanceToBound(g, a.value) ? b : a,
  );
  const pass = gated.every((s) => within(g, s.value));
  return { gate: g, label, pass, value: worst.value, slices };
}

/** How far inside the bounds a value is (negative = outside): the worst slice is the smallest. */
function distanceToBound(g: Gate, v: number): number {
  const lo = g.min !== undefined ? v - g.min : Infinity;
  const hi = g.max !== undefined ? g.max - v : Infinity;
  return Math.min(lo, hi);
}
