/** filterlab's library API. */
export {
  createContext,
  disposeContext,
  type Context,
  type ContextOptions,
} from './core/context.js';
export { ERROR_CODES, FilterlabError, isFilterlabError, type ErrorCode } from './core/errors.js';
export { createImage, createMask, type Image, type Mask } from './core/image/image.js';
export {
  decodeImage,
  readImage,
  inspectImage,
  type DecodedImage,
  type DecodeLimits,
} from './core/image/decode.js';
export { encodeImage, encodeMask, type EncodeOptions } from './core/image/encode.js';
export { resizeImage } from './core/image/resize.js';
export { imageToTensor, tensorToImage } from './core/tensor/image-tensor.js';
export { runTiled } from './core/tensor/tiles.js';
export { OnnxRuntime, type OnnxSession, type OnnxSessionOptions } from './core/runtime/onnx.js';
export { ModelStore, defaultModelsDir, type InstalledModel } from './core/models/store.js';
export { pullModel } from './core/models/pull.js';
export {
  ModelManifestSchema,
  writeManifest,
  type ModelManifest,
  type ImageIo,
} from './core/models/manifest.js';
export { FilterSpecSchema, filterSpecJsonSchema, type FilterSpec } from './core/filters/spec.js';
export {
  loadFilter,
  loadSpecFile,
  parseSpec,
  listBuiltinSpecs,
  type LoadedSpec,
} from './core/filters/load.js';
export {
  compile,
  type Runner,
  type RunOptions,
  type RunResult,
  type OutputMeta,
} from './core/filters/compile.js';
export { applyToBytes, applyToFile } from './core/filters/apply.js';
export { defaultSteps, CORE_STEPS } from './core/filters/builtin-steps.js';
export { StepRegistry } from './core/steps/registry.js';
export { defineStep, type StepDefinition } from './core/steps/step.js';
export * from './core/faces/index.js';
export { sharedFaceModels } from './core/faces/shared.js';
export {
  StableDiffusionPipeline,
  type DiffusionRequest,
  type DiffusionResult,
} from './core/diffusion/pipeline.js';
export { readDiffusersLayout } from './core/diffusion/layout.js';
export { schedulerFromConfig } from './core/diffusion/schedulers/registry.js';
export { describeSchedule } from './core/diffusion/schedule-command.js';
export { ClipTokenizer } from './core/diffusion/clip-tokenizer.js';
export { createRng, type Rng } from './core/rng.js';
export { loadExperiment, ExperimentSchema, type Experiment } from './lab/experiment.js';
export { loadDataset, type Dataset } from './lab/dataset/dataset.js';
export { runExperiment, type EvalResult } from './lab/run/runner.js';
export { compareRuns, loadRunResults } from './lab/compare.js';
export { LAB_METRICS, type MetricDefinition } from './lab/metrics/registry.js';
export { ssim } from './lab/metrics/ssim.js';
export { psnr } from './lab/metrics/psnr.js';
export { ciede2000 } from './lab/metrics/ciede2000.js';
export { skinShift } from './lab/metrics/skin-shift.js';
export { startServer, type RunningServer } from './serve/server.js';
