/**
 * Where a diffusion run spends its time, per component. `tensorMs` is the TypeScript-side work
 * inside the denoising loop that is neither a model nor the scheduler: batching the latents for
 * guidance, float16 casts, the guidance combine, mask blending, the initial noise.
 */
export interface DiffusionTimings {
  textEncoderMs: number;
  /** Image to tensor, VAE encoder, latent scaling. */
  vaeEncodeMs: number;
  /** All UNet runs. */
  unetMs: number;
  /** Each UNet run, in order (candidates one after another). */
  unetStepMs: number[];
  /** plan, addNoise, scaleModelInput and step. */
  schedulerMs: number;
  /** The scheduler's share of each step (scaleModelInput, step, masked add_noise). */
  schedulerStepMs: number[];
  tensorMs: number;
  /** The tensor work of each step. */
  tensorStepMs: number[];
  /** Latent unscaling, VAE decoder, tensor to image, resize back, mask composite. */
  vaeDecodeMs: number;
  totalMs: number;
  /** Denoising steps run (all candidates). */
  steps: number;
}

export function emptyTimings(): DiffusionTimings {
  return {
    textEncoderMs: 0,
    vaeEncodeMs: 0,
    unetMs: 0,
    unetStepMs: [],
    schedulerMs: 0,
    schedulerStepMs: [],
    tensorMs: 0,
    tensorStepMs: [],
    vaeDecodeMs: 0,
    totalMs: 0,
    steps: 0,
  };
}

type Component =
  'textEncoderMs' | 'vaeEncodeMs' | 'unetMs' | 'schedulerMs' | 'tensorMs' | 'vaeDecodeMs';

/** Adds the time `work` takes to `component`; async work is timed until it settles. */
export function timed<T>(timings: DiffusionTimings, component: Component, work: () => T): T {
  const started = performance.now();
  const result = work();
  if (result instanceof Promise) {
    return result.finally(() => {
      timings[component] += performance.now() - started;
    }) as T;
  }
  timings[component] += performance.now() - started;
  return result;
}

type StepPart = 'unet' | 'scheduler' | 'tensor';

/**
 * Splits each denoising step's time between the UNet, the scheduler and the tensor work: `lap`
 * adds the time since the previous lap to a part; `endStep` records the step.
 */
export class StepClock {
  private mark = 0;
  private unet = 0;
  private scheduler = 0;
  private tensor = 0;

  constructor(private readonly timings: DiffusionTimings) {}

  startStep(): void {
    this.unet = this.scheduler = this.tensor = 0;
    this.mark = performance.now();
  }

  lap(part: StepPart): void {
    const now = performance.now();
    this[part] += now - this.mark;
    this.mark = now;
  }

  endStep(): void {
    const t = this.timings;
    t.unetMs += this.unet;
    t.unetStepMs.push(this.unet);
    t.schedulerMs += this.scheduler;
    t.schedulerStepMs.push(this.scheduler);
    t.tensorMs += this.tensor;
    t.tensorStepMs.push(this.tensor);
    t.steps++;
  }
}
