import type { Face } from '../core/faces/face.js';
import {
  analyzeFaces,
  detectFaces,
  embedFace,
  segmentPerson,
} from '../core/faces/face-analysis.js';
import type { FaceModels } from '../core/faces/face-models.js';
import { skinMask } from '../core/faces/skin-mask.js';
import { visibleSkinMask } from '../core/faces/visible-skin-mask.js';
import type { Image, Mask } from '../core/image/image.js';

/**
 * Lazy, memoised face analysis of one input/output pair, shared by every metric that needs it:
 * each model runs at most once per image however many metrics ask.
 */
export class PairAnalysis {
  private inputFacesP: Promise<Face[]> | undefined;
  private outputFacesP: Promise<Face[]> | undefined;
  private skinP: Promise<Mask | undefined> | undefined;
  private personP: Promise<Mask | undefined> | undefined;
  private visibleSkinP: Promise<Mask | undefined> | undefined;

  constructor(
    readonly input: Image,
    readonly output: Image,
    private readonly faces: FaceModels | undefined,
    /** Input analysis computed earlier for the same photo (shared across variants). */
    inputFaces?: Promise<Face[]>,
  ) {
    this.inputFacesP = inputFaces;
  }

  /** Faces of the input with landmarks and embeddings (empty without face models). */
  inputFaces(): Promise<Face[]> {
    this.inputFacesP ??= this.faces ? analyzeFaces(this.faces, this.input) : Promise.resolve([]);
    return this.inputFacesP;
  }

  /** Boxes of the faces still detected in the output. */
  outputFaces(): Promise<Face[]> {
    this.outputFacesP ??= this.faces ? detectFaces(this.faces, this.output) : Promise.resolve([]);
    return this.outputFacesP;
  }

  /**
   * Identity embedding of the output at the input face's position: the output is aligned with
   * the input's landmarks, so a face the detector misses after a heavy stylisation is still
   * compared (face survival reports the detector's view separately).
   */
  async outputEmbedding(face: Face): Promise<Float32Array | undefined> {
    if (!this.faces) return undefined;
    return embedFace(this.faces, this.output, face);
  }

  /** Facial skin of the input (eyes, brows, lips excluded); undefined without a face. */
  skin(): Promise<Mask | undefined> {
    this.skinP ??= this.inputFaces().then((faces) => {
      const withMesh = faces.filter((f) => f.landmarks);
      return withMesh.length ? skinMask(this.input, withMesh) : undefined;
    });
    return this.skinP;
  }

  /** Person segmentation of the input (1 = person); undefined without face models. */
  person(): Promise<Mask | undefined> {
    this.personP ??= this.faces
      ? segmentPerson(this.faces, this.input)
      : Promise.resolve(undefined);
    return this.personP;
  }

  /**
   * All visible skin of the input's people: facial skin plus the matching skin around each face
   * (forehead, scalp, ears, neck) inside the person mask; undefined without a face.
   */
  visibleSkin(): Promise<Mask | undefined> {
    this.visibleSkinP ??= Promise.all([this.inputFaces(), this.person()]).then(
      ([faces, person]) => {
        const withMesh = faces.filter((f) => f.landmarks);
        return withMesh.length && person
          ? visibleSkinMask(this.input, withMesh, person)
          : undefined;
      },
    );
    return this.visibleSkinP;
  }

  /** Mean face width (cheek to cheek) of the input's faces in pixels; undefined without a face. */
  async faceWidth(): Promise<number | undefined> {
    const widths = (await this.inputFaces())
      .map((f) => f.landmarks)
      .filter((lm) => lm !== undefined)
      .map((lm) => Math.hypot(lm[454]![0] - lm[234]![0], lm[454]![1] - lm[234]![1]));
    return widths.length ? widths.reduce((a, b) => a + b, 0) / widths.length : undefined;
  }
}
