import { invalidArgument } from '../../core/errors.js';
import { gaussianBlur } from '../../core/image/blur.js';
import { sameSize, type Image, type Mask } from '../../core/image/image.js';
import { imageToLab } from './color.js';
import type { MetricDefinition } from './metric.js';

/**
 * Halo and colour bleed along the person's outline. At a clean edge every pixel is a mix of the
 * person just inside and the background just outside (the compositing / alpha-matting model):
 * its colour lies on the line between the two. A light fringe around hair, the old background
 * showing through, or stripes bleeding in are colours off that line. For each pixel of the edge
 * band (from the input's person mask), the distance in CIELAB from its colour to the segment
 * between the local person colour and the local background colour (each a local mean of the
 * pixels well inside / well outside) is averaged over the band, on the output and on the input
 * (whose own hair wisps and texture are off the line too), and the output's excess reported.
 * A global look (the same change everywhere) and a clean cut-out onto a new backdrop score ~0.
 */
export interface EdgeHalo {
  /** Mean off-line distance of the output minus the input's, ΔE*ab. */
  excess: number;
  /** Mean off-line distance of the input's and the output's edge band, ΔE*ab. */
  input: number;
  output: number;
  /** Edge pixels measured. */
  pixels: number;
}

/** Band width as a share of the shorter side (about 3 px on a 225x275 portrait). */
const BAND = 0.012;

export function edgeHalo(input: Image, output: Image, person: Mask): EdgeHalo | undefined {
  for (const [what, v] of [
    ['output', output],
    ['person', person],
  ] as const) {
    if (!sameSize(input, v))
      throw invalidArgument(
        `${input.width}x${input.height} like the input`,
        what,
        `${v.width}x${v.height}`,
      );
  }
  const { width: w, height: h } = input;
  const n = w * h;
  const d = Math.max(2, BAND * Math.min(w, h));
  const hard = new Float32Array(n);
  for (let i = 0; i < n; i++) hard[i] = person.data[i]! >= 0.5 ? 1 : 0;
  const near = gaussianBlur(hard, 1, w, h, d);
  const inner = new Float32Array(n);
  const outer = new Float32Array(n);
  const band: number[] = [];
  for (let i = 0; i < n; i++) {
    if (near[i]! >= 0.98 && hard[i]) inner[i] = 1;
    else if (near[i]! <= 0.02 && !hard[i]) outer[i] = 1;
    else band.push(i);
  }
  if (band.length < 20) return undefined;
  const innerWeight = gaussianBlur(inner, 1, w, h, 3 * d);
  const outerWeight = gaussianBlur(outer, 1, w, h, 3 * d);
  const measure = (image: Image) => {
    const lab = imageToLab(image);
    const localMean = (weights: Float32Array) => {
      const weighted = new Float32Array(n * 3);
      for (let i = 0; i < n; i++)
        for (let c = 0; c < 3; c++) weighted[i * 3 + c] = lab[i * 3 + c]! * weights[i]!;
      return gaussianBlur(weighted, 3, w, h, 3 * d);
    };
    const P = localMean(inner);
    const B = localMean(outer);
    return measured.map((i) => distanceToSegment(lab, i, P, innerWeight[i]!, B, outerWeight[i]!));
  };
  const measured = band.filter((i) => innerWeight[i]! >= 0.05 && outerWeight[i]! >= 0.05);
  if (measured.length < 20) return undefined;
  const before = measure(input);
  const after = measure(output);
  return {
    excess: mean(after) - mean(before),
    input: mean(before),
    output: mean(after),
    pixels: measured.length,
  };
}

const mean = (a: readonly number[]) => a.reduce((s, v) => s + v, 0) / a.length;

/** Lab distance from pixel i to the segment between the local means P/pw and B/bw at i. */
function distanceToSegment(
  lab: Float32Array,
  i: number,
  P: Float32Array,
  pw: number,
  B: Float32Array,
  bw: number,
): number {
  let pb2 = 0;
  let dot = 0;
  const p: number[] = [];
  const seg: number[] = [];
  for (let c = 0; c < 3; c++) {
    const pc = P[i * 3 + c]! / pw;
    const sc = B[i * 3 + c]! / bw - pc;
    p.push(pc);
    seg.push(sc);
    pb2 += sc * sc;
    dot += (lab[i * 3 + c]! - pc) * sc;
  }
  const t = pb2 > 0 ? Math.min(1, Math.max(0, dot / pb2)) : 0;
  let dist2 = 0;
  for (let c = 0; c < 3; c++) dist2 += (lab[i * 3 + c]! - p[c]! - t * seg[c]!) ** 2;
  return Math.sqrt(dist2);
}

export const edgeHaloMetric: MetricDefinition = {
  id: 'edge_halo',
  description:
    'Halo / colour bleed at the person outline: how far edge colours are from a person/background mix, output minus input (0 = clean edge)',
  reference:
    'colour-line (alpha compositing) model, CIELAB distance; see src/lab/metrics/edge-halo.ts',
  unit: 'ΔE*ab',
  direction: 'lower',
  needsFaces: true,
  async compute({ pair }) {
    const person = await pair.person();
    return person ? edgeHalo(pair.input, pair.output, person)?.excess : undefined;
  },
};
