/**
 * Classifier-free guidance (Ho & Salimans 2022, https://arxiv.org/abs/2207.12598), as diffusers'
 * pipelines combine the two halves of a batch-2 UNet output (unconditional first):
 *
 *   noise = uncond + guidance * (text - uncond)
 *
 * guidance 1 is the text prediction alone, so pipelines run guidance <= 1 as batch 1 (no
 * unconditional half): `usesClassifierFreeGuidance`.
 */
export function usesClassifierFreeGuidance(guidance: number): boolean {
  return guidance > 1;
}

/** `batched` holds [uncond, text], each `out.length` values; writes the guided noise to `out`. */
export function combineGuidance(
  batched: Float32Array,
  guidance: number,
  out: Float32Array,
): Float32Array {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const uncond = batched[i]!;
    out[i] = uncond + guidance * (batched[n + i]! - uncond);
  }
  return out;
}

/**
 * LCM's guidance input (Luo et al. 2023, https://arxiv.org/abs/2310.04378): the guidance scale
 * w = guidance - 1 as a sinusoidal embedding, diffusers' LatentConsistencyModelPipeline
 * get_guidance_scale_embedding: w * 1000, then [sin(w * f_k), cos(w * f_k)] with
 * f_k = exp(-k * ln(10000) / (half - 1)), k < half = size / 2, zero-padded to an odd size.
 */
export function guidanceEmbedding(guidance: number, size: number): Float32Array {
  // float32 at every step, as torch computes it: the angles reach ~10^4, where float32 rounding
  // moves the sine in the fourth decimal.
  const w = Math.fround((guidance - 1) * 1000);
  const half = Math.floor(size / 2);
  const step = Math.fround(Math.log(10000) / (half - 1));
  const out = new Float32Array(size);
  for (let k = 0; k < half; k++) {
    const angle = Math.fround(w * Math.fround(Math.exp(Math.fround(-k * step))));
    out[k] = Math.sin(angle);
    out[half + k] = Math.cos(angle);
  }
  return out;
}
