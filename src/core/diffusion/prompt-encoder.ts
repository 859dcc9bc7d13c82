import type { OnnxSession } from '../runtime/onnx.js';
import { float16ToFloat32, float32ToFloat16 } from '../tensor/float16.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ClipTokenizer } from './clip-tokenizer.js';
import type { PartsContract } from './parts.js';

/**
 * Prompts to the UNet's encoder_hidden_states, as diffusers' _encode_prompt: each prompt padded
 * and truncated to the tokenizer's window (77), all of them through the text encoder in one
 * batch, last_hidden_state kept, converted to the float type the UNet declares.
 */

export interface EncodedPrompts {
  /** [prompts, window, hidden] in the UNet's encoder_hidden_states dtype. */
  embeddings: Tensor;
  /** One per truncated prompt, naming it by `labels`. */
  warnings: string[];
}

export async function encodePrompts(
  tokenizer: ClipTokenizer,
  session: OnnxSession,
  contract: PartsContract,
  prompts: readonly { label: string; text: string }[],
  signal?: AbortSignal,
): Promise<EncodedPrompts> {
  const window = tokenizer.maxLength;
  const ids = new Int32Array(prompts.length * window);
  const warnings: string[] = [];
  prompts.forEach(({ label, text }, i) => {
    const encoding = tokenizer.encode(text);
    ids.set(encoding.ids, i * window);
    if (encoding.warning) warnings.push(`${label}: ${encoding.warning}`);
  });
  const { idsName, idsType, outputName } = contract.textEncoder;
  const input: Tensor =
    idsType === 'int64'
      ? { type: 'int64', dims: [prompts.length, window], data: BigInt64Array.from(ids, BigInt) }
      : { type: 'int32', dims: [prompts.length, window], data: ids };
  const out = await session.run(
    { [idsName]: input },
    { outputs: [outputName], ...(signal ? { signal } : {}) },
  );
  return { embeddings: asType(out[outputName]!, contract.unet.textType), warnings };
}

function asType(t: Tensor, type: 'float32' | 'float16'): Tensor {
  if (t.type === type) return t;
  if (type === 'float16')
    return { type, dims: t.dims, data: float32ToFloat16(t.data as Float32Array) };
  return { type, dims: t.dims, data: float16ToFloat32(t.data as Uint16Array) };
}
