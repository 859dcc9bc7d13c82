import { invalidArgument } from '../../core/errors.js';
import type { Lab } from './color.js';

/**
 * CIEDE2000 colour difference, as written out step by step in G. Sharma, W. Wu and E. N. Dalal,
 * "The CIEDE2000 Color-Difference Formula: Implementation Notes, Supplementary Test Data, and
 * Mathematical Observations", Color Research and Application 30(1), 21-30, 2005 (equations
 * 1-22), including its conventions: hue 0 for achromatic colours, Δh' = 0 and h̄' = h1' + h2'
 * when either chroma is 0, and the mean hue rule around the 180° discontinuity.
 *
 * The arithmetic is rearranged for speed where that is exact to double precision (see the
 * comments in deltaE00): hue differences and the mean hue come from unit hue vectors instead of
 * atan2/sin/cos, and the rotation term is skipped where it is below 1e-14. Agreement with a
 * literal transcription (the color-diff package) is ~1e-14 per pixel.
 */

/** Parametric weights kL, kC, kH of equation 22; the reference conditions use 1 for all. */
export interface Ciede2000Weights {
  kL?: number;
  kC?: number;
  kH?: number;
}

const POW25_7 = 6103515625; // 25^7
const TWO_PI = 2 * Math.PI;
const DEG = Math.PI / 180;
const COS30 = Math.cos(30 * DEG);
const SIN30 = Math.sin(30 * DEG);
const COS6 = Math.cos(6 * DEG);
const SIN6 = Math.sin(6 * DEG);
const COS63 = Math.cos(63 * DEG);
const SIN63 = Math.sin(63 * DEG);
const COS125 = Math.cos(125 * DEG);

/** ΔE00 between two CIELAB colours [L*, a*, b*]. */
export function ciede2000(lab1: Lab, lab2: Lab, weights: Ciede2000Weights = {}): number {
  const { kL = 1, kC = 1, kH = 1 } = weights;
  return deltaE00(lab1[0], lab1[1], lab1[2], lab2[0], lab2[1], lab2[2], kL, kC, kH);
}

/** The formula on scalars, so batch loops allocate nothing. */
export function deltaE00(
  L1: number,
  a1: number,
  b1: number,
  L2: number,
  a2: number,
  b2: number,
  kL: number,
  kC: number,
  kH: number,
): number {
  // (2)-(6): chroma, the a* rescaling G that lifts near-neutral colours, primed chroma.
  const cMean = 0.5 * (Math.sqrt(a1 * a1 + b1 * b1) + Math.sqrt(a2 * a2 + b2 * b2));
  const cMean7 = pow7(cMean);
  const g1 = 1.5 - 0.5 * Math.sqrt(cMean7 / (cMean7 + POW25_7)); // 1 + G
  const a1p = g1 * a1;
  const a2p = g1 * a2;
  const c1 = Math.sqrt(a1p * a1p + b1 * b1);
  const c2 = Math.sqrt(a2p * a2p + b2 * b2);
  const c1c2 = c1 * c2;

  // (7), (10), (11), (14): ΔH' and the mean hue h̄', as cos h̄', sin h̄' (and h̄' in degrees when
  // the angle path computed it). For two chromatic colours that are not opposite, h̄' is the
  // bisector of the short arc between the hues — the direction of u1 + u2 for the unit hue
  // vectors u — and |ΔH'| = √(C1'C2')·|u2 − u1| (the chord is 2|sin(Δh'/2)|) with the sign of
  // Δh', i.e. of u1 × u2. That is the paper's formula without its four trigonometric calls;
  // the paper's own angle arithmetic remains for achromatic and exactly opposite hues.
  let cosH = 1;
  let sinH = 0;
  let dH = 0;
  let hDeg = -1;
  let angles = c1c2 === 0;
  if (!angles) {
    const inv1 = 1 / c1;
    const inv2 = 1 / c2;
    const u1x = a1p * inv1;
    const u1y = b1 * inv1;
    const u2x = a2p * inv2;
    const u2y = b2 * inv2;
    const mx = u1x + u2x;
    const my = u1y + u2y;
    const m2 = mx * mx + my * my;
    if (m2 > 1e-20) {
      const inv = 1 / Math.sqrt(m2);
      cosH = mx * inv;
      sinH = my * inv;
      const dx = u2x - u1x;
      const dy = u2y - u1y;
      const chord = Math.sqrt(c1c2 * (dx * dx + dy * dy));
      dH = u1x * u2y - u1y * u2x < 0 ? -chord : chord;
    } else {
      angles = true;
    }
  }
  if (angles) {
    const h1 = hueAngle(b1, a1p);
    const h2 = hueAngle(b2, a2p);
    let dh = 0;
    let hMean = h1 + h2;
    if (c1c2 !== 0) {
      dh = h2 - h1;
      if (dh > Math.PI) dh -= TWO_PI;
      else if (dh < -Math.PI) dh += TWO_PI;
      if (Math.abs(h1 - h2) <= Math.PI) hMean *= 0.5;
      else hMean = hMean < TWO_PI ? 0.5 * (hMean + TWO_PI) : 0.5 * (hMean - TWO_PI);
    }
    dH = 2 * Math.sqrt(c1c2) * Math.sin(0.5 * dh);
    cosH = Math.cos(hMean);
    sinH = Math.sin(hMean);
    hDeg = hMean / DEG;
  }

  // (12)-(21): weighting functions.
  const lMean50 = 0.5 * (L1 + L2) - 50;
  const lMean50Sq = lMean50 * lMean50;
  const cpMean = 0.5 * (c1 + c2);
  const sL = 1 + (0.015 * lMean50Sq) / Math.sqrt(20 + lMean50Sq);
  const sC = 1 + 0.045 * cpMean;
  const sH = 1 + 0.015 * cpMean * hueWeightT(cosH, sinH);
  const rT = rotationTerm(cosH, sinH, hDeg, cpMean);

  // (22)
  const lTerm = (L2 - L1) / (kL * sL);
  const cTerm = (c2 - c1) / (kC * sC);
  const hTerm = dH / (kH * sH);
  return Math.sqrt(lTerm * lTerm + cTerm * cTerm + hTerm * hTerm + rT * cTerm * hTerm);
}

/** T of equation 15, with cos(n·h̄' + φ) from cos h̄', sin h̄' by the multiple-angle identities. */
function hueWeightT(cosH: number, sinH: number): number {
  const cos2 = 2 * cosH * cosH - 1;
  const sin2 = 2 * sinH * cosH;
  const cos3 = cosH * cos2 - sinH * sin2;
  const sin3 = sinH * cos2 + cosH * sin2;
  const cos4 = 2 * cos2 * cos2 - 1;
  const sin4 = 2 * sin2 * cos2;
  return (
    1 -
    0.17 * (cosH * COS30 + sinH * SIN30) +
    0.24 * cos2 +
    0.32 * (cos3 * COS6 - sin3 * SIN6) -
    0.2 * (cos4 * COS63 + sin4 * SIN63)
  );
}

/**
 * R_T of equations 16, 17 and 21, which lives around h̄' = 275° (blue). For h̄' ≤ 125° — reds,
 * oranges, skin, yellows — (h̄' − 275°)/25 ≤ −6, so Δθ ≤ 30°·e^−36 < 1e-14° and R_T is 0 to
 * double precision without computing the angle. `hDeg` is h̄' in degrees, or −1 if unknown.
 */
function rotationTerm(cosH: number, sinH: number, hDeg: number, cpMean: number): number {
  if (sinH >= 0 && cosH >= COS125) return 0;
  let h = hDeg;
  if (h < 0) {
    h = Math.atan2(sinH, cosH) / DEG;
    if (h < 0) h += 360;
  }
  const x = (h - 275) / 25;
  const dTheta = 30 * DEG * Math.exp(-x * x);
  const cpMean7 = pow7(cpMean);
  return -2 * Math.sqrt(cpMean7 / (cpMean7 + POW25_7)) * Math.sin(2 * dTheta);
}

function pow7(x: number): number {
  const x2 = x * x;
  return x2 * x2 * x2 * x;
}

/** Hue angle in [0, 2π); 0 for an achromatic colour, as equation 7 specifies. */
function hueAngle(b: number, ap: number): number {
  if (b === 0 && ap === 0) return 0;
  const h = Math.atan2(b, ap);
  return h < 0 ? h + TWO_PI : h;
}

export interface MeanCiede2000Options extends Ciede2000Weights {
  /**
   * One weight per pixel (for example a Mask's data); a pixel counts in proportion to its
   * weight and pixels with weight ≤ 0 are skipped. Default: every pixel counts 1.
   */
  weights?: Float32Array;
}

export interface MeanCiede2000 {
  /** Σ wᵢ ΔE00ᵢ / Σ wᵢ; NaN when the weights sum to 0 (nothing was measured). */
  mean: number;
  /** Σ wᵢ: the number of pixels counted, fractional under a soft mask. */
  weightSum: number;
}

/**
 * Weighted mean ΔE00 between two interleaved Lab arrays of the same length (as imageToLab
 * returns). Identical pixels cost nothing: their ΔE is 0 without evaluating the formula.
 */
export function meanCiede2000(
  lab1: Float32Array,
  lab2: Float32Array,
  options: MeanCiede2000Options = {},
): MeanCiede2000 {
  const { kL = 1, kC = 1, kH = 1, weights } = options;
  const pixels = checkLabPair(lab1, lab2);
  if (weights && weights.length !== pixels) {
    throw invalidArgument(`a Float32Array of ${pixels} weights`, 'weights', weights);
  }
  let sum = 0;
  let weightSum = 0;
  for (let p = 0, i = 0; p < pixels; p++, i += 3) {
    const w = weights ? weights[p]! : 1;
    if (!(w > 0)) continue;
    weightSum += w;
    const L1 = lab1[i]!;
    const a1 = lab1[i + 1]!;
    const b1 = lab1[i + 2]!;
    const L2 = lab2[i]!;
    const a2 = lab2[i + 1]!;
    const b2 = lab2[i + 2]!;
    if (L1 === L2 && a1 === a2 && b1 === b2) continue;
    sum += w * deltaE00(L1, a1, b1, L2, a2, b2, kL, kC, kH);
  }
  return { mean: weightSum > 0 ? sum / weightSum : NaN, weightSum };
}

/** ΔE00 of every pixel into `out` (one value per Lab triple), for maps and per-pixel checks. */
export function ciede2000Pixels(
  lab1: Float32Array,
  lab2: Float32Array,
  options: Ciede2000Weights & { out?: Float32Array } = {},
): Float32Array {
  const { kL = 1, kC = 1, kH = 1 } = options;
  const pixels = checkLabPair(lab1, lab2);
  const out = options.out ?? new Float32Array(pixels);
  if (out.length !== pixels) {
    throw invalidArgument(`a Float32Array of ${pixels} values`, 'out', out);
  }
  for (let p = 0, i = 0; p < pixels; p++, i += 3) {
    const L1 = lab1[i]!;
    const a1 = lab1[i + 1]!;
    const b1 = lab1[i + 2]!;
    const L2 = lab2[i]!;
    const a2 = lab2[i + 1]!;
    const b2 = lab2[i + 2]!;
    out[p] = L1 === L2 && a1 === a2 && b1 === b2 ? 0 : deltaE00(L1, a1, b1, L2, a2, b2, kL, kC, kH);
  }
  return out;
}

function checkLabPair(lab1: Float32Array, lab2: Float32Array): number {
  if (lab1.length % 3 !== 0) {
    throw invalidArgument('a Lab array whose length is a multiple of 3', 'lab1', lab1);
  }
  if (lab2.length !== lab1.length) {
    throw invalidArgument(`a Lab array of ${lab1.length} values like lab1`, 'lab2', lab2);
  }
  return lab1.length / 3;
}
