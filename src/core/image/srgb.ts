/**
 * The sRGB transfer function (IEC 61966-2-1), exact and as fast table lookups. Pixel math that
 * models light (exposure, white balance) happens on linear values; everything else on encoded.
 */
export function srgbToLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
}

export function linearToSrgb(v: number): number {
  return v <= 0.0031308 ? v * 12.92 : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
}

// Above the linear toe, linear interpolation in a 4096-step table of the power segment is
// within 3e-8 of srgbToLinear (curvature <= 3, step 1/4096) and about 5x faster than Math.pow.
// The table holds the power formula on every node, also below 0.04045, so that no interval
// straddles the kink between the two segments; the toe itself is computed exactly. Dark colours
// need that care: CIELAB's L* moves ~900x as fast as linear luminance near black.
const POWER_STEPS = 4096;
const POWER_LUT = Float64Array.from({ length: POWER_STEPS + 2 }, (_, i) =>
  Math.pow((Math.min(i, POWER_STEPS) / POWER_STEPS + 0.055) / 1.055, 2.4),
);

/** Table version of srgbToLinear: within 3e-8 of exact on [0, 1]; exact outside. */
export function fastSrgbToLinear(v: number): number {
  return v > 0.04045 && v < 1 ? powerLookup(v) : srgbToLinear(v);
}

/** fastSrgbToLinear of `v` clamped to [0, 1] first (NaN counts as 0), as encoding would clamp it. */
export function fastSrgbToLinearClamped(v: number): number {
  if (!(v > 0.04045)) return v > 0 ? v / 12.92 : 0;
  return v < 1 ? powerLookup(v) : 1;
}

function powerLookup(v: number): number {
  const x = v * POWER_STEPS;
  const i = x | 0;
  const lo = POWER_LUT[i]!;
  return lo + (POWER_LUT[i + 1]! - lo) * (x - i);
}

const SIZE = 4096;

function table(f: (v: number) => number): Float32Array {
  const t = new Float32Array(SIZE + 2);
  for (let i = 0; i <= SIZE + 1; i++) t[i] = f(Math.min(i, SIZE) / SIZE);
  return t;
}

const TO_SRGB = table(linearToSrgb);

function lookup(t: Float32Array, v: number, exact: (v: number) => number): number {
  if (v <= 0 || v >= 1) return v <= 0 ? (v === 0 ? 0 : exact(v)) : exact(v);
  const x = v * SIZE;
  const i = x | 0;
  const f = x - i;
  return t[i]! + (t[i + 1]! - t[i]!) * f;
}

/**
 * Table version of linearToSrgb on [0, 1]. Near 0 the curve is steep (a power of 1/2.4), so the
 * first table cell falls back to the exact function.
 */
export function fastLinearToSrgb(v: number): number {
  if (v < 8 / SIZE) return v <= 0 ? v * 12.92 : linearToSrgb(v);
  return lookup(TO_SRGB, v, linearToSrgb);
}

/** BT.601 luma of encoded RGB. */
export function luma601(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}
