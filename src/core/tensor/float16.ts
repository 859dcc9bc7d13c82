import { invalidArgument } from '../errors.js';

/**
 * IEEE 754 half precision <-> float32, for models whose inputs and outputs are float16 (kept as
 * raw bits in a Uint16Array, see tensor.ts). Node 20 has no Float16Array.
 *
 * float32 -> float16 rounds to nearest, ties to even, as numpy's astype(np.float16) and ONNX
 * Runtime's Cast do (F. Giesen's float_to_half_fast3_rtne); overflow goes to infinity and NaN
 * stays NaN. float16 -> float32 is exact, read from a table of all 65536 values.
 */

/** Every float16 bit pattern's float32 value. Constant: filled once here, never written. */
const HALF_TO_FLOAT = buildHalfTable();

const F16_MAX_AS_F32 = (127 + 16) << 23; // 65536: the first float32 that overflows float16
const F32_INFINITY = 255 << 23;
const MIN_NORMAL_HALF = 113 << 23; // 2^-14, the smallest normal float16
const DENORM_MAGIC = (127 - 15 + (23 - 10) + 1) << 23;
const DENORM_MAGIC_FLOAT = bitsToFloat(DENORM_MAGIC);

/** float16 bits of each value of `src`, written into `out` (a new array when omitted). */
export function float32ToFloat16(src: Float32Array, out?: Uint16Array): Uint16Array {
  const target = out ?? new Uint16Array(src.length);
  if (target.length !== src.length) {
    throw invalidArgument(`a Uint16Array of ${src.length} values`, 'out', target);
  }
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) target[i] = halfBits(bits[i]!);
  return target;
}

/** float32 values of the float16 bits in `src`, written into `out` (a new array when omitted). */
export function float16ToFloat32(src: Uint16Array, out?: Float32Array): Float32Array {
  const target = out ?? new Float32Array(src.length);
  if (target.length !== src.length) {
    throw invalidArgument(`a Float32Array of ${src.length} values`, 'out', target);
  }
  for (let i = 0; i < src.length; i++) target[i] = HALF_TO_FLOAT[src[i]!]!;
  return target;
}

/** The float16 bits of one number (rounded to float32 first). */
export function toFloat16Bits(value: number): number {
  return halfBits(floatToBits(value));
}

/** The value of one float16 bit pattern. */
export function fromFloat16Bits(bits: number): number {
  return HALF_TO_FLOAT[bits & 0xffff]!;
}

function halfBits(f32: number): number {
  const sign = (f32 >>> 16) & 0x8000;
  const abs = f32 & 0x7fffffff;
  if (abs >= F16_MAX_AS_F32) return sign | (abs > F32_INFINITY ? 0x7e00 : 0x7c00);
  if (abs < MIN_NORMAL_HALF) {
    if (abs === 0) return sign;
    // Adding the magic float aligns the 10 mantissa bits at the bottom, and float32 addition
    // rounds to nearest even on the way: the subnormal (or zero) half is in the low bits.
    return sign | (floatToBits(bitsToFloat(abs) + DENORM_MAGIC_FLOAT) - DENORM_MAGIC);
  }
  const mantissaOdd = (abs >>> 13) & 1;
  // Rebias the exponent from 127 to 15 and add 0xfff (+1 when odd) so that the shift rounds
  // to nearest, ties to even.
  return sign | ((abs + ((15 - 127) << 23) + 0xfff + mantissaOdd) >>> 13);
}

function floatToBits(value: number): number {
  const scratch = new Float32Array([value]);
  return new Uint32Array(scratch.buffer)[0]!;
}

function bitsToFloat(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0]!;
}

function buildHalfTable(): Float32Array {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) table[h] = sign * mantissa * 2 ** -24;
    else if (exponent === 31) table[h] = mantissa ? NaN : sign * Infinity;
    else table[h] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return table;
}
