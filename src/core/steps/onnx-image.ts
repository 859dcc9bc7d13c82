import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import type { Image } from '../image/image.js';
import { cropImage, resizeImage } from '../image/resize.js';
import { ImageIoSchema, type ImageIo } from '../models/manifest.js';
import type { InstalledModel } from '../models/store.js';
import type { OnnxSession, TensorInfo } from '../runtime/onnx.js';
import { imageToTensor, tensorToImage } from '../tensor/image-tensor.js';
import { letterbox, padImage, unletterbox } from '../tensor/letterbox.js';
import { runTiled } from '../tensor/tiles.js';
import { blend } from './blend.js';
import { defineStep } from './step.js';

export const OnnxImageOptionsSchema = z.strictObject({
  /** Installed model id ("anime-gan", "anime-gan@2") or a path to a model folder, relative to the spec. */
  model: z.string().min(1),
  /** How to meet a fixed or maximum input size: tiles (seams feathered), letterbox, or plain resize. */
  fit: z.enum(['auto', 'tile', 'letterbox', 'resize']).default('auto'),
  /** Override the manifest's tiling. */
  tile: z
    .strictObject({ size: z.number().int().min(16), overlap: z.number().int().min(0) })
    .optional(),
  /**
   * Longest side the model sees (default: the manifest's maxSide). A larger photo is tiled, or,
   * for a model that takes whole-image statistics, resized down and the output back up.
   */
  maxSide: z.number().int().min(16).max(8192).optional(),
  /** Mix of model output and input: 1 = model output only. */
  strength: z.number().min(0).max(1).default(1),
  /** ONNX Runtime threads for this model (default: the context's setting). */
  threads: z.number().int().min(1).max(256).optional(),
  graphOptimization: z.enum(['disabled', 'basic', 'extended', 'all']).optional(),
  executionProviders: z
    .array(z.enum(['cpu', 'cuda', 'coreml', 'dml', 'tensorrt', 'webgpu']))
    .optional(),
});
export type OnnxImageOptions = z.infer<typeof OnnxImageOptionsSchema>;

/** An image-to-image ONNX model with its I/O contract, ready to run on whole images. */
export class OnnxImageModel {
  private constructor(
    readonly model: InstalledModel,
    private readonly session: OnnxSession,
    readonly io: ImageIo,
    private readonly inputName: string,
    private readonly outputName: string,
  ) {}

  static async load(model: InstalledModel, session: OnnxSession): Promise<OnnxImageModel> {
    const io = model.manifest.io ?? inferIo(session.inputs[0], model.manifest.id);
    const inputName = io.inputName ?? session.inputs[0]?.name;
    const outputName = io.outputName ?? session.outputs[0]?.name;
    const input = session.inputs.find((i) => i.name === inputName);
    if (!input || !outputName || !session.outputs.some((o) => o.name === outputName)) {
      throw new FilterlabError(
        'FL_ERR_MODEL_CONTRACT',
        `Expected model ${model.manifest.id} to have input ${inputName ?? '(any)'} and output ${outputName ?? '(any)'} ` +
          `but it has inputs [${session.inputs.map((i) => i.name).join(', ')}] and outputs [${session.outputs.map((o) => o.name).join(', ')}]`,
      );
    }
    checkInputShape(input, io, model.manifest.id);
    return new OnnxImageModel(model, session, io, inputName!, outputName);
  }

  /** One forward pass on an image that already meets the size rule. */
  async runOnce(image: Image, signal?: AbortSignal): Promise<Image> {
    const input = imageToTensor(image, this.io.input);
    const out = await this.session.run(
      { [this.inputName]: input },
      { ...(signal ? { signal } : {}), outputs: [this.outputName] },
    );
    return tensorToImage(
      out[this.outputName]!,
      this.io.output ?? this.io.input,
      `${this.model.manifest.id}.${this.outputName}`,
    );
  }

  /** Run on an image of any size, meeting the model's size rule by padding, tiling or letterboxing. */
  async run(
    image: Image,
    o: Pick<OnnxImageOptions, 'fit' | 'tile' | 'maxSide'>,
    signal?: AbortSignal,
    onProgress?: (f: number) => void,
  ): Promise<Image> {
    if (this.io.wholeImage) return this.runWhole(image, o, signal);
    const io = o.maxSide ? { ...this.io, maxSide: o.maxSide } : this.io;
    const scale = io.scale;
    const tile = o.tile ?? io.tile;
    const run = (img: Image) => this.runOnce(img, signal);
    const tiled = (size: number, overlap: number) =>
      runTiled(
        image,
        {
          size,
          overlap,
          scale,
          ...(signal ? { signal } : {}),
          onTile: (d, t) => onProgress?.(d / t),
        },
        run,
      );
    const size = io.size;
    if (size.kind === 'fixed') {
      const square = size.width === size.height;
      const fit = o.fit === 'auto' ? (square && tile ? 'tile' : 'letterbox') : o.fit;
      if (fit === 'tile') {
        if (!square)
          throw new FilterlabError(
            'FL_ERR_MODEL_CONTRACT',
            `Tiling needs a square fixed input but ${this.model.manifest.id} takes ${size.width}x${size.height}`,
          );
        return tiled(size.width, Math.min(tile?.overlap ?? 16, Math.floor(size.width / 4)));
      }
      if (fit === 'letterbox') {
        const boxed = letterbox(image, size.width, size.height);
        return unletterbox(
          await run(boxed.image),
          boxed.box,
          scale,
          Math.round(image.width * scale),
          Math.round(image.height * scale),
        );
      }
      const out = await run(resizeImage(image, size.width, size.height));
      return resizeImage(out, Math.round(image.width * scale), Math.round(image.height * scale));
    }
    const longSide = Math.max(image.width, image.height);
    if ((o.fit === 'tile' && tile) || (io.maxSide && longSide > io.maxSide && o.fit !== 'resize')) {
      // a tile may not outgrow maxSide, so its size rounds down to the model's multiple
      const of = size.kind === 'multiple' ? size.of : 1;
      const edge = Math.max(of, Math.floor((tile?.size ?? io.maxSide!) / of) * of);
      return tiled(edge, tile?.overlap ?? Math.min(32, Math.floor(edge / 4)));
    }
    if (io.maxSide && longSide > io.maxSide) {
      const k = io.maxSide / longSide;
      const small = resizeImage(
        image,
        Math.max(1, Math.round(image.width * k)),
        Math.max(1, Math.round(image.height * k)),
      );
      const out = await this.run(small, { fit: 'auto', maxSide: io.maxSide }, signal);
      return resizeImage(out, Math.round(image.width * scale), Math.round(image.height * scale));
    }
    return this.runPadded(image, signal);
  }

  /** One pass, padding the size up to the model's multiple (edge pixels repeated) and cropping back. */
  private async runPadded(image: Image, signal?: AbortSignal): Promise<Image> {
    const { size, scale } = this.io;
    if (size.kind !== 'multiple') return this.runOnce(image, signal);
    const w = roundUp(image.width, size.of);
    const h = roundUp(image.height, size.of);
    const out = await this.runOnce(padImage(image, w, h), signal);
    return w === image.width && h === image.height
      ? out
      : cropImage(out, 0, 0, Math.round(image.width * scale), Math.round(image.height * scale));
  }

  /**
   * A model with whole-image statistics (instance norm) sees the whole photo in one pass:
   * tiles would change its result. Over maxSide the photo is resized down and the output up.
   */
  private async runWhole(
    image: Image,
    o: Pick<OnnxImageOptions, 'fit' | 'tile' | 'maxSide'>,
    signal?: AbortSignal,
  ): Promise<Image> {
    const { io } = this;
    const id = this.model.manifest.id;
    if (o.fit === 'tile' || o.tile || io.size.kind === 'fixed') {
      throw new FilterlabError(
        'FL_ERR_MODEL_CONTRACT',
        `Model ${id} takes statistics over the whole image, so it runs untiled at any size; ` +
          `expected no tile option and fit auto or resize but received fit ${o.fit}${o.tile ? ' with a tile size' : ''}`,
      );
    }
    const maxSide = o.maxSide ?? io.maxSide;
    const longSide = Math.max(image.width, image.height);
    const shortSide = Math.min(image.width, image.height);
    let k = maxSide && longSide > maxSide ? maxSide / longSide : 1;
    // a long, thin photo keeps minSide on its short side (the long side then exceeds maxSide)
    if (io.minSide && shortSide * k < io.minSide) k = Math.min(1, io.minSide / shortSide);
    const small =
      k < 1
        ? resizeImage(
            image,
            Math.max(1, Math.round(image.width * k)),
            Math.max(1, Math.round(image.height * k)),
          )
        : image;
    if (io.minSide && Math.min(small.width, small.height) < io.minSide) {
      throw new FilterlabError(
        'FL_ERR_IMAGE_TOO_SMALL',
        `Expected an image of at least ${io.minSide} px on each side for model ${id} but received ${image.width}x${image.height}`,
        { details: { width: image.width, height: image.height, minSide: io.minSide } },
      );
    }
    const out = await this.runPadded(small, signal);
    return k < 1
      ? resizeImage(out, Math.round(image.width * io.scale), Math.round(image.height * io.scale))
      : out;
  }
}

function roundUp(v: number, of: number): number {
  return Math.ceil(v / of) * of;
}

/** Without an io contract in the manifest, read layout and size from the model's input shape. */
function inferIo(input: TensorInfo | undefined, id: string): ImageIo {
  const shape = input?.shape ?? [];
  const nhwc = shape.length === 4 && shape[3] === 3 && shape[1] !== 3;
  const [h, w] = nhwc ? [shape[1], shape[2]] : [shape[2], shape[3]];
  const fixed = typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0;
  if (shape.length !== 4) {
    throw new FilterlabError(
      'FL_ERR_MODEL_CONTRACT',
      `Expected model ${id} to take one 4-D image tensor but its first input has shape [${shape.join(', ')}]; add an io contract to its model.json`,
    );
  }
  return ImageIoSchema.parse({
    input: { layout: nhwc ? 'nhwc' : 'nchw' },
    size: fixed ? { kind: 'fixed', width: w, height: h } : { kind: 'any' },
  });
}

function checkInputShape(input: TensorInfo, io: ImageIo, id: string): void {
  const shape = input.shape;
  if (shape.length === 0) return; // unknown: trust the manifest
  const channelAxis = io.input.layout === 'nchw' ? 1 : 3;
  const channels = shape[channelAxis];
  if (shape.length !== 4 || (typeof channels === 'number' && channels !== 3)) {
    throw new FilterlabError(
      'FL_ERR_MODEL_CONTRACT',
      `Expected model ${id} input ${input.name} to be [1, ${io.input.layout === 'nchw' ? '3, H, W' : 'H, W, 3'}] (layout ${io.input.layout}) ` +
        `but it is [${shape.join(', ')}]`,
    );
  }
  if (input.type && input.type !== 'float32') {
    throw new FilterlabError(
      'FL_ERR_MODEL_CONTRACT',
      `Expected model ${id} input ${input.name} to be float32 but it is ${input.type}`,
    );
  }
}

export const onnxImageStep = defineStep({
  type: 'onnx.image',
  summary:
    'Run an image-to-image ONNX model (stylizer, upscaler, restorer) through its I/O contract',
  options: OnnxImageOptionsSchema,
  produces: 'image',
  async prepare(options, env) {
    const model = await env.resolveModel(options.model);
    if (model.manifest.format !== 'onnx') {
      throw new FilterlabError(
        'FL_ERR_MODEL_CONTRACT',
        `Expected an onnx model for onnx.image but ${model.manifest.id} is ${model.manifest.format}`,
      );
    }
    const session = await env.ctx.onnx.session(
      { path: model.entry, hash: model.hash },
      {
        ...env.ctx.sessionOptions,
        ...(options.threads ? { threads: options.threads } : {}),
        ...(options.graphOptimization ? { graphOptimization: options.graphOptimization } : {}),
        ...(options.executionProviders ? { executionProviders: options.executionProviders } : {}),
      },
    );
    const runner = await OnnxImageModel.load(model, session).catch(async (error: unknown) => {
      await env.ctx.onnx.release(session.key);
      throw error;
    });
    return {
      dispose: () => env.ctx.onnx.release(session.key),
      async run({ input, options: o, run }) {
        const out = await runner.run(input, o, run.signal, (f) => run.progress(f));
        if (o.strength >= 1) return { kind: 'image', image: out };
        const base =
          out.width === input.width && out.height === input.height
            ? input
            : resizeImage(input, out.width, out.height);
        return {
          kind: 'image',
          image: blend(base, out, undefined, { invert: false, feather: 0, strength: o.strength }),
        };
      },
    };
  },
});
