import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../../test/support/cli.js';
import { FACES_DEV } from '../../../test/support/paths.js';
import { blurImage } from '../../core/image/blur.js';
import { readImage } from '../../core/image/decode.js';
import { encodeImage } from '../../core/image/encode.js';
import { cloneImage, type Image } from '../../core/image/image.js';
import { psnr } from '../../lab/metrics/psnr.js';
import { ssim } from '../../lab/metrics/ssim.js';
import { EXIT } from '../exit-codes.js';

const PORTRAIT = path.join(FACES_DEV, 'B001239.jpg');
let dir: string;

/** Multiply every channel by `gain`, clamped. */
function exposed(image: Image, gain: number): Image {
  const out = cloneImage(image);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.min(1, out.data[i]! * gain);
  return out;
}

async function savePng(name: string, image: Image): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, await encodeImage(image, { format: 'png' }));
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fl-cli-lab-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('filterlab metrics ciede2000', () => {
  it('prints the difference of Sharma, Wu & Dalal pair 1 (2.0425)', async () => {
    const r = await cli('metrics', 'ciede2000', '50', '2.6772', '-79.7751', '50', '0', '-82.7485');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toHaveLength(1);
    expect(Math.abs(Number(r.stdout[0]) - 2.0425)).toBeLessThan(1e-4);
  });

  it('pair 17 (a large hue difference) and a non-number', async () => {
    const r = await cli('metrics', 'ciede2000', '50', '2.5', '0', '73', '25', '-18');
    expect(Math.abs(Number(r.stdout[0]) - 27.1492)).toBeLessThan(1e-4);
    const bad = await cli('metrics', 'ciede2000', '50', 'x', '0', '50', '0', '0');
    expect(bad.code).toBe(EXIT.FAILED);
    expect(bad.stderr[0]).toMatch(/FL_ERR_INVALID_ARGUMENT: Expected six numbers/);
  });
});

describe('filterlab metrics on photos', () => {
  it('ssim --json: SSIM, PSNR and MSE, as the library computes them', async () => {
    const { image } = await readImage(PORTRAIT);
    const blurred = await savePng('blurred.png', blurImage(image, 2));
    const r = await cli('metrics', 'ssim', PORTRAIT, blurred, '--json');
    expect(r.code).toBe(EXIT.OK);
    const out = JSON.parse(r.stdout[0]!) as { ssim: number; psnr: number; mse: number };
    const { image: back } = await readImage(blurred);
    expect(out.ssim).toBeCloseTo(ssim(image, back).ssim, 12);
    expect(out.psnr).toBeCloseTo(psnr(image, back).psnr, 9);
    expect(out.ssim).toBeGreaterThan(0.5);
    expect(out.ssim).toBeLessThan(0.95);

    const same = JSON.parse(
      (await cli('metrics', 'ssim', PORTRAIT, PORTRAIT, '--json')).stdout[0]!,
    );
    expect(same).toEqual({ ssim: 1, psnr: null, mse: 0 });
    const plain = await cli('metrics', 'ssim', PORTRAIT, blurred);
    expect(Number(plain.stdout[0])).toBeCloseTo(out.ssim, 12);
  });

  it('ssim compares photos of different sizes after resizing the second', async () => {
    const { image } = await readImage(PORTRAIT);
    const half = await savePng(
      'half.png',
      (await import('../../core/image/resize.js')).resizeImage(image, 112, 138),
    );
    const r = await cli('metrics', 'ssim', PORTRAIT, half, '--json');
    expect(r.code).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout[0]!).ssim).toBeGreaterThan(0.7);
  });

  it('skin-shift --json: the signed lightness change of the facial skin', async () => {
    const { image } = await readImage(PORTRAIT);
    const lighter = await savePng('lighter.png', exposed(image, 1.15));
    const darker = await savePng('darker.png', exposed(image, 0.85));
    const up = await cli('metrics', 'skin-shift', PORTRAIT, lighter, '--json');
    expect(up.code).toBe(EXIT.OK);
    const l = JSON.parse(up.stdout[0]!) as Record<string, number>;
    expect(l.faces).toBe(1);
    expect(l.skinPixels).toBeGreaterThan(2000);
    expect(l.deltaL).toBeGreaterThan(2);
    expect(l.deltaE).toBeGreaterThan(2);
    const down = JSON.parse(
      (await cli('metrics', 'skin-shift', PORTRAIT, darker, '--json')).stdout[0]!,
    ) as Record<string, number>;
    expect(down.deltaL).toBeLessThan(-2);
    // the exposure change does not blur
    expect(down.sharpnessRatio).toBeGreaterThan(0.5);
    const text = await cli('metrics', 'skin-shift', PORTRAIT, lighter);
    expect(text.stdout[0]).toMatch(/^ΔE00 \d+\.\d{3} {2}ΔL\* \d+\.\d{3} {2}\(\d+ skin pixels\)$/);
  });

  it('skin-shift on a photo without a face exits 1 with FL_ERR_NO_FACE', async () => {
    const coffee = path.join(FACES_DEV, 'hard_noface_coffee.jpg');
    const r = await cli('metrics', 'skin-shift', coffee, coffee);
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.stderr[0]).toMatch(/FL_ERR_NO_FACE: Expected a face/);
  });
});

describe('filterlab dataset info', () => {
  it('prints counts per slice', async () => {
    const r = await cli('dataset', 'info', FACES_DEV);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout[0]).toMatch(/faces-dev: 72 photos, manifest [0-9a-f]{16}$/);
    expect(r.stdout).toContain('  gender: F 34, M 32, (none) 6');
    expect(r.stdout).toContain('  age_band: 60+ 27, 40-59 26, 20-39 12, (none) 7');
    expect(r.stdout).toContain('  perceived_tone: lighter 31, darker 18, medium 13, (none) 10');
    expect(r.stdout).toContain('  expected_faces: 1 67, 0 4, 6 1');
    expect(r.stdout).toContain('  age_at_photo: 37 distinct values');
    expect(r.stdout.find((l) => l.startsWith('  kind: '))).toMatch(/^ {2}kind: portrait 60, /);
    const json = JSON.parse((await cli('dataset', 'info', FACES_DEV, '--json')).stdout.join('\n'));
    expect(json).toMatchObject({ photos: 72, missing: [] });
    expect(json.counts.gender).toEqual({ F: 34, M: 32, '(none)': 6 });
    expect(json.counts.kind.portrait).toBe(60);
  });

  it('--tags adds auto-tags (estimates named as such), cached by photo hash', async () => {
    const photos = path.join(dir, 'tagged');
    const cache = path.join(dir, 'tag-cache');
    await (await import('node:fs/promises')).mkdir(photos);
    for (const f of ['B001231.jpg', 'hard_noface_coffee.jpg', 'hard_group_composite.jpg'])
      await copyFile(path.join(FACES_DEV, f), path.join(photos, f));
    const r = await cli('dataset', 'info', photos, '--tags', '--cache', cache, '--json');
    expect(r.code).toBe(EXIT.OK);
    const info = JSON.parse(r.stdout.join('\n'));
    expect(info.columns).toEqual([
      'face_count',
      'face_size',
      'light',
      'colour',
      'orientation',
      'est_age_band',
      'est_gender',
    ]);
    expect(info.counts.face_count).toEqual({ '0': 1, '1': 1, '3+': 1 });
    expect(info.counts.face_size.none).toBe(1);
    expect(info.counts.est_gender['unknown']).toBe(1);
    const cached = JSON.parse(await readFile(path.join(cache, 'autotags.json'), 'utf8'));
    expect(Object.keys(cached.tags)).toHaveLength(3);
    const again = await cli('dataset', 'info', photos, '--tags', '--cache', cache, '--json');
    expect(JSON.parse(again.stdout.join('\n')).counts).toEqual(info.counts);
  });
});
