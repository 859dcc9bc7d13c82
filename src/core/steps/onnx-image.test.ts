import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_FIXED64_GAINS } from '../../../scripts/fixtures/image-models.js';
import { FIXTURE_MODELS } from '../../../test/support/paths.js';
import { createContext, disposeContext, type Context } from '../context.js';
import { compile, type Runner } from '../filters/compile.js';
import { validateSpec } from '../filters/load.js';
import { createImage, type Image } from '../image/image.js';
import { cropImage, resizeImage } from '../image/resize.js';
import { readManifest, writeManifest, type ModelManifestInput } from '../models/manifest.js';
import { imageToTensor, tensorToImage } from '../tensor/image-tensor.js';
import { padImage } from '../tensor/letterbox.js';
import { runTiled } from '../tensor/tiles.js';
import { blend } from './blend.js';
import { maxAbsDiff } from '../../../test/support/max-abs-diff.js';

type ImageIoInput = NonNullable<ModelManifestInput['io']>;

function pattern(width: number, height: number): Image {
  const image = createImage(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      image.data[o] = 0.5 + 0.4 * Math.sin(x / 7);
      image.data[o + 1] = 0.5 + 0.4 * Math.cos(y / 5);
      image.data[o + 2] = ((x * 7 + y * 13) % 17) / 17;
    }
  return image;
}

function channelMean(image: Image, c: number): number {
  let sum = 0;
  for (let i = c; i < image.data.length; i += 3) sum += image.data[i]!;
  return sum / (image.data.length / 3);
}

/** tiny-fixed64 in plain code: depthwise smoothing with zero padding, then gains on B, G, R. */
function fixed64Reference(tile: Image): Image {
  const { width: w, height: h } = tile;
  const out = createImage(w, h);
  const gains = [TINY_FIXED64_GAINS[2], TINY_FIXED64_GAINS[1], TINY_FIXED64_GAINS[0]]; // RGB
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            const yy = y + dy;
            if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
            acc += tile.data[(yy * w + xx) * 3 + c]! * (dx === 0 && dy === 0 ? 0.5 : 1 / 16);
          }
        out.data[(y * w + x) * 3 + c] = Math.min(1, Math.max(0, acc * gains[c]!));
      }
  return out;
}

describe('onnx.image step', () => {
  let ctx: Context;
  let scratch: string;
  const runners: Runner[] = [];
  const build = async (step: Record<string, unknown>, baseDir?: string) => {
    const runner = await compile(
      validateSpec({ id: 'onnx-test', version: 1, steps: [{ type: 'onnx.image', ...step }] }),
      ctx,
      baseDir ? { baseDir } : {},
    );
    runners.push(runner);
    return runner;
  };
  const copyModel = async (id: string, name: string) => {
    const dir = path.join(scratch, name);
    await cp(path.join(FIXTURE_MODELS, id), dir, { recursive: true });
    await rm(path.join(dir, '.verified.json'), { force: true });
    return dir;
  };

  beforeAll(async () => {
    ctx = createContext({ modelsDir: FIXTURE_MODELS, logger: pino({ level: 'silent' }) });
    scratch = await mkdtemp(path.join(tmpdir(), 'fl-onnx-step-'));
  });
  afterAll(async () => {
    for (const r of runners) await r.dispose();
    await disposeContext(ctx);
    await rm(scratch, { recursive: true, force: true });
  });

  it('tiny-conv runs on any size in one pass, equal to the session run directly', async () => {
    const runner = await build({ model: 'tiny-conv' });
    const image = pattern(150, 100);
    const { image: out } = await runner.run(image);
    const model = await ctx.models.resolve('tiny-conv');
    const session = await ctx.onnx.session({ path: model.entry, hash: model.hash });
    const direct = await session.run({ image: imageToTensor(image) });
    expect(maxAbsDiff(out, tensorToImage(direct.output!))).toBe(0);
    expect(maxAbsDiff(out, image)).toBeGreaterThan(0.001);
  });

  it('tiny-fixed64 tiles a 150x100 image, matching a tile-by-tile reference', async () => {
    const runner = await build({ model: 'tiny-fixed64' });
    const image = pattern(150, 100);
    const tiles: number[] = [];
    const { image: out } = await runner.run(image, {
      onProgress: (p) => tiles.push(p.fraction),
    });
    expect([out.width, out.height]).toEqual([150, 100]);
    const expected = await runTiled(image, { size: 64, overlap: 8 }, async (t) =>
      fixed64Reference(t),
    );
    expect(maxAbsDiff(out, expected)).toBeLessThan(1e-5);
    expect(tiles.length).toBeGreaterThan(6); // start, one per tile (3 x 2), done
    // BGR: the model dims its first channel, which must be the photo's blue
    expect(channelMean(out, 2) / channelMean(image, 2)).toBeCloseTo(0.8, 1);
    expect(channelMean(out, 0) / channelMean(image, 0)).toBeCloseTo(1, 1);
  });

  it('tiny-fixed64 pads an image smaller than its tile and crops the result back', async () => {
    const runner = await build({ model: 'tiny-fixed64' });
    const { image: out } = await runner.run(pattern(30, 20));
    expect([out.width, out.height]).toEqual([30, 20]);
  });

  it('tiny-fixed64 letterboxes or resizes when asked', async () => {
    for (const fit of ['letterbox', 'resize']) {
      const runner = await build({ model: 'tiny-fixed64', fit });
      const image = pattern(150, 100);
      const { image: out } = await runner.run(image);
      expect([out.width, out.height]).toEqual([150, 100]);
      expect(channelMean(out, 2) / channelMean(image, 2)).toBeCloseTo(0.8, 1);
    }
  });

  it('tiny-upscale2x doubles the size, whole or tiled', async () => {
    const whole = await build({ model: 'tiny-upscale2x' });
    for (const [w, h] of [
      [150, 100],
      [33, 17],
    ] as const) {
      const { image: out } = await whole.run(pattern(w, h));
      expect([out.width, out.height]).toEqual([w * 2, h * 2]);
    }
    const tiled = await build({
      model: 'tiny-upscale2x',
      fit: 'tile',
      tile: { size: 64, overlap: 8 },
    });
    const image = pattern(150, 100);
    const a = (await whole.run(image)).image;
    const b = (await tiled.run(image)).image;
    expect(maxAbsDiff(a, b)).toBeLessThan(0.05); // only the seams differ, and only a little
  });

  it('blends the model output with the input by strength', async () => {
    const image = pattern(40, 30);
    const full = (await (await build({ model: 'tiny-conv' })).run(image)).image;
    const none = (await (await build({ model: 'tiny-conv', strength: 0 })).run(image)).image;
    const half = (await (await build({ model: 'tiny-conv', strength: 0.5 })).run(image)).image;
    expect(maxAbsDiff(none, image)).toBe(0);
    for (let i = 0; i < half.data.length; i++)
      expect(half.data[i]).toBeCloseTo((full.data[i]! + image.data[i]!) / 2, 5);

    const up = (await (await build({ model: 'tiny-upscale2x' })).run(image)).image;
    const upHalf = (await (await build({ model: 'tiny-upscale2x', strength: 0.5 })).run(image))
      .image;
    const base = resizeImage(image, 80, 60);
    const expected = blend(base, up, undefined, { invert: false, feather: 0, strength: 0.5 });
    expect(maxAbsDiff(upHalf, expected)).toBeLessThan(1e-6);
  });

  it('meets a multiple-of-8 size rule by edge padding and cropping back', async () => {
    const dir = await copyModel('tiny-conv', 'multiple8');
    const manifest = await readManifest(dir);
    await writeManifest(dir, {
      ...manifest,
      io: { size: { kind: 'multiple', of: 8 } },
      files: ['model.onnx'],
    });
    const runner = await build({ model: './multiple8' }, scratch);
    const image = pattern(30, 21);
    const { image: out } = await runner.run(image);
    expect([out.width, out.height]).toEqual([30, 21]);
    const model = await ctx.models.resolve('tiny-conv');
    const session = await ctx.onnx.session({ path: model.entry, hash: model.hash });
    const padded = await session.run({ image: imageToTensor(padImage(image, 32, 24)) });
    expect(maxAbsDiff(out, cropImage(tensorToImage(padded.output!), 0, 0, 30, 21))).toBe(0);
  });

  it('tiles images longer than maxSide, even a small one', async () => {
    const contracts: (ImageIoInput & { maxSide: number })[] = [
      { maxSide: 64 },
      { maxSide: 44, size: { kind: 'multiple', of: 8 } },
    ];
    for (const io of contracts) {
      const dir = await copyModel('tiny-conv', `max-${io.maxSide}`);
      await writeManifest(dir, { ...(await readManifest(dir)), io, files: ['model.onnx'] });
      const tiled = await build({ model: `./max-${io.maxSide}` }, scratch);
      const whole = await build({ model: 'tiny-conv' });
      const image = pattern(150, 101);
      const a = (await tiled.run(image)).image;
      expect([a.width, a.height]).toEqual([150, 101]);
      expect(maxAbsDiff(a, (await whole.run(image)).image)).toBeLessThan(0.02);
    }
  });

  it('reads the contract from the input shape when the manifest has none', async () => {
    const dir = await copyModel('tiny-fixed64', 'no-io');
    const { io: _io, ...manifest } = await readManifest(dir);
    await writeManifest(dir, { ...manifest, files: ['model.onnx'] });
    const runner = await build({ model: './no-io' }, scratch);
    const { image: out } = await runner.run(pattern(90, 60));
    expect([out.width, out.height]).toEqual([90, 60]);
  });

  it('shares one session between filters that use the same model and options', async () => {
    const fresh = createContext({ modelsDir: FIXTURE_MODELS, logger: pino({ level: 'silent' }) });
    try {
      const spec = validateSpec({
        id: 'x',
        version: 1,
        steps: [{ type: 'onnx.image', model: 'tiny-conv' }],
      });
      const a = await compile(spec, fresh);
      const b = await compile(spec, fresh);
      expect(fresh.onnx.cachedKeys).toHaveLength(1);
      const c = await compile(
        validateSpec({ ...spec, steps: [{ type: 'onnx.image', model: 'tiny-conv', threads: 1 }] }),
        fresh,
      );
      expect(fresh.onnx.cachedKeys).toHaveLength(2);
      expect(a.versionId).toBe(b.versionId);
      await Promise.all([a, b, c].map((r) => r.dispose()));
    } finally {
      await disposeContext(fresh);
    }
  });

  it('resolves a model by path relative to the spec', async () => {
    const dir = await copyModel('tiny-conv', 'by-path');
    const runner = await build({ model: './by-path' }, scratch);
    const byId = await build({ model: 'tiny-conv' });
    const image = pattern(20, 20);
    expect(maxAbsDiff((await runner.run(image)).image, (await byId.run(image)).image)).toBe(0);
    expect(dir).toContain('by-path');
  });

  it('refuses a model that is not installed', async () => {
    await expect(build({ model: 'anime-gan' })).rejects.toMatchObject({
      code: 'FL_ERR_MODEL_NOT_FOUND',
      message: expect.stringContaining('"anime-gan"'),
    });
    await expect(build({ model: './nowhere' }, scratch)).rejects.toMatchObject({
      code: 'FL_ERR_MODEL_NOT_FOUND',
    });
  });

  it('refuses a model whose file no longer matches its sha256', async () => {
    const dir = await copyModel('tiny-conv', 'tampered');
    const file = path.join(dir, 'model.onnx');
    const bytes = await readFile(file);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff; // same size, other content
    await writeFile(file, bytes);
    await expect(build({ model: './tampered' }, scratch)).rejects.toMatchObject({
      code: 'FL_ERR_MODEL_HASH',
      message: expect.stringMatching(/tiny-conv.*model\.onnx: expected sha256/),
    });
  });

  it('reports a corrupt .onnx with a valid manifest as FL_ERR_MODEL_LOAD', async () => {
    const dir = await copyModel('tiny-conv', 'corrupt');
    const manifest = await readManifest(dir);
    await writeFile(path.join(dir, 'model.onnx'), 'garbage, not an ONNX protobuf');
    await writeManifest(dir, { ...manifest, files: ['model.onnx'] });
    await expect(build({ model: './corrupt' }, scratch)).rejects.toMatchObject({
      code: 'FL_ERR_MODEL_LOAD',
      message: expect.stringContaining(path.join(dir, 'model.onnx')),
    });
  });

  it("changes the filter's versionId when the model's files change", async () => {
    const dir = await copyModel('tiny-conv', 'swapped');
    const before = await build({ model: './swapped' }, scratch);
    await rm(dir, { recursive: true });
    await copyModel('tiny-fixed64', 'swapped');
    const fresh = createContext({ modelsDir: FIXTURE_MODELS, logger: pino({ level: 'silent' }) });
    try {
      const after = await compile(
        validateSpec({
          id: 'onnx-test',
          version: 1,
          steps: [{ type: 'onnx.image', model: './swapped' }],
        }),
        fresh,
        { baseDir: scratch },
      );
      expect(after.versionId).not.toBe(before.versionId);
      await after.dispose();
    } finally {
      await disposeContext(fresh);
    }
  });
});
