/**
 * Dense face landmarks: MediaPipe FaceMesh, 468 3-D points.
 * Kartynnik et al., "Real-time Facial Surface Geometry from Monocular Video on Mobile GPUs", 2019.
 *
 * The crop follows MediaPipe's face_landmark graph: a square 1.5x the detector box, rotated
 * so the eyes are level, resized to 192x192 with values in [0, 1].
 */
import { throwIfAborted } from '../errors.js';
import type { Image } from '../image/image.js';
import type { TfjsModel, TfjsRuntime } from '../runtime/tfjs.js';
import { boxCenter, faceRoll, type Face, type Point3 } from './face.js';
import { floatOutput, nhwc } from './model-io.js';
import { affineScale, applyAffine, sampleRgb, squareCropMap, type Affine } from './warp.js';

export const MESH_POINTS = 468;

/** How much larger than the detector box the landmark crop is (MediaPipe: 1.5). */
const CROP_SCALE = 1.5;

/** facemesh.json outputs: 468 x (x, y, z) in crop pixels, and the face-presence probability. */
const MESH_OUTPUT = 'Identity_2';
const SCORE_OUTPUT = 'Identity_1';

export interface FaceMeshResult {
  landmarks: Point3[];
  /** Probability in [0, 1] that the crop holds a face (near 0 on a detector false positive). */
  score: number;
}

export class FaceMesh {
  private readonly size: number;

  private constructor(private readonly model: TfjsModel) {
    this.size = model.inputs[0]?.shape?.[1] ?? 192;
  }

  static async load(runtime: TfjsRuntime, modelPath: string): Promise<FaceMesh> {
    return new FaceMesh(await runtime.model(modelPath));
  }

  async landmarks(
    image: Image,
    face: Pick<Face, 'box' | 'keypoints'>,
    signal?: AbortSignal,
  ): Promise<FaceMeshResult> {
    throwIfAborted(signal);
    const toSrc = this.cropMap(face);
    const input = sampleRgb(image, toSrc, this.size, this.size, { range: [0, 1], fill: 0 });
    const out = await this.model.run(nhwc(input, this.size, this.size), {
      outputs: [MESH_OUTPUT, SCORE_OUTPUT],
      signal,
    });
    const mesh = floatOutput(out, MESH_OUTPUT, this.model.path);
    const score = floatOutput(out, SCORE_OUTPUT, this.model.path)[0]!;
    const zScale = affineScale(toSrc);
    const landmarks: Point3[] = [];
    for (let i = 0; i < MESH_POINTS; i++) {
      const [x, y] = applyAffine(toSrc, [mesh[3 * i]!, mesh[3 * i + 1]!]);
      landmarks.push([x, y, mesh[3 * i + 2]! * zScale]);
    }
    return { landmarks, score };
  }

  /** Map from the 192x192 model input to the image. */
  cropMap(face: Pick<Face, 'box' | 'keypoints'>): Affine {
    const side = Math.max(face.box[2], face.box[3]) * CROP_SCALE;
    return squareCropMap(boxCenter(face.box), side, faceRoll(face.keypoints), this.size);
  }
}
