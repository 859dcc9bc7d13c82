/**
 * The image pairs that the metric reference scripts (ssim_reference.py, sharpness_reference.py)
 * were run on, rebuilt byte for byte by the tests: 8-bit RGB made by formulas, and two
 * faces-dev portraits decoded by sharp (the same sharp that the tests load) with edits made
 * by formulas. Only the expected numbers are committed, never these pixels.
 */
import path from 'node:path';
import sharp from 'sharp';
import { FACES_DEV } from '../support/paths.js';

export interface MetricCase {
  name: string;
  description: string;
  width: number;
  height: number;
  /** Interleaved 8-bit RGB, width × height × 3. */
  a: Uint8Array;
  b: Uint8Array;
}

export async function buildMetricCases(): Promise<MetricCase[]> {
  const portrait = await decodeRgb8('B001231.jpg');
  const other = await decodeRgb8('B001239.jpg');
  return [
    {
      name: 'formula-64x48-noise',
      description: 'a 64x48 colour pattern vs the same plus seeded noise in [-24, 24] per channel',
      ...formulaPair(64, 48, (v, i) => v + noise(i, 24)),
    },
    {
      name: 'formula-37x29-shift',
      description:
        'a 37x29 (odd size) colour checkerboard of 5 px squares vs the same shifted right by 2 px',
      ...checkerShift(37, 29),
    },
    {
      name: 'formula-11x11-minimum',
      description:
        'the smallest size skimage accepts with sigma 1.5: an 11x11 pattern vs its negative blend',
      ...formulaPair(11, 11, (v) => Math.round(0.7 * v + 0.3 * (255 - v))),
    },
    {
      name: 'portrait-vs-other-portrait',
      description:
        'faces-dev B001231.jpg vs B001239.jpg (both 225x275), decoded by sharp to 8-bit RGB',
      width: portrait.width,
      height: portrait.height,
      a: portrait.data,
      b: other.data,
    },
    {
      name: 'portrait-vs-edit',
      description:
        'faces-dev B001231.jpg vs round(0.85 v + 25) plus seeded noise in [-6, 6], with a 3x3 box blur on the left half',
      width: portrait.width,
      height: portrait.height,
      a: portrait.data,
      b: editPortrait(portrait.data, portrait.width, portrait.height),
    },
  ];
}

async function decodeRgb8(
  file: string,
): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { data, info } = await sharp(path.join(FACES_DEV, file))
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${file}: expected 3 channels, got ${info.channels}`);
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** A deterministic value in [-amplitude, amplitude] for sample index i (integer hash). */
function noise(i: number, amplitude: number): number {
  let h = Math.imul(i + 1, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca77) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  return (h % (2 * amplitude + 1)) - amplitude;
}

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

function formulaPair(
  width: number,
  height: number,
  edit: (value: number, index: number) => number,
): { width: number; height: number; a: Uint8Array; b: Uint8Array } {
  const a = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      a[i] = (x * 5 + y * 3) % 256;
      a[i + 1] = (x * x + 7 * y) % 256;
      a[i + 2] = (x * y * 3 + 40) % 256;
    }
  }
  const b = a.map((v, i) => clamp8(edit(v, i)));
  return { width, height, a, b };
}

function checkerShift(
  width: number,
  height: number,
): { width: number; height: number; a: Uint8Array; b: Uint8Array } {
  const colour = (x: number, y: number): [number, number, number] =>
    (Math.floor(x / 5) + Math.floor(y / 5)) % 2 === 0 ? [230, 190, 150] : [40, 60, 110];
  const a = new Uint8Array(width * height * 3);
  const b = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      a.set(colour(x, y), 3 * (y * width + x));
      b.set(colour(x + 2, y), 3 * (y * width + x));
    }
  }
  return { width, height, a, b };
}

function editPortrait(src: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const i = 3 * (y * width + x) + c;
        let v = src[i]!;
        if (x < width / 2) {
          let total = 0;
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              const yy = Math.min(height - 1, Math.max(0, y + dy));
              const xx = Math.min(width - 1, Math.max(0, x + dx));
              total += src[3 * (yy * width + xx) + c]!;
            }
          }
          v = total / 9;
        }
        out[i] = clamp8(0.85 * v + 25 + noise(i, 6));
      }
    }
  }
  return out;
}
