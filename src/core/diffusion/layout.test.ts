import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTextEncoder,
  buildUnet,
  buildVaeDecoder,
  TINY_DIFFUSION_VARIANTS,
  TINY_VAE_CONFIG,
} from '../../../scripts/fixtures/tiny-diffusion.js';
import { FIXTURE_MODELS } from '../../../test/support/paths.js';
import { OnnxRuntime } from '../runtime/onnx.js';
import { readDiffusersLayout } from './layout.js';
import { StableDiffusionPipeline } from './pipeline.js';
import { errorOf } from '../../../test/support/error-of.js';

const TINY = path.join(FIXTURE_MODELS, 'tiny-sd');
const VARIANT = TINY_DIFFUSION_VARIANTS[0]!;

let scratch: string;
let onnx: OnnxRuntime;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'fl-layout-'));
  onnx = new OnnxRuntime();
});

afterAll(async () => {
  await onnx.dispose();
  await rm(scratch, { recursive: true, force: true });
});

/** A copy of tiny-sd to break. */
async function copy(name: string): Promise<string> {
  const dir = path.join(scratch, name);
  await cp(TINY, dir, { recursive: true });
  return dir;
}

describe('readDiffusersLayout', () => {
  it('reads an optimum-style export: configs, VAE factor and scaling factor', async () => {
    const layout = await readDiffusersLayout(TINY);
    expect(layout.vae).toEqual({
      scalingFactor: 0.18215,
      shiftFactor: 0,
      spatialFactor: 8, // 2^(len(block_out_channels) - 1)
      latentChannels: 4,
      source: 'vae_decoder/config.json',
    });
    expect(layout.schedulerConfig['_class_name']).toBe('EulerDiscreteScheduler');
    expect(layout.unet.sample_size).toBe(8);
    expect(layout.textEncoder.hidden_size).toBe(32);
    expect(layout.warnings).toEqual([]);
    expect(layout.files.unet).toBe(path.join(TINY, 'unet', 'model.onnx'));
  });

  it('takes the scaling factor and downsampling from the VAE config', async () => {
    const dir = await copy('sdxl-like-vae');
    const config = { ...TINY_VAE_CONFIG, scaling_factor: 0.13025, block_out_channels: [8, 8, 8] };
    for (const half of ['vae_encoder', 'vae_decoder'])
      await writeFile(path.join(dir, half, 'config.json'), JSON.stringify(config));
    const layout = await readDiffusersLayout(dir);
    expect(layout.vae.scalingFactor).toBe(0.13025);
    expect(layout.vae.spatialFactor).toBe(4);
  });

  it('assumes 0.18215 with a warning when no VAE config says', async () => {
    const layout = await readDiffusersLayout(path.join(FIXTURE_MODELS, 'tiny-sd-fp16'));
    expect(layout.vae.scalingFactor).toBe(0.18215);
    expect(layout.vae.source).toBeUndefined();
    expect(layout.warnings).toEqual([
      expect.stringMatching(/No VAE scaling_factor.*assuming 0\.18215/),
    ]);
  });

  it('names every missing part at once', async () => {
    const dir = await copy('missing');
    await rm(path.join(dir, 'unet', 'model.onnx'));
    await rm(path.join(dir, 'scheduler'), { recursive: true });
    await rm(path.join(dir, 'tokenizer', 'tokenizer.json'));
    await rm(path.join(dir, 'tokenizer', 'merges.txt'));
    const e = await errorOf(() => readDiffusersLayout(dir));
    expect(e.code).toBe('FL_ERR_DIFFUSION_LAYOUT');
    expect(e.message).toContain(
      'lacks unet/model.onnx, scheduler/scheduler_config.json, tokenizer/tokenizer.json (or vocab.json + merges.txt)',
    );
    expect(e.message).toContain('optimum-cli export onnx');
  });

  it('refuses a path that is not a folder, SDXL, an inpainting UNet and two VAE scaling factors', async () => {
    expect(
      (await errorOf(() => readDiffusersLayout(path.join(scratch, 'nowhere')))).message,
    ).toMatch(/Expected a diffusers ONNX folder at .*nowhere but there is no folder/);
    const sdxl = await copy('sdxl');
    await mkdir(path.join(sdxl, 'text_encoder_2'));
    expect((await errorOf(() => readDiffusersLayout(sdxl))).message).toMatch(
      /text_encoder_2.*SDXL/,
    );
    const inpaint = await copy('inpaint');
    await writeFile(path.join(inpaint, 'unet', 'config.json'), JSON.stringify({ in_channels: 9 }));
    expect((await errorOf(() => readDiffusersLayout(inpaint))).message).toMatch(
      /takes 9: an inpainting model/,
    );
    const mixed = await copy('mixed-vae');
    await writeFile(
      path.join(mixed, 'vae_encoder', 'config.json'),
      JSON.stringify({ ...TINY_VAE_CONFIG, scaling_factor: 0.13025 }),
    );
    expect((await errorOf(() => readDiffusersLayout(mixed))).message).toMatch(
      /one VAE scaling_factor .* vae_decoder\/config.json says 0.18215 and vae_encoder\/config.json says 0.13025/,
    );
  });

  it('reports a broken config file by name', async () => {
    const dir = await copy('bad-json');
    await writeFile(path.join(dir, 'model_index.json'), '{ nope');
    const e = await errorOf(() => readDiffusersLayout(dir));
    expect(e.code).toBe('FL_ERR_DIFFUSION_LAYOUT');
    expect(e.message).toMatch(/Expected JSON in .*model_index.json/);
  });
});

describe('loading a pipeline checks the parts against each other', () => {
  const load = (dir: string) => StableDiffusionPipeline.load({ dir }, { onnx });

  it('finds a text encoder whose hidden size the UNet does not take', async () => {
    const dir = await copy('hidden-mismatch');
    await writeFile(
      path.join(dir, 'text_encoder', 'model.onnx'),
      buildTextEncoder(VARIANT, { hidden: 16 }).toBytes(),
    );
    await rm(path.join(dir, 'text_encoder', 'config.json'));
    const e = await errorOf(() => load(dir));
    expect(e.code).toBe('FL_ERR_DIFFUSION_LAYOUT');
    expect(e.message).toMatch(
      /text_encoder makes hidden states of size 16 \(\[batch, 77, 16\]\) but unet's encoder_hidden_states takes size 32 .*different models/,
    );
  });

  it('finds a VAE decoder for other latents than the UNet denoises', async () => {
    const dir = await copy('channel-mismatch');
    await writeFile(
      path.join(dir, 'vae_decoder', 'model.onnx'),
      buildVaeDecoder(VARIANT, { latentChannels: 16 }).toBytes(),
    );
    const e = await errorOf(() => load(dir));
    expect(e.message).toMatch(/unet denoises 4-channel latents .* vae_decoder decodes 16 channels/);
  });

  it('refuses an inpainting UNet found only in the ONNX file', async () => {
    const dir = await copy('inpaint-onnx');
    await writeFile(
      path.join(dir, 'unet', 'model.onnx'),
      buildUnet(VARIANT, { latentChannels: 9 }).toBytes(),
    );
    await rm(path.join(dir, 'unet', 'config.json'));
    expect((await errorOf(() => load(dir))).message).toMatch(/takes 9: an inpainting model/);
  });

  it('names a part whose tensors have other names', async () => {
    const dir = await copy('renamed');
    // a UNet put where the VAE decoder belongs: its input is "sample", not "latent_sample"
    await cp(path.join(dir, 'unet', 'model.onnx'), path.join(dir, 'vae_decoder', 'model.onnx'));
    const e = await errorOf(() => load(dir));
    expect(e.message).toMatch(
      /Expected vae_decoder\/model.onnx to have an input named latent_sample but it has sample, timestep, encoder_hidden_states/,
    );
  });

  it('loads a folder whose scheduler filterlab lacks, and asks runs to name one', async () => {
    const dir = await copy('pndm');
    const config = {
      _class_name: 'PNDMScheduler',
      beta_schedule: 'scaled_linear',
      skip_prk_steps: true,
    };
    await writeFile(path.join(dir, 'scheduler', 'scheduler_config.json'), JSON.stringify(config));
    const pipeline = await load(dir);
    try {
      const e = await errorOf(() => pipeline.generate({ prompt: 'x', steps: 1 }));
      expect(e.message).toMatch(
        /names "PNDMScheduler"; choose one to run on the same config: euler, euler-ancestral, ddim, lcm, dpm\+\+2m/,
      );
      const result = await pipeline.generate({ prompt: 'x', steps: 1, scheduler: 'euler' });
      expect(result.images).toHaveLength(1);
    } finally {
      await pipeline.dispose();
    }
  });

  it('refuses a scheduler config with bad values before opening any session', async () => {
    const dir = await copy('bad-scheduler');
    const config = { _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'sideways' };
    await writeFile(path.join(dir, 'scheduler', 'scheduler_config.json'), JSON.stringify(config));
    const e = await errorOf(() => load(dir));
    expect(e.code).toBe('FL_ERR_CONFIG');
    expect(e.message).toMatch(/timestep_spacing: Expected one of leading, trailing, linspace/);
    expect(onnx.cachedKeys.filter((k) => k.includes(dir))).toEqual([]);
  });

  it('releases the sessions it opened when the parts do not fit', async () => {
    const dir = await copy('released');
    await writeFile(
      path.join(dir, 'text_encoder', 'model.onnx'),
      buildTextEncoder(VARIANT, { hidden: 16 }).toBytes(),
    );
    await errorOf(() => load(dir));
    expect(onnx.cachedKeys.filter((k) => k.includes(dir))).toEqual([]);
  });
});
