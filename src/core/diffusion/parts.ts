import { stat } from 'node:fs/promises';
import type { OnnxRuntime, OnnxSession, OnnxSessionOptions, TensorInfo } from '../runtime/onnx.js';
import type { TensorType } from '../tensor/tensor.js';
import {
  inpaintingError,
  layoutError,
  ONNX_PARTS,
  type DiffusersLayout,
  type OnnxPart,
} from './layout.js';

/**
 * The four ONNX sessions of a pipeline, and what they take, read from the sessions themselves:
 * tensor names, float16 or float32, the timestep's dtype, and the sizes that must agree between
 * parts (hidden size, latent channels). A folder mixed from two models fails here, before any
 * pixel is computed, with every mismatch named.
 */

export type FloatType = 'float32' | 'float16';
export type TimestepType = 'int64' | 'int32' | 'float32' | 'float16';

export interface PartsContract {
  textEncoder: {
    idsName: string;
    idsType: 'int32' | 'int64';
    outputName: string;
    /** undefined when neither the model nor its config fixes it. */
    hiddenSize: number | undefined;
  };
  unet: {
    floatType: FloatType;
    timestepType: TimestepType;
    /** A scalar (rank 0), [batch], or [1] when the export fixed that dimension to 1. */
    timestepDims: 'scalar' | 'batch' | 'one';
    textType: FloatType;
    outputName: string;
    /** LCM UNets take the guidance scale as an embedding (timestep_cond) of this size. */
    guidanceEmbeddingSize?: number;
  };
  vaeEncoder: {
    floatType: FloatType;
    outputName: string;
    /** latent_parameters: mean and log-variance (2 x channels); latent_sample: the latents. */
    outputKind: 'parameters' | 'sample';
  };
  vaeDecoder: { floatType: FloatType; inputName: string; outputName: string };
  latentChannels: number;
}

export interface OpenedParts {
  readonly sessions: Readonly<Record<OnnxPart, OnnxSession>>;
  readonly contract: PartsContract;
  release(): Promise<void>;
}

/**
 * Open the four sessions (shared through `onnx` by key) and check that they fit together.
 * `hash` identifies the folder's content (a model store hash); without one, the files' size and
 * modification time stand in, so an edited file gets a new session.
 */
export async function openParts(
  layout: DiffusersLayout,
  onnx: OnnxRuntime,
  options: OnnxSessionOptions = {},
  hash?: string,
): Promise<OpenedParts> {
  const opened: OnnxSession[] = [];
  const release = async () => {
    await Promise.all(opened.map((s) => onnx.release(s.key)));
  };
  try {
    const sessions = {} as Record<OnnxPart, OnnxSession>;
    for (const part of Object.keys(ONNX_PARTS) as OnnxPart[]) {
      const file = layout.files[part];
      const key = hash ? `${hash}:${part}` : await fileKey(file);
      const session = await onnx.session({ path: file, hash: key }, options);
      opened.push(session);
      sessions[part] = session;
    }
    return { sessions, contract: checkParts(layout, sessions), release };
  } catch (error) {
    await release();
    throw error;
  }
}

type PartIo = Pick<OnnxSession, 'inputs' | 'outputs'>;

/** Check the parts' tensors against each other; one error names every problem found. */
export function checkParts(
  layout: DiffusersLayout,
  parts: Record<OnnxPart, PartIo>,
): PartsContract {
  const problems: string[] = [];
  const need = (
    part: OnnxPart,
    kind: 'input' | 'output',
    name: string,
    types: readonly TensorType[],
  ) => findTensor(parts[part], part, kind, name, types, problems);

  const ids = need('textEncoder', 'input', 'input_ids', ['int32', 'int64']);
  const hidden = outputOf(parts.textEncoder, 'last_hidden_state');
  const sample = need('unet', 'input', 'sample', ['float32', 'float16']);
  const timestep = need('unet', 'input', 'timestep', ['int64', 'int32', 'float32', 'float16']);
  const text = need('unet', 'input', 'encoder_hidden_states', ['float32', 'float16']);
  const noise = outputOf(parts.unet, 'out_sample');
  const vaeIn = need('vaeEncoder', 'input', 'sample', ['float32', 'float16']);
  const latents = outputOf(parts.vaeEncoder, 'latent_sample', 'latent_parameters');
  const decoderIn = need('vaeDecoder', 'input', 'latent_sample', ['float32', 'float16']);
  const decoded = outputOf(parts.vaeDecoder, 'sample');
  for (const [part, info] of [
    ['textEncoder', hidden],
    ['unet', noise],
    ['vaeEncoder', latents],
    ['vaeDecoder', decoded],
  ] as const) {
    if (!info) problems.push(`${ONNX_PARTS[part]} has no outputs`);
  }
  refuseExtraUnetInputs(parts.unet, layout, problems);

  const textHidden = dimAt(hidden, -1) ?? layout.textEncoder.hidden_size;
  const unetHidden = dimAt(text, -1) ?? layout.unet.cross_attention_dim;
  if (textHidden !== undefined && unetHidden !== undefined && textHidden !== unetHidden) {
    problems.push(
      `text_encoder makes hidden states of size ${textHidden} (${shapeOf(hidden)}) but unet's ` +
        `encoder_hidden_states takes size ${unetHidden} (${shapeOf(text)}): the text encoder and the UNet come from different models`,
    );
  }
  const unetChannels = dimAt(sample, 1) ?? layout.unet.in_channels;
  if (unetChannels === 9) throw inpaintingError(layout.dir);
  const decoderChannels = dimAt(decoderIn, 1) ?? layout.vae.latentChannels;
  if (
    unetChannels !== undefined &&
    decoderChannels !== undefined &&
    unetChannels !== decoderChannels
  ) {
    problems.push(
      `unet denoises ${unetChannels}-channel latents (sample ${shapeOf(sample)}) but vae_decoder ` +
        `decodes ${decoderChannels} channels (latent_sample ${shapeOf(decoderIn)}): the UNet and the VAE come from different models`,
    );
  }
  const latentChannels = unetChannels ?? decoderChannels ?? layout.vae.latentChannels ?? 4;
  const parametersOut = latents?.name === 'latent_parameters';
  const encoderChannels = dimAt(latents, 1);
  const expectEncoder = parametersOut ? 2 * latentChannels : latentChannels;
  if (encoderChannels !== undefined && encoderChannels !== expectEncoder) {
    problems.push(
      `vae_encoder's ${latents?.name} has ${encoderChannels} channels (${shapeOf(latents)}) but the UNet's ` +
        `${latentChannels}-channel latents need ${expectEncoder}${parametersOut ? ' (mean and log-variance)' : ''}`,
    );
  }
  for (const [what, info, rank] of [
    ['unet sample', sample, 4],
    ['vae_encoder sample', vaeIn, 4],
    ['vae_decoder latent_sample', decoderIn, 4],
    ['text_encoder input_ids', ids, 2],
  ] as const) {
    if (info && info.shape.length > 0 && info.shape.length !== rank) {
      problems.push(`Expected ${what} to have ${rank} dimensions but it is ${shapeOf(info)}`);
    }
  }
  if (problems.length > 0) {
    throw layoutError(
      layout.dir,
      `The ONNX parts in ${layout.dir} do not fit together: ${problems.join('; ')}`,
      { problems },
    );
  }
  const guidanceInput = parts.unet.inputs.find((i) => i.name === 'timestep_cond');
  const guidanceSize = guidanceInput
    ? (dimAt(guidanceInput, -1) ?? layout.unet.time_cond_proj_dim ?? 256)
    : undefined;
  return {
    textEncoder: {
      idsName: 'input_ids',
      idsType: ids!.type as 'int32' | 'int64',
      outputName: hidden!.name,
      hiddenSize: textHidden,
    },
    unet: {
      floatType: sample!.type as FloatType,
      timestepType: timestep!.type as TimestepType,
      timestepDims:
        timestep!.shape.length === 0 ? 'scalar' : timestep!.shape[0] === 1 ? 'one' : 'batch',
      textType: text!.type as FloatType,
      outputName: noise!.name,
      ...(guidanceSize !== undefined ? { guidanceEmbeddingSize: guidanceSize } : {}),
    },
    vaeEncoder: {
      floatType: vaeIn!.type as FloatType,
      outputName: latents!.name,
      outputKind: parametersOut ? 'parameters' : 'sample',
    },
    vaeDecoder: {
      floatType: decoderIn!.type as FloatType,
      inputName: decoderIn!.name,
      outputName: decoded!.name,
    },
    latentChannels,
  };
}

/** SDXL-style conditioning inputs, or anything else the pipeline cannot fill. */
function refuseExtraUnetInputs(unet: PartIo, layout: DiffusersLayout, problems: string[]): void {
  const known = new Set(['sample', 'timestep', 'encoder_hidden_states', 'timestep_cond']);
  const extra = unet.inputs.map((i) => i.name).filter((n) => !known.has(n));
  if (extra.includes('text_embeds') || extra.includes('time_ids')) {
    throw layoutError(
      layout.dir,
      `Expected a Stable Diffusion 1.x / 2.x / SD-Turbo / LCM UNet in ${layout.dir} but it takes ${extra.join(', ')}: an SDXL UNet, which filterlab does not run`,
    );
  }
  if (extra.length > 0) {
    problems.push(
      `unet takes inputs filterlab does not know how to fill: ${extra.join(', ')} (known: ${[...known].join(', ')})`,
    );
  }
}

function findTensor(
  io: PartIo,
  part: OnnxPart,
  kind: 'input' | 'output',
  name: string,
  types: readonly TensorType[],
  problems: string[],
): TensorInfo | undefined {
  const list = kind === 'input' ? io.inputs : io.outputs;
  const info = list.find((i) => i.name === name);
  if (!info) {
    problems.push(
      `Expected ${ONNX_PARTS[part]} to have an ${kind} named ${name} but it has ${list.map((i) => i.name).join(', ') || 'none'}`,
    );
    return undefined;
  }
  if (!info.type || !types.includes(info.type as TensorType)) {
    problems.push(
      `Expected ${ONNX_PARTS[part]} ${kind} ${name} to be ${types.join(' or ')} but it is ${info.type}`,
    );
  }
  return info;
}

/** The output with one of `names`, else the first output (exports name them differently). */
function outputOf(io: PartIo, ...names: string[]): TensorInfo | undefined {
  return io.outputs.find((o) => names.includes(o.name)) ?? io.outputs[0];
}

/** A fixed dimension (negative index from the end), or undefined when symbolic or unknown. */
function dimAt(info: TensorInfo | undefined, index: number): number | undefined {
  if (!info || info.shape.length === 0) return undefined;
  const dim = info.shape.at(index);
  return typeof dim === 'number' && dim > 0 ? dim : undefined;
}

function shapeOf(info: TensorInfo | undefined): string {
  return info ? `[${info.shape.join(', ')}]` : '(missing)';
}

async function fileKey(file: string): Promise<string> {
  const info = await stat(file);
  return `file:${file}:${info.size}:${info.mtimeMs}`;
}
