/**
 * The built-in AI styles (filters/art-*.yaml over the converted models in models/): what a user
 * gets from a fresh clone, on real faces-dev photos, and at sizes the model cannot take as is.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, disposeContext, type Context } from '../../src/core/context.js';
import { compile, type Runner } from '../../src/core/filters/compile.js';
import { listBuiltinSpecs, loadFilter, type LoadedSpec } from '../../src/core/filters/load.js';
import { readImage } from '../../src/core/image/decode.js';
import { createImage, type Image } from '../../src/core/image/image.js';
import { ModelStore } from '../../src/core/models/store.js';
import { errorOf } from '../support/error-of.js';
import { FACES_DEV } from '../support/paths.js';

function meanAbsDiff(a: Image, b: Image): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return (255 * sum) / a.data.length;
}

function gradient(width: number, height: number): Image {
  const image = createImage(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      image.data[o] = x / width;
      image.data[o + 1] = y / height;
      image.data[o + 2] = 0.5;
    }
  return image;
}

describe('built-in AI styles', () => {
  let ctx: Context;
  let styles: LoadedSpec[];
  let wave: Runner;
  let photo: Image;

  beforeAll(async () => {
    ctx = createContext({ modelsDir: path.join(FACES_DEV, 'no-models-here') });
    styles = (await listBuiltinSpecs()).filter((s) => s.spec.tags.includes('ai'));
    wave = await compile((await loadFilter('art-wave')).spec, ctx);
    photo = (await readImage(path.join(FACES_DEV, 'S001185.jpg'))).image;
  });
  afterAll(() => disposeContext(ctx));

  it('are tagged ai, have strength, keep-face and working size, and a shipped model with its licence', async () => {
    expect(styles.length).toBeGreaterThan(0);
    const store = new ModelStore(path.join(FACES_DEV, 'no-models-here'));
    for (const { spec } of styles) {
      expect(Object.keys(spec.params), spec.id).toEqual(['strength', 'keep', 'size']);
      const step = spec.steps.find((s) => s.type === 'onnx.image') as unknown as { model: string };
      const model = await store.resolve(step.model);
      expect(model.manifest.license, spec.id).toBe('MIT');
      expect(model.manifest.files.map((f) => f.path).sort()).toEqual([
        'LICENSE',
        'PROVENANCE.md',
        'model.onnx',
      ]);
      expect(await readFile(path.join(model.dir, 'PROVENANCE.md'), 'utf8')).toMatch(
        /ml5js\/ml5-data-and-models at commit 0612a3e7/,
      );
    }
  });

  it('paint a real portrait, deterministically, at its size; strength 0 and no keep give it back', async () => {
    const a = (await wave.run(photo)).image;
    const b = (await wave.run(photo)).image;
    expect([a.width, a.height]).toEqual([photo.width, photo.height]);
    expect(meanAbsDiff(a, photo)).toBeGreaterThan(5);
    expect(meanAbsDiff(a, b)).toBe(0);
    const none = (await wave.run(photo, { params: { strength: 0, keep: 0 } })).image;
    expect(meanAbsDiff(none, photo)).toBeLessThan(0.01);
    // keep-face puts the person back: closer to the photo than the style alone
    const styleOnly = (await wave.run(photo, { params: { keep: 0 } })).image;
    expect(meanAbsDiff(a, photo)).toBeLessThan(meanAbsDiff(styleOnly, photo));
  });

  it('style a photo without a face, with no paste-back (documented fallback)', async () => {
    const noFace = (await readImage(path.join(FACES_DEV, 'hard_noface_coffee.jpg'))).image;
    const out = await wave.run(noFace, { params: { size: 192 } });
    const styleOnly = await wave.run(noFace, { params: { size: 192, keep: 0 } });
    expect(meanAbsDiff(out.image, styleOnly.image)).toBe(0);
    expect(meanAbsDiff(out.image, noFace)).toBeGreaterThan(5);
  });

  it('refuse a 1x1 photo and a 20000x8 strip with FL_ERR_IMAGE_TOO_SMALL', async () => {
    for (const [w, h] of [
      [1, 1],
      [20000, 8],
    ] as const) {
      const error = await errorOf(() => wave.run(gradient(w, h)));
      expect(error.code).toBe('FL_ERR_IMAGE_TOO_SMALL');
      expect(error.message).toContain(
        `at least 16 px on each side for model style-wave but received ${w}x${h}`,
      );
    }
  });

  it('run a 20000-px-wide panorama at the working size and return it at full size', async () => {
    const wide = gradient(20000, 40);
    const out = (await wave.run(wide, { params: { size: 256, keep: 0 } })).image;
    expect([out.width, out.height]).toEqual([20000, 40]);
    expect(meanAbsDiff(out, wide)).toBeGreaterThan(5);
  });
});
