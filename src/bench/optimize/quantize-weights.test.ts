import { describe, expect, it } from 'vitest';
import { dequantize, quantizeSymmetric, roundHalfEven } from './quantize-weights.js';

describe('symmetric int8 weights', () => {
  it('rounds half to even, as ONNX QuantizeLinear does', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([
      0, 2, 2, -0, -2, -2, 2, -3,
    ]);
  });

  it('gives each output channel its own scale, max|w| / 127', () => {
    // 2 output channels x 3 values: channel 0 spans ±1.27, channel 1 ±0.0127
    const w = Float32Array.from([1.27, -0.635, 0.01, 0.0127, 0, -0.0127]);
    const q = quantizeSymmetric(w, [2, 3], 0);
    expect(q.scales[0]).toBeCloseTo(0.01, 7);
    expect(q.scales[1]).toBeCloseTo(0.0001, 9);
    expect(Array.from(q.values)).toEqual([127, -64, 1, 127, 0, -127]);
    const back = dequantize(q, [2, 3]);
    w.forEach((v, i) =>
      expect(Math.abs(back[i]! - v)).toBeLessThanOrEqual(q.scales[i < 3 ? 0 : 1]! / 2 + 1e-9),
    );
  });

  it('quantizes along an inner axis (MatMul weights: one scale per output column)', () => {
    const w = Float32Array.from([1, 0.1, -2, 0.2]); // [K=2, N=2], columns [1,-2] and [0.1,0.2]
    const q = quantizeSymmetric(w, [2, 2], 1);
    expect(Array.from(q.scales)).toEqual([2 / 127, 0.2 / 127].map(Math.fround));
    expect(Array.from(q.values)).toEqual([64, 64, -127, 127]);
  });

  it('per-tensor: one scale; a tensor of zeros gets scale 1 rather than a division by zero', () => {
    expect(
      Array.from(quantizeSymmetric(Float32Array.from([0.5, -1]), [2], undefined).scales),
    ).toEqual([Math.fround(1 / 127)]);
    const zeros = quantizeSymmetric(new Float32Array(4), [4], undefined);
    expect(Array.from(zeros.scales)).toEqual([1]);
    expect(Array.from(zeros.values)).toEqual([0, 0, 0, 0]);
  });
});
