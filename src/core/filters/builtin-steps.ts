import { img2imgStep, txt2imgStep } from '../diffusion/img2img-step.js';
import { blendStep } from '../steps/blend.js';
import { blurStep } from '../steps/blur.js';
import { cropStep } from '../steps/crop.js';
import { faceAlignStep } from '../steps/face-align.js';
import { faceAttributesStep } from '../steps/face-attributes.js';
import { faceDetectStep } from '../steps/face-detect.js';
import { faceEmbedStep } from '../steps/face-embed.js';
import { faceKeepStep } from '../steps/face-keep.js';
import { faceLandmarksStep } from '../steps/face-landmarks.js';
import { facePasteStep } from '../steps/face-paste.js';
import { faceSkinStep } from '../steps/face-skin.js';
import { fillStep } from '../steps/fill.js';
import { grainStep } from '../steps/grain.js';
import { lutStep } from '../steps/lut.js';
import { maskFileStep } from '../steps/mask-file.js';
import { onnxImageStep } from '../steps/onnx-image.js';
import { StepRegistry } from '../steps/registry.js';
import { resizeStep } from '../steps/resize.js';
import { segmentPersonStep } from '../steps/segment-person.js';
import { smoothStep } from '../steps/smooth.js';
import type { StepDefinition } from '../steps/step.js';
import { toneAutoStep } from '../steps/tone-auto.js';
import { toneStep } from '../steps/tone.js';
import { unsharpStep } from '../steps/unsharp.js';
import { vignetteStep } from '../steps/vignette.js';

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
