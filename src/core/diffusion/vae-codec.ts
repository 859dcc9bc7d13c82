import type { Image } from '../image/image.js';
import type { OnnxRuntime, OnnxSession, OnnxSessionOptions, TensorInfo } from '../runtime/onnx.js';
import { assertFinite } from './finite-check.js';
import { layoutError, TAESD_PARTS, type DiffusersLayout } from './layout.js';
import { fromModelFloats, toModelFloats } from './model-floats.js';
import type { FloatType, OpenedParts } from './parts.js';
import { imageToVaeInput, vaeOutputToImage, type ImageRange } from './vae-image.js';

/**
 * An autoencoder between pixels and the UNet's (scaled) latents: the folder's SD VAE
 * (vae_encoder + vae_decoder) or the optional tiny one, TAESD (taesd/), which decodes the same
 * latents with ~1% of the SD VAE decoder's compute. The pipeline's steps 2 and 5 go through here.
 */

export const VAE_CHOICES = ['full', 'taesd'] as const;
export type VaeChoice = (typeof VAE_CHOICES)[number];

interface CodecParts {
  name: string;
  encoder: OnnxSession;
  decoder: OnnxSession;
  encoderInput: string;
  encoderOutput: string;
  /** latent_parameters holds [mean, log-variance]: the mean is the first half. */
  encoderGivesParameters: boolean;
  encoderFloat: FloatType;
  decoderInput: string;
  decoderOutput: string;
  decoderFloat: FloatType;
  scalingFactor: number;
  shiftFactor: number;
  imageRange: ImageRange;
  latentChannels: number;
  /** Image pixels per latent pixel. */
  factor: number;
}

export class VaeCodec {
  constructor(private readonly p: CodecParts) {}

  /** The folder's SD VAE, from the checked parts. */
  static full(layout: DiffusersLayout, parts: OpenedParts): VaeCodec {
    const { vaeEncoder, vaeDecoder, latentChannels } = parts.contract;
    return new VaeCodec({
      name: 'vae',
      encoder: parts.sessions.vaeEncoder,
      decoder: parts.sessions.vaeDecoder,
      encoderInput: 'sample',
      encoderOutput: vaeEncoder.outputName,
      encoderGivesParameters: vaeEncoder.outputKind === 'parameters',
      encoderFloat: vaeEncoder.floatType,
      decoderInput: vaeDecoder.inputName,
      decoderOutput: vaeDecoder.outputName,
      decoderFloat: vaeDecoder.floatType,
      scalingFactor: layout.vae.scalingFactor,
      shiftFactor: layout.vae.shiftFactor,
      imageRange: 'signed',
      latentChannels,
      factor: layout.vae.spatialFactor,
    });
  }

  /** Step 2: a photo at the working size to scaled latents. */
  async encode(image: Image, signal?: AbortSignal): Promise<Float32Array> {
    const p = this.p;
    const dims = [1, 3, image.height, image.width];
    const out = await p.encoder.run(
      {
        [p.encoderInput]: toModelFloats(imageToVaeInput(image, p.imageRange), p.encoderFloat, dims),
      },
      { outputs: [p.encoderOutput], ...(signal ? { signal } : {}) },
    );
    const raw = fromModelFloats(out[p.encoderOutput]!, `${p.name}_encoder ${p.encoderOutput}`);
    assertFinite(raw, `${p.name}_encoder`, p.encoderFloat);
    const n = (p.latentChannels * image.width * image.height) / p.factor ** 2;
    const mean = p.encoderGivesParameters ? raw.subarray(0, n) : raw;
    const latents = new Float32Array(n);
    for (let i = 0; i < n; i++) latents[i] = (mean[i]! - p.shiftFactor) * p.scalingFactor;
    return latents;
  }

  /** Step 5: scaled latents to pixels at the working size. */
  async decode(
    latents: Float32Array,
    width: number,
    height: number,
    signal?: AbortSignal,
  ): Promise<Image> {
    const p = this.p;
    const unscaled = new Float32Array(latents.length);
    for (let i = 0; i < latents.length; i++)
      unscaled[i] = latents[i]! / p.scalingFactor + p.shiftFactor;
    const dims = [1, p.latentChannels, height / p.factor, width / p.factor];
    const out = await p.decoder.run(
      { [p.decoderInput]: toModelFloats(unscaled, p.decoderFloat, dims) },
      { outputs: [p.decoderOutput], ...(signal ? { signal } : {}) },
    );
    const pixels = fromModelFloats(out[p.decoderOutput]!, `${p.name}_decoder ${p.decoderOutput}`);
    assertFinite(pixels, `${p.name}_decoder`, p.decoderFloat);
    return vaeOutputToImage(pixels, width, height, p.imageRange);
  }
}

/** TAESD's two sessions, checked against the UNet's latents; undefined without taesd/. */
export async function openTaesd(
  layout: DiffusersLayout,
  onnx: OnnxRuntime,
  latentChannels: number,
  options: OnnxSessionOptions = {},
  hash?: string,
): Promise<{ codec: VaeCodec; release: () => Promise<void> } | undefined> {
  const t = layout.taesd;
  if (!t) return undefined;
  const key = (half: string, file: string) => (hash ? `${hash}:taesd-${half}` : `file:${file}`);
  const encoder = await onnx.session({ path: t.encoder, hash: key('encoder', t.encoder) }, options);
  const release = async () => {
    await onnx.release(encoder.key);
    if (decoder) await onnx.release(decoder.key);
  };
  let decoder: OnnxSession | undefined;
  try {
    decoder = await onnx.session({ path: t.decoder, hash: key('decoder', t.decoder) }, options);
    const [eIn, eOut, dIn, dOut] = [
      encoder.inputs[0],
      encoder.outputs[0],
      decoder.inputs[0],
      decoder.outputs[0],
    ];
    const problems = [
      channelProblem(TAESD_PARTS.encoder, 'input', eIn, 3),
      channelProblem(TAESD_PARTS.encoder, 'output', eOut, latentChannels),
      channelProblem(TAESD_PARTS.decoder, 'input', dIn, latentChannels),
      channelProblem(TAESD_PARTS.decoder, 'output', dOut, 3),
    ].filter((p): p is string => p !== undefined);
    if (problems.length > 0) {
      throw layoutError(layout.dir, `TAESD in ${layout.dir} does not fit: ${problems.join('; ')}`, {
        problems,
      });
    }
    const codec = new VaeCodec({
      name: 'taesd',
      encoder,
      decoder,
      encoderInput: eIn!.name,
      encoderOutput: eOut!.name,
      encoderGivesParameters: false,
      encoderFloat: eIn!.type as FloatType,
      decoderInput: dIn!.name,
      decoderOutput: dOut!.name,
      decoderFloat: dIn!.type as FloatType,
      scalingFactor: t.scalingFactor,
      shiftFactor: t.shiftFactor,
      imageRange: t.imageRange,
      latentChannels,
      factor: layout.vae.spatialFactor,
    });
    return { codec, release };
  } catch (error) {
    await release();
    throw error;
  }
}

function channelProblem(
  file: string,
  kind: 'input' | 'output',
  info: TensorInfo | undefined,
  channels: number,
): string | undefined {
  if (!info) return `${file} has no ${kind}`;
  if (info.type !== 'float32' && info.type !== 'float16') {
    return `Expected ${file} ${kind} ${info.name} to be float32 or float16 but it is ${info.type}`;
  }
  const dim = info.shape[1];
  if (info.shape.length !== 4 || (typeof dim === 'number' && dim > 0 && dim !== channels)) {
    return `Expected ${file} ${kind} ${info.name} to be [batch, ${channels}, height, width] but it is [${info.shape.join(', ')}]`;
  }
  return undefined;
}
