import { img2imgStep, txt2imgStep } from '../diffusion/img2img-step.js';
import { blendStep } from './blend.js';
import { blurStep } from './blur.js';
import { cropStep } from './crop.js';
import { faceAlignStep } from './face-align.js';
import { faceAttributesStep } from './face-attributes.js';
import { faceDetectStep } from './face-detect.js';
import { faceEmbedStep } from './face-embed.js';
import { faceKeepStep } from './face-keep.js';
import { faceLandmarksStep } from './face-landmarks.js';
import { facePasteStep } from './face-paste.js';
import { faceSkinStep } from './face-skin.js';
import { fillStep } from './fill.js';
import { grainStep } from './grain.js';
import { lutStep } from './lut.js';
import { maskFileStep } from './mask-file.js';
import { onnxImageStep } from './onnx-image.js';
import { StepRegistry } from './registry.js';
import { resizeStep } from './resize.js';
import { segmentPersonStep } from './segment-person.js';
import { smoothStep } from './smooth.js';
import type { StepDefinition } from './step.js';
import { toneAutoStep } from './tone-auto.js';
import { toneStep } from './tone.js';
import { unsharpStep } from './unsharp.js';
import { vignetteStep } from './vignette.js';

/** Image operations, the generic ONNX image step, diffusion, and the face and person steps. */
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
  smoothStep,
  fillStep,
  toneAutoStep,
  faceDetectStep,
  faceLandmarksStep,
  faceEmbedStep,
  faceAttributesStep,
  faceAlignStep,
  facePasteStep,
  faceSkinStep,
  faceKeepStep,
  segmentPersonStep,
];

const DEFAULT_REGISTRY = new StepRegistry(CORE_STEPS);

/** The registry of every built-in step (frozen, so sharing it is safe). */
export function defaultSteps(): StepRegistry {
  return DEFAULT_REGISTRY;
}
