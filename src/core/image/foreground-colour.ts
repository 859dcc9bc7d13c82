import { invalidArgument } from '../errors.js';
import { boxMean } from './guided-filter.js';
import { sameSize, type Image, type Mask } from './image.js';

/**
 * Box window radii of the two passes at a 1024 px long side (the paper's 90 and 6 px windows),
 * scaled with the photo.
 */
const RADII_1024 = [45, 3] as const;

/**
 * The person's own colour where a matte is fractional: blur-fusion foreground estimation of
 * Forte and Pitié ("Approximate Fast Foreground Colour Estimation", ICIP 2021). At a hair edge a
 * pixel is I = αF + (1-α)B, a mix of the person and the old background; laid over a new backdrop
 * as it is, the old background shows as a fringe. With F̂ and B̂ the α- and (1-α)-weighted local
 * means of the image, F ≈ F̂ + α(I - αF̂ - (1-α)B̂), in a large pass then a small one. Pixels with
 * α = 0 or 1 are returned unchanged. Cost: a few box means per pass, O(pixels) for any radius.
 */
export function foregroundColour(image: Image, alpha: Mask): Image {
  if (!sameSize(image, alpha))
    throw invalidArgument(
      `a mask of ${image.width}x${image.height}`,
      'alpha',
      `${alpha.width}x${alpha.height}`,
    );
  const { width: w, height: h } = image;
  const scale = Math.max(w, h) / 1024;
  const a = alpha.data;
  let F = image.data;
  let B = image.data;
  for (const r1024 of RADII_1024) {
    const pass = blurFusion(image.data, F, B, a, w, h, Math.max(1, Math.round(r1024 * scale)));
    F = pass.F;
    B = pass.B;
  }
  const out = image.data.slice();
  for (let i = 0; i < a.length; i++) {
    if (a[i]! <= 0 || a[i]! >= 1) continue;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = F[i * 3 + c]!;
  }
  return { width: w, height: h, data: out };
}

/** One pass: the estimate F (clipped to [0, 1]) and the local background mean B̂. */
function blurFusion(
  I: Float32Array,
  F: Float32Array,
  B: Float32Array,
  a: Float32Array,
  w: number,
  h: number,
  r: number,
): { F: Float32Array; B: Float32Array } {
  const n = w * h;
  const meanA = boxMean(a, w, h, r);
  const outF = new Float32Array(n * 3);
  const outB = new Float32Array(n * 3);
  const fa = new Float32Array(n);
  const b1a = new Float32Array(n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) {
      fa[i] = F[i * 3 + c]! * a[i]!;
      b1a[i] = B[i * 3 + c]! * (1 - a[i]!);
    }
    const meanFA = boxMean(fa, w, h, r);
    const meanB1A = boxMean(b1a, w, h, r);
    for (let i = 0; i < n; i++) {
      const ai = a[i]!;
      const f = meanFA[i]! / (meanA[i]! + 1e-5);
      const b = meanB1A[i]! / (1 - meanA[i]! + 1e-5);
      const v = f + ai * (I[i * 3 + c]! - ai * f - (1 - ai) * b);
      outF[i * 3 + c] = v < 0 ? 0 : v > 1 ? 1 : v;
      outB[i * 3 + c] = b;
    }
  }
  return { F: outF, B: outB };
}
