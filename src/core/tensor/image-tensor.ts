import { FilterlabError } from '../errors.js';
import { deferredImage, exactRgb8, type Image } from '../image/image.js';
import type { PixelEncoding } from '../models/manifest.js';
import { float32, type Tensor } from './tensor.js';

export const DEFAULT_ENCODING: PixelEncoding = {
  layout: 'nchw',
  range: [0, 1],
  channelOrder: 'rgb',
};

/** Per-channel affine map pixel p in [0,1] -> tensor value a*p + b, in RGB order. */
function affine(enc: PixelEncoding): { a: number[]; b: number[] } {
  const [lo, hi] = enc.range;
  const a = [0, 1, 2].map((c) => (hi - lo) / (enc.std?.[c] ?? 1));
  const b = [0, 1, 2].map((c) => (lo - (enc.mean?.[c] ?? 0)) / (enc.std?.[c] ?? 1));
  return { a, b };
}

/** Image -> 1x3xHxW (or 1xHxWx3) float32 tensor in the model's value range and channel order. */
export function imageToTensor(
  image: Image,
  enc: PixelEncoding = DEFAULT_ENCODING,
): Tensor<'float32'> {
  const { width: w, height: h } = image;
  // An image that is still its 8-bit decode is read as bytes (scaled by 1/255 below): one pass,
  // and no float copy of the photo is made.
  const bytes = exactRgb8(image);
  const src: ArrayLike<number> = bytes ?? image.data;
  const unit = bytes ? 1 / 255 : 1;
  const plane = w * h;
  const out = new Float32Array(plane * 3);
  const { a, b } = affine(enc);
  // Image channel that feeds tensor channel 0, 1, 2.
  const [c0, c1, c2] = enc.channelOrder === 'bgr' ? ([2, 1, 0] as const) : ([0, 1, 2] as const);
  const [a0, a1, a2] = [a[c0]! * unit, a[c1]! * unit, a[c2]! * unit];
  const [b0, b1, b2] = [b[c0]!, b[c1]!, b[c2]!];
  // One pass over the pixels: on a large photo, reading the source once per channel costs
  // more than the model's own preprocessing budget.
  if (enc.layout === 'nchw') {
    const p1 = plane;
    const p2 = 2 * plane;
    for (let i = 0, s = 0; i < plane; i++, s += 3) {
      out[i] = src[s + c0]! * a0 + b0;
      out[p1 + i] = src[s + c1]! * a1 + b1;
      out[p2 + i] = src[s + c2]! * a2 + b2;
    }
  } else {
    for (let s = 0; s < out.length; s += 3) {
      out[s] = src[s + c0]! * a0 + b0;
      out[s + 1] = src[s + c1]! * a1 + b1;
      out[s + 2] = src[s + c2]! * a2 + b2;
    }
  }
  return float32(out, enc.layout === 'nchw' ? [1, 3, h, w] : [1, h, w, 3]);
}

/**
 * 1x3xHxW (or 1xHxWx3, or single-channel) float32 tensor -> Image, undoing the encoding. The
 * image is deferred: its float pixels are made on first use, and an encoder quantises straight
 * from the tensor, so a model output that is encoded as is costs one pass, not two.
 */
export function tensorToImage(
  t: Tensor,
  enc: PixelEncoding = DEFAULT_ENCODING,
  name = 'output',
): Image {
  if (t.type !== 'float32') {
    throw new FilterlabError(
      'FL_ERR_MODEL_CONTRACT',
      `Expected a float32 image tensor for ${name} but received ${t.type}`,
    );
  }
  const dims = t.dims;
  const nchw = enc.layout === 'nchw';
  const channels = dims.length === 4 ? (nchw ? dims[1] : dims[3]) : undefined;
  if (dims.length !== 4 || dims[0] !== 1 || (channels !== 3 && channels !== 1)) {
    const want = nchw ? '[1, 3|1, H, W]' : '[1, H, W, 3|1]';
    throw new FilterlabError(
      'FL_ERR_MODEL_CONTRACT',
      `Expected ${name} dims ${want} but received [${dims.join(', ')}]`,
    );
  }
  const h = nchw ? dims[2]! : dims[1]!;
  const w = nchw ? dims[3]! : dims[2]!;
  const src = t.data as Float32Array;
  const plane = w * h;
  const { a, b } = affine(enc);
  const order = enc.channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  // Tensor channel that holds image channel k (R, G, B), where it starts, and its step.
  const channel = (k: number) => (channels === 1 ? 0 : order.indexOf(k));
  const start = (k: number) => (nchw ? channel(k) * plane : channel(k));
  const [t0, t1, t2] = [start(0), start(1), start(2)];
  const stride = nchw ? 1 : channels!;
  const [k0, k1, k2] = [1 / a[0]!, 1 / a[1]!, 1 / a[2]!];
  const [o0, o1, o2] = [b[0]!, b[1]!, b[2]!];
  return deferredImage(
    w,
    h,
    () => {
      const out = new Float32Array(plane * 3);
      for (let i = 0, p = 0, q = 0; i < plane; i++, p += 3, q += stride) {
        out[p] = (src[t0 + q]! - o0) * k0;
        out[p + 1] = (src[t1 + q]! - o1) * k1;
        out[p + 2] = (src[t2 + q]! - o2) * k2;
      }
      return out;
    },
    () => {
      // Uint8ClampedArray clamps and rounds to nearest as it stores: one pass to bytes.
      const out = new Uint8ClampedArray(plane * 3);
      const [q0, q1, q2] = [255 * k0, 255 * k1, 255 * k2];
      for (let i = 0, p = 0, q = 0; i < plane; i++, p += 3, q += stride) {
        out[p] = (src[t0 + q]! - o0) * q0;
        out[p + 1] = (src[t1 + q]! - o1) * q1;
        out[p + 2] = (src[t2 + q]! - o2) * q2;
      }
      return new Uint8Array(out.buffer);
    },
  );
}
