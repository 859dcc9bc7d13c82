import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../../test/support/cli.js';
import { FACES_DEV } from '../../../test/support/paths.js';
import { blurImage } from '../../core/image/blur.js';
import { readImage } from '../../core/image/decode.js';
import { encodeImage } from '../../core/image/encode.js';
import { cloneImage, type Image } from '../../core/image/image.js';
import { resizeImage } from '../../core/image/resize.js';
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
    const json = await cli(
      'metrics',
      'ciede2000',
      '50',
      '2.6772',
      '-79.7751',
      '50',
      '0',
      '-82.7485',
      '--json',
    );
    expect(json.code).toBe(EXIT.OK);
    expect(
      Math.abs((JSON.parse(json.stdout[0]!) as { deltaE: number }).deltaE - 2.0425),
    ).toBeLessThan(1e-4);
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

  it('ssim refuses images of different sizes rather than scoring a resampling', async () => {
    const { image } = await readImage(PORTRAIT);
    const half = await savePng('half.png', resizeImage(image, 112, 138));
    const r = await cli('metrics', 'ssim', PORTRAIT, half, '--json');
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.stdout).toEqual([]);
    expect(r.stderr[0]).toMatch(
      /FL_ERR_INVALID_ARGUMENT: Expected two images of the same size but received 225x275 .* and 112x138/,
    );
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
