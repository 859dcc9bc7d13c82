import { FilterlabError } from '../errors.js';
import { createImage, type Image } from '../image/image.js';
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
  const { width: w, height: h, data: src } = image;
  const plane = w * h;
  const out = new Float32Array(plane * 3);
  const { a, b } = affine(enc);
  const order = enc.channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  for (let oc = 0; oc < 3; oc++) {
    const ic = order[oc]!;
    const ac = a[ic]!;
    const bc = b[ic]!;
    if (enc.layout === 'nchw') {
      const base = oc * plane;
      for (let i = 0; i < plane; i++) out[base + i] = src[i * 3 + ic]! * ac + bc;
    } else {
      for (let i = 0; i < plane; i++) out[i * 3 + oc] = src[i * 3 + ic]! * ac + bc;
    }
  }
  return float32(out, enc.layout === 'nchw' ? [1, 3, h, w] : [1, h, w, 3]);
}

/** 1x3xHxW (or 1xHxWx3, or single-channel) float32 tensor -> Image, undoing the encoding. */
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
  const image = createImage(w, h);
  const out = image.data;
  const plane = w * h;
  const { a, b } = affine(enc);
  const order = enc.channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  for (let oc = 0; oc < 3; oc++) {
    const ic = channels === 1 ? 0 : oc; // tensor channel
    const rgb = channels === 1 ? oc : order[oc]!; // image channel it holds
    const inv = 1 / a[rgb]!;
    const off = b[rgb]!;
    for (let i = 0; i < plane; i++) {
      const v = nchw ? src[ic * plane + i]! : src[i * channels + ic]!;
      out[i * 3 + rgb] = (v - off) * inv;
    }
  }
  return image;
}
