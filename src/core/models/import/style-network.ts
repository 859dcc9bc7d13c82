/**
 * The fast style-transfer network of Johnson, Alahi & Fei-Fei, "Perceptual Losses for Real-Time
 * Style Transfer and Super-Resolution" (2016, arXiv:1603.08155), as trained by Logan Engstrom's
 * fast-style-transfer and published by ml5 as deeplearn.js checkpoints. One list describes it:
 * the checkpoint reader checks variable shapes against it and the ONNX builder walks it.
 */

export interface StyleConvLayer {
  /** The checkpoint id: kernel `Variable_<id>`, instance-norm shift id+1 and scale id+2. */
  id: number;
  /** conv: TF kernel [k, k, in, out]; convTranspose: TF conv2d_transpose filter [k, k, out, in]. */
  kind: 'conv' | 'convTranspose';
  kernel: number;
  stride: 1 | 2;
  in: number;
  out: number;
  relu: boolean;
  /** Where the layer sits, for error messages. */
  role: string;
}

const conv = (
  id: number,
  kernel: number,
  stride: 1 | 2,
  inC: number,
  outC: number,
  relu: boolean,
  role: string,
  kind: StyleConvLayer['kind'] = 'conv',
): StyleConvLayer => ({ id, kind, kernel, stride, in: inC, out: outC, relu, role });

/** Ids of the first conv of each residual block: x + (conv → IN → relu → conv → IN). */
export const RESIDUAL_BLOCKS = [9, 15, 21, 27, 33] as const;

export const STYLE_LAYERS: readonly StyleConvLayer[] = Object.freeze([
  conv(0, 9, 1, 3, 32, true, 'input conv 9x9'),
  conv(3, 3, 2, 32, 64, true, 'downsampling conv 1'),
  conv(6, 3, 2, 64, 128, true, 'downsampling conv 2'),
  ...RESIDUAL_BLOCKS.flatMap((id, i) => [
    conv(id, 3, 1, 128, 128, true, `residual block ${i + 1} conv a`),
    conv(id + 3, 3, 1, 128, 128, false, `residual block ${i + 1} conv b`),
  ]),
  conv(39, 3, 2, 128, 64, true, 'upsampling conv-transpose 1', 'convTranspose'),
  conv(42, 3, 2, 64, 32, true, 'upsampling conv-transpose 2', 'convTranspose'),
  conv(45, 9, 1, 32, 3, false, 'output conv 9x9'),
]);

/** Instance-norm epsilon of the network (tf.nn.moments + 1e-3), population variance. */
export const INSTANCE_NORM_EPSILON = 1e-3;

/** output = clip(OUTPUT_SCALE * tanh(x) + OUTPUT_OFFSET, 0, 255) */
export const OUTPUT_SCALE = 150;
export const OUTPUT_OFFSET = 127.5;

/** Both stride-2 layers must see even sizes for the output to equal the input size. */
export const SIZE_MULTIPLE = 4;

export function variableName(id: number): string {
  return id === 0 ? 'Variable' : `Variable_${id}`;
}

export interface ExpectedVariable {
  name: string;
  shape: number[];
  role: string;
}

/** Every variable the network needs, with its shape: kernel, then IN shift, then IN scale. */
export function expectedVariables(): ExpectedVariable[] {
  return STYLE_LAYERS.flatMap((l) => [
    {
      name: variableName(l.id),
      shape:
        l.kind === 'conv' ? [l.kernel, l.kernel, l.in, l.out] : [l.kernel, l.kernel, l.out, l.in],
      role: `${l.role} kernel`,
    },
    { name: variableName(l.id + 1), shape: [l.out], role: `${l.role} instance-norm shift` },
    { name: variableName(l.id + 2), shape: [l.out], role: `${l.role} instance-norm scale` },
  ]);
}
