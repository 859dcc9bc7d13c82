import type { BetaConfig } from './config.js';

const f32 = Math.fround;

/**
 * The training noise schedule, computed as diffusers computes it with torch in float32:
 * `torch.linspace(..., dtype=float32)` (first half start + step*i, second half end - step*(n-1-i),
 * all float32), squared for scaled_linear, `alphas = 1 - betas`, and a cumulative product that
 * torch on CPU accumulates in double and rounds to float32 per element.
 */
export interface TrainSchedule {
  readonly alphasCumprod: Float32Array;
  /** sqrt((1 - alphas_cumprod) / alphas_cumprod), float32, index = training timestep. */
  readonly sigmas: Float32Array;
  /** log(sigmas) as float32, what `_sigma_to_t` interpolates over. */
  readonly logSigmas: Float32Array;
}

export function trainSchedule(config: BetaConfig): TrainSchedule {
  const alphasCumprod = cumprodAlphas(trainBetas(config));
  const sigmas = new Float32Array(alphasCumprod.length);
  const logSigmas = new Float32Array(alphasCumprod.length);
  for (let i = 0; i < alphasCumprod.length; i++) {
    const a = alphasCumprod[i] as number;
    sigmas[i] = Math.sqrt(f32(f32(1 - a) / a));
    logSigmas[i] = Math.log(sigmas[i] as number);
  }
  return { alphasCumprod, sigmas, logSigmas };
}

export function trainBetas(config: BetaConfig): Float32Array {
  const n = config.num_train_timesteps;
  if (config.trained_betas) return Float32Array.from(config.trained_betas);
  if (config.beta_schedule === 'linear')
    return torchLinspaceF32(config.beta_start, config.beta_end, n);
  const roots = torchLinspaceF32(Math.sqrt(config.beta_start), Math.sqrt(config.beta_end), n);
  for (let i = 0; i < n; i++) roots[i] = (roots[i] as number) * (roots[i] as number);
  return roots;
}

function cumprodAlphas(betas: Float32Array): Float32Array {
  const out = new Float32Array(betas.length);
  let product = 1;
  for (let i = 0; i < betas.length; i++) {
    product *= f32(1 - (betas[i] as number));
    out[i] = product;
  }
  return out;
}

/** torch.linspace(start, end, n, dtype=float32) on CPU, scalar path. */
export function torchLinspaceF32(start: number, end: number, n: number): Float32Array {
  const out = new Float32Array(n);
  const s = f32(start);
  const e = f32(end);
  if (n === 1) {
    out[0] = s;
    return out;
  }
  const step = f32(f32(e - s) / (n - 1));
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) {
    out[i] = i < half ? f32(s + f32(step * i)) : f32(e - f32(step * (n - i - 1)));
  }
  return out;
}
