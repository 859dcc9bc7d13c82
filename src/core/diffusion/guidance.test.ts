import { describe, expect, it } from 'vitest';
import { combineGuidance, guidanceEmbedding, usesClassifierFreeGuidance } from './guidance.js';

describe('classifier-free guidance', () => {
  it('runs the unconditional pass only above 1', () => {
    expect([0, 1, 1.0001, 7.5].map(usesClassifierFreeGuidance)).toEqual([false, false, true, true]);
  });

  it('moves from the unconditional prediction towards the text one by the scale', () => {
    const batched = new Float32Array([1, 2, -1, /* text: */ 3, 2, 1]);
    expect(Array.from(combineGuidance(batched, 7.5, new Float32Array(3)))).toEqual([16, 2, 14]);
    expect(Array.from(combineGuidance(batched, 1, new Float32Array(3)))).toEqual([3, 2, 1]);
  });
});

describe('guidanceEmbedding (LCM timestep_cond)', () => {
  it('matches diffusers get_guidance_scale_embedding', () => {
    // numpy, as diffusers computes it for w = 8.5 - 1, embedding_dim = 8:
    //   w = float32(7.5 * 1000); f = exp(arange(4, dtype=float32) * -(log(10000) / 3))
    //   in float32: concat(sin(w * f), cos(w * f))
    const embedding = guidanceEmbedding(8.5, 8);
    const expected = [-0.8512, 0.5627, -0.4352, 0.6816, -0.5248, -0.8267, -0.9003, 0.7317];
    expected.forEach((v, i) => expect(embedding[i]).toBeCloseTo(v, 3));
  });

  it('zero-pads an odd size', () => {
    const embedding = guidanceEmbedding(2, 7);
    expect(embedding).toHaveLength(7);
    expect(embedding[6]).toBe(0);
  });
});
