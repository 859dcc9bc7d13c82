/**
 * IEEE 754 binary16 conversions: float16 values travel as their 16-bit patterns (Uint16Array),
 * as in ONNX raw_data and filterlab's Tensor type.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Largest finite float16, 65504. */
export const FLOAT16_MAX = 0x7bff;

/**
 * The float16 nearest to `value` (round half to even). Magnitudes beyond 65504 saturate to
 * ±65504 rather than becoming infinite: a weight that overflows should stay a large weight.
 */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | (mant ? 0x7e00 : 0x7c00);
  const e = exp - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | FLOAT16_MAX;
  if (e <= 0) return sign | subnormal(mant | 0x800000, 14 - e);
  const half = roundShift((e << 23) | mant, 13);
  return sign | Math.min(half, FLOAT16_MAX);
}

/** `bits >> shift`, rounded half to even; a carry into the exponent is the right result. */
function roundShift(bits: number, shift: number): number {
  const kept = bits >>> shift;
  const rest = bits & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && kept & 1) ? kept + 1 : kept;
}

function subnormal(significand: number, shift: number): number {
  return shift > 24 ? 0 : roundShift(significand, shift);
}

export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function toFloat16Array(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]!);
  return out;
}

export function fromFloat16Array(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = fromFloat16Bits(bits[i]!);
  return out;
}
