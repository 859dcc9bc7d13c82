/**
 * `filterlab bench <filter> --sweep ...`: time every point of a knob grid and score its outputs
 * against the default config's outputs on a photo set, then find the Pareto front and the
 * recommended point.
 */
import type { Context } from '../../core/context.js';
import { isFilterlabError } from '../../core/errors.js';
import { compile } from '../../core/filters/compile.js';
import type { LoadedSpec } from '../../core/filters/load.js';
import type { Image } from '../../core/image/image.js';
import { measureLatency } from '../latency.js';
import { describeMachine } from '../machine.js';
import { findGc, rssMb, RssSampler } from '../memory.js';
import { atLongSide, type NamedImage } from '../photos.js';
import { scoreQuality, type IdentityScorer } from '../quality.js';
import { applyPoint, gridPoints, type AppliedPoint, type Knob, type SweepPoint } from './knobs.js';
import { paretoFront, recommend, type Candidate, type Constraints } from './pareto.js';
import { withPrecision } from './precision-models.js';
import type { SweepPointResult, SweepReport } from './sweep-report.js';

export interface SweepOptions {
  knobs: Knob[];
  /** The photo that is timed (scaled to each point's size), and its path for the record. */
  photo: string;
  image: Image;
  qualitySet: string;
  qualityPhotos: readonly NamedImage[];
  /** Long side when a point does not set `size`. */
  defaultSize: number;
  runs: number;
  warmup: number;
  constraints: Constraints;
  identity?: IdentityScorer;
  /** Why identity is or is not measured, for the report. */
  identityNote: string;
  /** Scratch folder for converted models (precision knob). */
  workDir: string;
  onProgress?: (message: string) => void;
}

interface PointRun {
  versionId: string;
  latency: SweepPointResult['latency'];
  peakRssMb: number;
  rssDeltaMb: number;
  outputs: Image[];
}

export async function runSweep(
  loaded: LoadedSpec,
  ctx: Context,
  o: SweepOptions,
): Promise<SweepReport> {
  const gc = findGc();
  const made = new Map<string, Promise<string>>();
  const run = async (applied: AppliedPoint): Promise<PointRun> => {
    gc.collect?.();
    const before = rssMb();
    const sampler = new RssSampler().start();
    try {
      const spec = applied.precision
        ? await withPrecision(applied.spec, loaded.baseDir, applied.precision, ctx, o.workDir, made)
        : applied.spec;
      const runner = await compile(spec, ctx, { baseDir: loaded.baseDir });
      try {
        const size = applied.size ?? o.defaultSize;
        const runOptions = { params: applied.params, onProgress: sampler.sample };
        const latency = await measureLatency(runner, atLongSide(o.image, size), {
          runs: o.runs,
          warmup: o.warmup,
          run: { params: applied.params },
          onTick: sampler.sample,
        });
        const outputs: Image[] = [];
        for (const photo of o.qualityPhotos)
          outputs.push((await runner.run(atLongSide(photo.image, size), runOptions)).image);
        const peakRssMb = sampler.stop();
        return {
          versionId: runner.versionId,
          latency: latency.total,
          peakRssMb,
          rssDeltaMb: peakRssMb - before,
          outputs,
        };
      } finally {
        await runner.dispose();
      }
    } finally {
      sampler.stop();
    }
  };

  o.onProgress?.(`default config of ${loaded.spec.id}`);
  const base = await run(applyPoint(loaded.spec, o.knobs, {}));
  const references = o.qualityPhotos.map((p, i) => ({ name: p.name, image: base.outputs[i]! }));
  const points: SweepPointResult[] = [
    await scored({}, true, o.defaultSize, base, references, o.identity),
  ];
  const grid = gridPoints(o.knobs);
  for (const [i, knobs] of grid.entries()) {
    const applied = applyPoint(loaded.spec, o.knobs, knobs);
    o.onProgress?.(`point ${i + 1}/${grid.length}: ${label(knobs)}`);
    const size = applied.size ?? o.defaultSize;
    try {
      points.push(await scored(knobs, false, size, await run(applied), references, o.identity));
    } catch (error) {
      if (!isFilterlabError(error)) throw error;
      points.push({ ...blank(knobs, size), error: `${error.code}: ${error.message}` });
    }
  }
  return finish(loaded, o, points);
}

async function scored(
  knobs: SweepPoint,
  isDefault: boolean,
  size: number,
  r: PointRun,
  references: readonly { name: string; image: Image }[],
  identity: IdentityScorer | undefined,
): Promise<SweepPointResult> {
  return {
    ...blank(knobs, size),
    isDefault,
    versionId: r.versionId,
    latency: r.latency,
    peakRssMb: r.peakRssMb,
    rssDeltaMb: r.rssDeltaMb,
    quality: await scoreQuality(references, r.outputs, identity),
  };
}

function blank(knobs: SweepPoint, size: number): SweepPointResult {
  return {
    knobs,
    label: label(knobs),
    isDefault: false,
    size,
    pareto: false,
    paretoWithMemory: false,
  };
}

export function label(knobs: SweepPoint): string {
  const parts = Object.entries(knobs).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(' ') : 'default';
}

function finish(loaded: LoadedSpec, o: SweepOptions, points: SweepPointResult[]): SweepReport {
  const ok = points.flatMap((p, index) => (p.latency && p.quality ? [{ p, index }] : []));
  const candidates: Candidate[] = ok.map(({ p }) => ({
    latencyMs: p.latency!.p50,
    quality: p.quality!.ssim,
    memoryMb: p.peakRssMb ?? 0,
    ...(p.quality!.identity !== undefined ? { identity: p.quality!.identity } : {}),
  }));
  for (const i of paretoFront(candidates)) ok[i]!.p.pareto = true;
  for (const i of paretoFront(candidates, true)) ok[i]!.p.paretoWithMemory = true;
  const best = recommend(candidates, o.constraints);
  return {
    kind: 'filterlab-sweep',
    version: 1,
    date: new Date().toISOString(),
    filter: { id: loaded.spec.id, source: loaded.source },
    machine: describeMachine(),
    options: {
      knobs: o.knobs,
      photo: o.photo,
      qualitySet: o.qualitySet,
      qualityPhotos: o.qualityPhotos.length,
      defaultSize: o.defaultSize,
      runs: o.runs,
      warmup: o.warmup,
      constraints: o.constraints,
    },
    identity: { measured: Boolean(o.identity), note: o.identityNote },
    points,
    ...(best !== undefined ? { recommended: ok[best]!.index } : {}),
  };
}
