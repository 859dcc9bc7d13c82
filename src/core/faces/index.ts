export type { AttributeEstimate, Box, Face, KeypointName, Point, Point3 } from './face.js';
export { KEYPOINT, boxIou, faceRoll, mainFaceIndex, scaleFaces } from './face.js';
export {
  FaceModels,
  FaceModelsOptionsSchema,
  defaultFaceModelsDir,
  type FaceModelKind,
  type FaceModelsOptions,
} from './face-models.js';
export { hashTfjsModel } from './model-hash.js';
export {
  analyzeFaces,
  detectFaces,
  embedFace,
  estimateAttributes,
  faceLandmarks,
  segmentPerson,
  type AnalyzeFacesOptions,
  type RunOptions,
} from './face-analysis.js';
export {
  DETECTOR_SPECS,
  DetectFacesOptionsSchema,
  type DetectFacesOptions,
  type DetectorName,
} from './face-detector.js';
export {
  EMBEDDER_SPECS,
  SAME_PERSON_THRESHOLD,
  compareFaces,
  type EmbedderName,
} from './face-embedder.js';
export { MESH_POINTS, type FaceMeshResult } from './face-mesh.js';
export { SEGMENTER_SPECS, type SegmenterName } from './person-segmenter.js';
export { ATTRIBUTE_SPECS, type AttributeModelName } from './face-attributes.js';
export {
  AlignOptionsSchema,
  PasteOptionsSchema,
  alignFace,
  alignmentMap,
  pasteFace,
  pasteMask,
  type AlignOptions,
  type AlignedFace,
  type PasteOptions,
} from './face-align.js';
export { SkinMaskOptionsSchema, skinMask, type SkinMaskOptions } from './skin-mask.js';
export {
  FaceOvalMaskOptionsSchema,
  faceOvalMask,
  type FaceOvalMaskOptions,
} from './face-oval-mask.js';
export { MESH } from './mesh-indices.js';
export { invertAffine, applyAffine, type Affine } from './warp.js';
