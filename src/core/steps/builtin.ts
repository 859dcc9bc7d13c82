import { img2imgStep, txt2imgStep } from '../diffusion/img2img-step.js';
import { blendStep } from './blend.js';
import { blurStep } from './blur.js';
import { cropStep } from './crop.js';
import { grainStep } from './grain.js';
import { lutStep } from './lut.js';
import { maskFileStep } from './mask-file.js';
import { onnxImageStep } from './onnx-image.js';
import { StepRegistry } from './registry.js';
import { resizeStep } from './resize.js';
import type { StepDefinition } from './step.js';
import { toneStep } from './tone.js';
import { unsharpStep } from './unsharp.js';
import { vignetteStep } from './vignette.js';

/** Steps without a learned model, plus the generic ONNX image step. */
export const CORE_STEPS: readonly StepDefinition<any>[] = [
  resizeStep,
  cropStep,
  lutStep,
  toneStep,
  blurStep,
  unsharpStep,
  grainStep,
  vignetteStep,
  blendStep,
  maskFileStep,
  onnxImageStep,
  img2imgStep,
  txt2imgStep,
];

const DEFAULT_REGISTRY = new StepRegistry(CORE_STEPS);

/** The registry of every built-in step (frozen, so sharing it is safe). */
export function defaultSteps(): StepRegistry {
  return DEFAULT_REGISTRY;
}
