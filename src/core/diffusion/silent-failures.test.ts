import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUnet, TINY_DIFFUSION_VARIANTS } from '../../../scripts/fixtures/tiny-diffusion.js';
import { OPSET } from '../../../scripts/fixtures/fixture-support.js';
import { errorOf } from '../../../test/support/error-of.js';
import { FIXTURE_MODELS } from '../../../test/support/paths.js';
import { attr, GraphBuilder } from '../onnx/graph-builder.js';
import { scanNodeOps } from '../onnx/node-scan.js';
import { DataType, encodeModel } from '../onnx/proto.js';
import { OnnxRuntime } from '../runtime/onnx.js';
import { float32ToFloat16 } from '../tensor/float16.js';
import { StableDiffusionPipeline } from './pipeline.js';

/**
 * What used to fail silently or cryptically on real exports: NaN/Inf outputs (black pixels),
 * GPU-only contrib operators (ORT's "Could not find an implementation" after a long load).
 */

let scratch: string;
let onnx: OnnxRuntime;
const logger = pino({ level: 'silent' });
const TURBO = TINY_DIFFUSION_VARIANTS.find((v) => v.id === 'tiny-sd-turbo')!;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'fl-diffusion-silent-'));
  onnx = new OnnxRuntime();
});

afterAll(async () => {
  await onnx.dispose();
  await rm(scratch, { recursive: true, force: true });
});

async function copyOf(variant: string, name: string): Promise<string> {
  const dir = path.join(scratch, name);
  await cp(path.join(FIXTURE_MODELS, variant), dir, { recursive: true });
  return dir;
}

describe('GPU-only contrib operators', () => {
  it('lists the nodes of an ONNX file without loading it', async () => {
    const nodes = await scanNodeOps(
      path.join(FIXTURE_MODELS, 'tiny-sd-turbo', 'unet', 'model.onnx'),
    );
    const ops = new Set(nodes.map((n) => n.opType));
    for (const op of ['Conv', 'Concat', 'Resize', 'Softmax', 'MatMul']) expect(ops).toContain(op);
    expect(nodes.every((n) => n.domain === '' && n.name !== '')).toBe(true);
  });

  it('are refused at load, naming the operator, the node, the part and what to do', async () => {
    const dir = await copyOf('tiny-sd-turbo', 'gpu-optimized');
    // What ORT's SD optimizer makes of a UNet's GroupNorm + SiLU for CUDA.
    const model = buildUnet(TURBO).toModel();
    model.opsetImport = [...(model.opsetImport ?? []), { domain: 'com.microsoft', version: 1 }];
    model.graph!.node!.push({
      name: 'GroupNorm_0',
      opType: 'GroupNorm',
      domain: 'com.microsoft',
      input: ['sample', 'conv_in.bias', 'conv_in.bias'],
      output: ['group_norm.unused'],
      attribute: [
        { name: 'groups', type: 2, i: 1 },
        { name: 'activation', type: 2, i: 1 },
        { name: 'epsilon', type: 1, f: 1e-5 },
      ],
    });
    await writeFile(path.join(dir, 'unet', 'model.onnx'), encodeModel(model));
    const e = await errorOf(() => StableDiffusionPipeline.load({ dir }, { onnx, logger }));
    expect(e.code).toBe('FL_ERR_DIFFUSION_LAYOUT');
    expect(e.message).toMatch(
      /com\.microsoft\.GroupNorm \(1 node, first "GroupNorm_0" in unet\/model\.onnx\)/,
    );
    expect(e.message).toMatch(/Re-export without optimization .*optimum-cli export onnx/);
  });
});

describe('NaN and infinite outputs', () => {
  it('stop the run with the component and the step named, instead of black pixels', async () => {
    const dir = await copyOf('tiny-sd-turbo', 'nan-unet');
    const g = new GraphBuilder('unet', { opset: OPSET });
    g.input('sample', 'float32', ['batch', 4, 'height', 'width']);
    g.input('timestep', 'float32', []);
    g.input('encoder_hidden_states', 'float32', ['batch', 'sequence', 32]);
    g.output('out_sample', 'float32', ['batch', 4, 'height', 'width']);
    g.initializer('far', new Float32Array([1000]), []);
    g.node('Sub', ['sample', 'far'], ['negative']);
    g.node('Sqrt', ['negative'], ['out_sample']); // NaN everywhere
    await writeFile(path.join(dir, 'unet', 'model.onnx'), g.toBytes());
    const sd = await StableDiffusionPipeline.load({ dir }, { onnx, logger });
    try {
      const e = await errorOf(() => sd.generate({ prompt: 'x', steps: 2 }));
      expect(e.code).toBe('FL_ERR_INFERENCE');
      expect(e.message).toMatch(
        /Expected finite values from unet at step 1 \(timestep 999\) but 256 of 256 are NaN or infinite: check the model files/,
      );
    } finally {
      await sd.dispose();
    }
  });

  it('name float16 overflow in a float16 VAE decoder and suggest float32', async () => {
    const dir = await copyOf('tiny-sd-fp16', 'fp16-overflow');
    const g = new GraphBuilder('vae_decoder', { opset: OPSET });
    g.input('latent_sample', 'float16', ['batch', 4, 'latent_height', 'latent_width']);
    g.output('sample', 'float16', ['batch', 3, 'height', 'width']);
    g.initializer('scales', new Float32Array([1, 1, 8, 8]), [4]);
    g.initializer('mix', new Float32Array(12).fill(1), [3, 4, 1, 1]);
    g.initializer('gain', float32ToFloat16(new Float32Array([60000])), []);
    g.node('Cast', ['latent_sample'], ['latent.f32'], { to: DataType.FLOAT });
    g.node('Resize', ['latent.f32', '', 'scales'], ['up'], { mode: 'nearest' });
    g.node('Conv', ['up', 'mix'], ['rgb'], { kernel_shape: attr.ints([1, 1]) });
    g.node('Cast', ['rgb'], ['rgb.f16'], { to: DataType.FLOAT16 });
    g.node('Mul', ['rgb.f16', 'gain'], ['sample']); // |x| > 1.1 overflows float16 to Inf
    await writeFile(path.join(dir, 'vae_decoder', 'model.onnx'), g.toBytes());
    const sd = await StableDiffusionPipeline.load({ dir }, { onnx, logger });
    try {
      const e = await errorOf(() => sd.generate({ prompt: 'x', steps: 1 }));
      expect(e.code).toBe('FL_ERR_INFERENCE');
      expect(e.message).toMatch(
        /Expected finite values from vae_decoder but \d+ of 12288 are NaN or infinite: vae_decoder is a float16 export.*use a float32 export/,
      );
    } finally {
      await sd.dispose();
    }
  });
});
