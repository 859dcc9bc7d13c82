/**
 * Person segmentation: a soft alpha mask (1 = person) at the input's resolution, from
 * MediaPipe's selfie segmentation models (MobileNetV3-based; "general" 256x256 and the
 * "landscape"/Meet 144x256 variant). The low-resolution mask is mapped back to every input
 * pixel bilinearly. Letterboxing (instead of MediaPipe's stretch) keeps wide group photos
 * from being squashed, which the selfie model otherwise fails on.
 */
import { throwIfAborted } from '../errors.js';
import type { Image, Mask } from '../image/image.js';
import type { TfjsModel, TfjsRuntime } from '../runtime/tfjs.js';
import { floatOutput, nhwc } from './model-io.js';
import { bilinearGray, invertAffine, sampleRgb, type Affine } from './warp.js';

export interface SegmenterSpec {
  file: string;
  width: number;
  height: number;
  output: string;
  /** 'sigmoid': one channel, already a probability; 'softmax2': [background, person] logits. */
  activation: 'sigmoid' | 'softmax2';
  /** 'letterbox' keeps the photo's aspect ratio (grey padding); 'stretch' fills the input. */
  fit: 'letterbox' | 'stretch';
}

export const SEGMENTER_SPECS = {
  selfie: {
    file: 'selfie.json',
    width: 256,
    height: 256,
    output: 'activation_10',
    activation: 'sigmoid',
    fit: 'letterbox',
  },
  meet: {
    file: 'meet.json',
    width: 256,
    height: 144,
    output: 'segment',
    activation: 'softmax2',
    fit: 'stretch',
  },
} as const satisfies Record<string, SegmenterSpec>;

export type SegmenterName = keyof typeof SEGMENTER_SPECS;

export class PersonSegmenter {
  private constructor(
    private readonly model: TfjsModel,
    readonly spec: SegmenterSpec,
  ) {}

  static async load(
    runtime: TfjsRuntime,
    modelPath: string,
    spec: SegmenterSpec,
  ): Promise<PersonSegmenter> {
    return new PersonSegmenter(await runtime.model(modelPath), spec);
  }

  async segment(image: Image, signal?: AbortSignal): Promise<Mask> {
    throwIfAborted(signal);
    const { width: w, height: h } = this.spec;
    const toSrc = fitMap(image, w, h, this.spec.fit === 'letterbox');
    const input = sampleRgb(image, toSrc, w, h, { range: [0, 1], fill: 0.5 });
    const out = await this.model.run(nhwc(input, h, w), { outputs: [this.spec.output], signal });
    const raw = floatOutput(out, this.spec.output, this.model.path);
    const alpha = this.spec.activation === 'sigmoid' ? raw.slice(0, w * h) : softmax2(raw, w * h);
    return {
      width: image.width,
      height: image.height,
      data: clamp01(warpGray(alpha, w, h, invertAffine(toSrc), image.width, image.height)),
    };
  }
}

function fitMap(image: Image, w: number, h: number, letterbox: boolean): Affine {
  if (!letterbox) return [image.width / w, 0, 0, 0, image.height / h, 0];
  const s = Math.max(image.width / w, image.height / h);
  return [s, 0, (image.width - s * w) / 2, 0, s, (image.height - s * h) / 2];
}

/** Sample a w x h grey buffer through `srcToBuf` at every pixel of an outW x outH image. */
function warpGray(
  buf: Float32Array,
  w: number,
  h: number,
  srcToBuf: Affine,
  outW: number,
  outH: number,
): Float32Array {
  const out = new Float32Array(outW * outH);
  const [a, b, c, d, e, f] = srcToBuf;
  for (let y = 0; y < outH; y++) {
    const py = y + 0.5;
    for (let x = 0; x < outW; x++) {
      const px = x + 0.5;
      out[y * outW + x] = bilinearGray(
        buf,
        w,
        h,
        a * px + b * py + c - 0.5,
        d * px + e * py + f - 0.5,
      );
    }
  }
  return out;
}

/** Person probability from interleaved [background, person] logits. */
function softmax2(logits: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(logits[2 * i]! - logits[2 * i + 1]!));
  return out;
}

function clamp01(a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = Math.min(1, Math.max(0, a[i]!));
  return a;
}
