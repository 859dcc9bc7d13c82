import { scanNodeOps, type NodeOp } from '../onnx/node-scan.js';
import type { ExecutionProvider } from '../runtime/onnx.js';
import { layoutError, ONNX_PARTS, type OnnxPart } from './layout.js';

/**
 * ONNX Runtime's contrib operators (domain com.microsoft) that only its GPU providers implement.
 * ORT's Stable Diffusion optimizer (onnxruntime.transformers.models.stable_diffusion
 * .optimize_pipeline, and `optimum-cli export onnx --optimize O3/O4`) fuses UNet and VAE blocks
 * into them for CUDA; the CPU provider then fails at session creation with "Could not find an
 * implementation for GroupNorm(1) node with name ...", after loading the whole file.
 * The contrib ops the CPU provider does have (Attention, MultiHeadAttention, FusedConv,
 * BiasGelu, FastGelu, SkipLayerNormalization, ...) pass.
 */
export const GPU_ONLY_CONTRIB_OPS: ReadonlySet<string> = new Set([
  'GroupNorm',
  'SkipGroupNorm',
  'NhwcConv',
  'BiasSplitGelu',
  'BiasAdd',
  'PackedAttention',
  'PackedMultiHeadAttention',
  'DecoderMaskedMultiHeadAttention',
]);

const CONTRIB_DOMAIN = 'com.microsoft';

export interface ContribNode extends NodeOp {
  part: OnnxPart;
}

/** The com.microsoft nodes of every part that the CPU provider cannot run. */
export async function findGpuOnlyNodes(
  files: Readonly<Record<OnnxPart, string>>,
): Promise<ContribNode[]> {
  const found: ContribNode[] = [];
  for (const part of Object.keys(ONNX_PARTS) as OnnxPart[]) {
    for (const node of await scanNodeOps(files[part])) {
      if (node.domain === CONTRIB_DOMAIN && GPU_ONLY_CONTRIB_OPS.has(node.opType)) {
        found.push({ part, ...node });
      }
    }
  }
  return found;
}

/**
 * Refuse, before any session is created, a folder whose parts need a GPU provider when only the
 * CPU one is asked for: the message names each operator, the first node using it and the part.
 */
export async function refuseGpuOnlyOps(
  dir: string,
  files: Readonly<Record<OnnxPart, string>>,
  providers: readonly ExecutionProvider[] = ['cpu'],
): Promise<void> {
  if (providers.some((p) => p !== 'cpu')) return; // a GPU provider may run them
  const nodes = await findGpuOnlyNodes(files);
  if (nodes.length === 0) return;
  const byOp = new Map<string, ContribNode[]>();
  for (const node of nodes) byOp.set(node.opType, [...(byOp.get(node.opType) ?? []), node]);
  const list = [...byOp.entries()]
    .map(
      ([op, uses]) =>
        `${CONTRIB_DOMAIN}.${op} (${uses.length} node${uses.length > 1 ? 's' : ''}, first ${JSON.stringify(uses[0]!.name)} in ${ONNX_PARTS[uses[0]!.part]})`,
    )
    .join('; ');
  throw layoutError(
    dir,
    `Expected ONNX parts that run on the CPU provider but ${dir} uses ONNX Runtime contrib operators ` +
      `that only its CUDA/DirectML providers implement: ${list}. This is an export optimized for a GPU ` +
      '(ORT optimize_pipeline, or optimum --optimize O3/O4). Re-export without optimization ' +
      '(`optimum-cli export onnx --model stabilityai/sd-turbo <folder>`), or run with a GPU execution provider',
    { nodes: nodes.map(({ part, name, opType }) => ({ part, name, opType })) },
  );
}
