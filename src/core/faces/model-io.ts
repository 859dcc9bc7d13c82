import { FilterlabError, throwIfAborted } from '../errors.js';
import type { Image } from '../image/image.js';
import type { TfjsModel } from '../runtime/tfjs.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Face } from './face.js';
import { alignFace } from './face-align.js';

/** An NHWC float32 batch of one image. */
export function nhwc(
  data: Float32Array,
  height: number,
  width: number,
  channels = 3,
): Tensor<'float32'> {
  return { type: 'float32', dims: [1, height, width, channels], data };
}

/** The float32 data of a named model output, or a contract error naming what came back. */
export function floatOutput(
  outputs: Record<string, Tensor>,
  name: string,
  model: string,
): Float32Array {
  const t = outputs[name];
  if (!t || t.type !== 'float32') {
    const got = Object.entries(outputs)
      .map(([n, v]) => `${n}: ${v.type}[${v.dims.join(',')}]`)
      .join(', ');
    throw new FilterlabError(
      'FL_ERR_MODEL_CONTRACT',
      `Expected a float32 output ${name} from ${model} but received {${got}}`,
    );
  }
  return t.data as Float32Array;
}

/** How a model that reads an aligned face crop (an embedder, an attribute model) wants it. */
export interface AlignedCropSpec {
  inputSize: number;
  /** Crop margin around the ArcFace framing (see AlignOptions.margin). */
  margin: number;
  /** Values that pixel 0 and pixel 1 map to. */
  range: readonly [number, number];
}

/** Run `model` on `face` aligned to the ArcFace template at the spec's size, margin and range. */
export async function runOnAlignedFace(
  model: TfjsModel,
  spec: AlignedCropSpec,
  image: Image,
  face: Pick<Face, 'keypoints' | 'landmarks'>,
  outputs: readonly string[],
  signal: AbortSignal | undefined,
): Promise<Record<string, Tensor>> {
  throwIfAborted(signal);
  const size = spec.inputSize;
  const crop = alignFace(image, face, { size, margin: spec.margin });
  const [lo, hi] = spec.range;
  const data = crop.image.data.map((v) => lo + (hi - lo) * v);
  return model.run(nhwc(data, size, size), { outputs, signal });
}
