import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { FilterlabError } from '../core/errors.js';
import { parseWith } from '../core/util/parse-with.js';
import { readText } from '../core/util/read-file.js';
import { GATE_PRESET_NAMES, presetGates, presetMetrics } from './gate-presets.js';
import { GateSchema } from './gate-schema.js';
import { LAB_METRICS } from './metrics/registry.js';

const ParamValue = z.union([z.number(), z.string(), z.boolean()]);

/** One filter to score: fixed params and a grid whose every combination is a variant. */
export const CandidateSchema = z.strictObject({
  /** Built-in filter id or a spec file (relative to the experiment file). */
  filter: z.string().min(1),
  /** Name in reports; default the filter id. */
  name: z.string().optional(),
  params: z.record(z.string(), ParamValue).default({}),
  grid: z.record(z.string(), z.array(ParamValue).min(1)).default({}),
});
export type Candidate = z.infer<typeof CandidateSchema>;

export { GateSchema, type Gate } from './gate-schema.js';

/** `{ preset: portrait }` in a gates list: a named, documented set of gates (gate-presets.ts). */
export const GatePresetSchema = z.strictObject({ preset: z.enum(GATE_PRESET_NAMES) });

/** A gate, or a preset when the entry has a `preset` key (so errors name the bad field of either). */
const GateEntrySchema = z.unknown().transform((value, ctx) => {
  const preset = typeof value === 'object' && value !== null && 'preset' in value;
  const parsed = (preset ? GatePresetSchema : GateSchema).safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

export const ExperimentSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    dataset: z.strictObject({
      path: z.string().min(1),
      where: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
      match: z.string().optional(),
      limit: z.number().int().positive().optional(),
    }),
    baseline: CandidateSchema.optional(),
    candidates: z.array(CandidateSchema).min(1),
    seeds: z.array(z.number().int().min(0)).min(1).default([0]),
    metrics: z
      .array(z.string())
      .min(1)
      .default(['identity', 'face_survival', 'ssim', 'skin_delta_e', 'skin_delta_l', 'latency_ms']),
    /** Label or auto-tag columns to break results down by. */
    slices: z.array(z.string()).default([]),
    gates: z.array(GateEntrySchema).default([]),
    /** Photos processed at once. */
    concurrency: z.number().int().min(1).max(64).default(1),
    /** Downscale inputs so the long side is at most this (keeps runs fast). */
    maxSide: z.number().int().positive().optional(),
  })
  .transform(({ gates, metrics, ...rest }) => {
    // A preset expands in place into its gates, and adds the metrics they read.
    const presets = gates.flatMap((g) => ('preset' in g ? [g.preset] : []));
    return {
      ...rest,
      metrics: [...new Set([...metrics, ...presets.flatMap(presetMetrics)])],
      gates: gates.flatMap((g) => ('preset' in g ? presetGates(g.preset) : [g])),
    };
  })
  .superRefine((e, ctx) => {
    const known = LAB_METRICS.map((m) => m.id);
    e.metrics.forEach((id, i) => {
      if (!known.includes(id))
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', i],
          message: `Expected a metric among ${known.join(', ')} but received ${JSON.stringify(id)}`,
        });
    });
    e.gates.forEach((g, i) => {
      if (!e.metrics.includes(g.metric))
        ctx.addIssue({
          code: 'custom',
          path: ['gates', i, 'metric'],
          message: `Expected one of the experiment's metrics (${e.metrics.join(', ')}) but received ${JSON.stringify(g.metric)}`,
        });
    });
    // Paired comparisons and vsBaseline gates need exactly one baseline variant.
    for (const [k, values] of Object.entries(e.baseline?.grid ?? {}))
      if (values.length > 1)
        ctx.addIssue({
          code: 'custom',
          path: ['baseline', 'grid', k],
          message: `Expected one value (the baseline is a single variant) but received ${values.length}`,
        });
    if (e.dataset.match !== undefined && !validRegExp(e.dataset.match))
      ctx.addIssue({
        code: 'custom',
        path: ['dataset', 'match'],
        message: `Expected a regular expression but received ${JSON.stringify(e.dataset.match)}`,
      });
  });
export type Experiment = z.infer<typeof ExperimentSchema>;

export interface LoadedExperiment {
  experiment: Experiment;
  /** Folder paths in the config resolve against. */
  baseDir: string;
  /** sha256 of the config text, recorded in the run. */
  text: string;
}

export async function loadExperiment(file: string): Promise<LoadedExperiment> {
  const abs = path.resolve(file);
  const text = await readText(abs, 'an experiment file', 'FL_ERR_CONFIG');
  let data: unknown;
  try {
    data = YAML.parse(text);
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_CONFIG',
      `Expected YAML in ${abs}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const experiment = parseWith(
    ExperimentSchema,
    data,
    'FL_ERR_CONFIG',
    `Invalid experiment ${abs}`,
  );
  return { experiment, baseDir: path.dirname(abs), text };
}

/**
 * Slices and per/gap gates must name a column the photos have (a label or an auto-tag): a typo
 * would otherwise put every photo in one "(unlabelled)" slice and gate nothing.
 */
export function checkColumns(e: Experiment, available: readonly string[]): void {
  const used = [
    ...e.slices.map((c, i) => ({ c, at: `slices[${i}]` })),
    ...e.gates.flatMap((g, i) =>
      [
        g.per && { c: g.per, at: `gates[${i}].per` },
        g.gap && { c: g.gap, at: `gates[${i}].gap` },
      ].filter((x): x is { c: string; at: string } => Boolean(x)),
    ),
  ];
  for (const { c, at } of used) {
    if (!available.includes(c))
      throw new FilterlabError(
        'FL_ERR_CONFIG',
        `Expected ${at} to be a label column or auto-tag (${available.join(', ')}) but received ${JSON.stringify(c)}`,
        { details: { field: at } },
      );
  }
}

export interface Variant {
  /** Stable id, e.g. "soft-skin[strength=0.6]". */
  id: string;
  filter: string;
  label: string;
  params: Record<string, string | number | boolean>;
  isBaseline: boolean;
}

/** Every grid combination of every candidate, plus the baseline. */
export function expandVariants(e: Experiment): Variant[] {
  const out: Variant[] = [];
  const add = (c: Candidate, isBaseline: boolean) => {
    for (const point of gridPoints(c.grid)) {
      const params = { ...c.params, ...point };
      const suffix = Object.entries(point)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const label = c.name ?? path.basename(c.filter).replace(/\.(ya?ml|json)$/, '');
      out.push({
        id: suffix ? `${label}[${suffix}]` : label,
        filter: c.filter,
        label,
        params,
        isBaseline,
      });
    }
  };
  if (e.baseline) add(e.baseline, true);
  for (const c of e.candidates) add(c, false);
  const seen = new Set<string>();
  for (const v of out) {
    if (seen.has(v.id))
      throw new FilterlabError(
        'FL_ERR_CONFIG',
        `Two variants are both named ${v.id}; give candidates distinct names`,
      );
    seen.add(v.id);
  }
  return out;
}

function gridPoints(
  grid: Record<string, (string | number | boolean)[]>,
): Record<string, string | number | boolean>[] {
  let points: Record<string, string | number | boolean>[] = [{}];
  for (const [k, values] of Object.entries(grid))
    points = points.flatMap((p) => values.map((v) => ({ ...p, [k]: v })));
  return points;
}

function validRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
