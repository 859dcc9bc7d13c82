/** Symmetric int8 weight quantization, the scheme of ONNX Runtime's quantizer for weights. */

export interface QuantizedWeight {
  values: Int8Array;
  /** One scale per channel along `axis`, or one for the whole tensor. */
  scales: Float32Array;
  axis: number | undefined;
}

/**
 * q = round(w / s) clamped to [-127, 127], s = max|w| / 127 over each channel along `axis` (or the
 * whole tensor when `axis` is undefined). -128 is left out so that the range is symmetric and
 * zero points are 0; a channel of zeros gets scale 1.
 */
export function quantizeSymmetric(
  w: Float32Array,
  dims: readonly number[],
  axis: number | undefined,
): QuantizedWeight {
  const channels = axis === undefined ? 1 : dims[axis]!;
  const inner = axis === undefined ? w.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  const maxAbs = new Float32Array(channels);
  for (let i = 0; i < w.length; i++) {
    const c = channelOf(i);
    maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(w[i]!));
  }
  const scales = maxAbs.map((m) => (m > 0 ? m / 127 : 1));
  const values = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const q = roundHalfEven(w[i]! / scales[channelOf(i)]!);
    values[i] = Math.max(-127, Math.min(127, q));
  }
  return { values, scales, axis };
}

export function dequantize(q: QuantizedWeight, dims: readonly number[]): Float32Array {
  const channels = q.axis === undefined ? 1 : dims[q.axis]!;
  const inner =
    q.axis === undefined ? q.values.length : dims.slice(q.axis + 1).reduce((a, b) => a * b, 1);
  return Float32Array.from(q.values, (v, i) => v * q.scales[Math.floor(i / inner) % channels]!);
}

/** numpy's rint, which ONNX QuantizeLinear specifies. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
