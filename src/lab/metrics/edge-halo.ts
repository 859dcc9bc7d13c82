import { invalidArgument } from '../../core/errors.js';
import { gaussianBlur } from '../../core/image/blur.js';
import { sameSize, type Image, type Mask } from '../../core/image/image.js';
import { deltaE00 } from './ciede2000.js';
import { writeLab } from './color.js';
import type { MetricDefinition } from './registry.js';

/**
 * Halo and colour bleed along the person's outline: in a thin ring just outside the person
 * (from the input's person mask), how far each pixel is from the background a little further
 * out (a local mean of the far background only), in ΔE00 — measured on the output and on the
 * input, and reported as the output's excess. A clean cut-out onto a new background has ring
 * pixels like the new background (excess ≈ 0, or negative when the old background was busy);
 * a light fringe around hair, old background showing through, or person colour smeared onto
 * the backdrop raises it. A global look (same change everywhere) scores about 0.
 */
export interface EdgeHalo {
  /** Output excess over the input, ΔE00. */
  excess: number;
  /** Mean ring-to-background ΔE00 of the input and of the output. */
  input: number;
  output: number;
  /** Ring pixels measured. */
  pixels: number;
}

/** Ring width as a share of the shorter side (about 3 px on a 225x275 portrait). */
const RING = 0.012;

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
  const d = Math.max(2, RING * Math.min(w, h));
  const hard = new Float32Array(n);
  for (let i = 0; i < n; i++) hard[i] = person.data[i]! >= 0.5 ? 1 : 0;
  const near = gaussianBlur(hard, 1, w, h, d);
  // Far background: outside the person and clear of its ring.
  const far = new Float32Array(n);
  const ring: number[] = [];
  for (let i = 0; i < n; i++) {
    if (hard[i]) continue;
    if (near[i]! > 0.02) ring.push(i);
    else far[i] = 1;
  }
  if (ring.length < 20) return undefined;
  const farWeight = gaussianBlur(far, 1, w, h, 3 * d);
  const measure = (image: Image) => {
    const weighted = new Float32Array(n * 3);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < 3; c++) weighted[i * 3 + c] = image.data[i * 3 + c]! * far[i]!;
    const local = gaussianBlur(weighted, 3, w, h, 3 * d);
    const lab = new Float32Array(6);
    const bg = new Float32Array(3);
    let sum = 0;
    let count = 0;
    for (const i of ring) {
      const fw = farWeight[i]!;
      if (fw < 0.05) continue;
      for (let c = 0; c < 3; c++) bg[c] = local[i * 3 + c]! / fw;
      writeLab(image.data, 3 * i, lab, 0);
      writeLab(bg, 0, lab, 3);
      sum += deltaE00(lab[0]!, lab[1]!, lab[2]!, lab[3]!, lab[4]!, lab[5]!, 1, 1, 1);
      count++;
    }
    return { mean: count ? sum / count : NaN, count };
  };
  const before = measure(input);
  const after = measure(output);
  if (!before.count) return undefined;
  return {
    excess: after.mean - before.mean,
    input: before.mean,
    output: after.mean,
    pixels: after.count,
  };
}

export const edgeHaloMetric: MetricDefinition = {
  id: 'edge_halo',
  description:
    'Halo / colour bleed at the person outline: ring-to-background ΔE00 just outside the person, output minus input (0 = clean edge)',
  reference:
    'CIEDE2000 (Sharma et al. 2005) against a far-background local mean; see src/lab/metrics/edge-halo.ts',
  unit: 'ΔE00',
  direction: 'lower',
  needsFaces: true,
  async compute({ pair }) {
    const person = await pair.person();
    return person ? edgeHalo(pair.input, pair.output, person)?.excess : undefined;
  },
};
