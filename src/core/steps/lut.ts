import path from 'node:path';
import { z } from 'zod';
import { createImage, type Image } from '../image/image.js';
import { packageRoot } from '../package-root.js';
import { sha256Hex } from '../util/content-hash.js';
import { readBytes } from '../util/read-file.js';
import { parseCube, type Lut3d } from './cube-lut.js';
import { defineStep } from './step.js';

export const LutOptionsSchema = z.strictObject({
  /** A .cube file, relative to the spec; "builtin:<name>" names a LUT shipped in filters/luts. */
  file: z.string().min(1),
  interpolation: z.enum(['trilinear', 'tetrahedral']).default('tetrahedral'),
  /** 0 = original, 1 = full grade. */
  strength: z.number().min(0).max(1).default(1),
});
export type LutOptions = z.infer<typeof LutOptionsSchema>;

/**
 * Apply a 3D LUT. Tetrahedral interpolation splits each cube cell into six tetrahedra and
 * blends four corners (Kasson et al., 1995): smoother on greys than trilinear's eight.
 */
export function applyLut(
  image: Image,
  lut: Lut3d,
  o: Pick<LutOptions, 'interpolation' | 'strength'>,
): Image {
  const out = createImage(image.width, image.height);
  const { size, data } = lut;
  const n = size - 1;
  const s1 = 3;
  const s2 = size * 3;
  const s3 = size * size * 3;
  const [sx, sy, sz] = [0, 1, 2].map((c) => n / (lut.domainMax[c]! - lut.domainMin[c]!)) as [
    number,
    number,
    number,
  ];
  const [mx, my, mz] = lut.domainMin;
  const tetrahedral = o.interpolation === 'tetrahedral';
  const src = image.data;
  const dst = out.data;
  const k = o.strength;
  for (let p = 0; p < src.length; p += 3) {
    const x = clamp((src[p]! - mx) * sx, n);
    const y = clamp((src[p + 1]! - my) * sy, n);
    const z = clamp((src[p + 2]! - mz) * sz, n);
    const x0 = Math.min(x | 0, n - 1);
    const y0 = Math.min(y | 0, n - 1);
    const z0 = Math.min(z | 0, n - 1);
    const fx = x - x0;
    const fy = y - y0;
    const fz = z - z0;
    const base = x0 * s1 + y0 * s2 + z0 * s3;
    let r: number, g: number, b: number;
    if (tetrahedral) {
      // The cell's tetrahedron holding (fx, fy, fz): corners 000, a, b, 111 with weights w0..w3.
      let a: number, bb: number, w0: number, w1: number, w2: number, w3: number;
      if (fx > fy) {
        if (fy > fz) [a, bb, w0, w1, w2, w3] = [s1, s1 + s2, 1 - fx, fx - fy, fy - fz, fz];
        else if (fx > fz) [a, bb, w0, w1, w2, w3] = [s1, s1 + s3, 1 - fx, fx - fz, fz - fy, fy];
        else [a, bb, w0, w1, w2, w3] = [s3, s1 + s3, 1 - fz, fz - fx, fx - fy, fy];
      } else if (fz > fy) [a, bb, w0, w1, w2, w3] = [s3, s2 + s3, 1 - fz, fz - fy, fy - fx, fx];
      else if (fz > fx) [a, bb, w0, w1, w2, w3] = [s2, s2 + s3, 1 - fy, fy - fz, fz - fx, fx];
      else [a, bb, w0, w1, w2, w3] = [s2, s1 + s2, 1 - fy, fy - fx, fx - fz, fz];
      const i0 = base;
      const i1 = base + a;
      const i2 = base + bb;
      const i3 = base + s1 + s2 + s3;
      r = w0 * data[i0]! + w1 * data[i1]! + w2 * data[i2]! + w3 * data[i3]!;
      g = w0 * data[i0 + 1]! + w1 * data[i1 + 1]! + w2 * data[i2 + 1]! + w3 * data[i3 + 1]!;
      b = w0 * data[i0 + 2]! + w1 * data[i1 + 2]! + w2 * data[i2 + 2]! + w3 * data[i3 + 2]!;
    } else {
      const gx = 1 - fx;
      const gy = 1 - fy;
      const gz = 1 - fz;
      const w000 = gx * gy * gz;
      const w100 = fx * gy * gz;
      const w010 = gx * fy * gz;
      const w110 = fx * fy * gz;
      const w001 = gx * gy * fz;
      const w101 = fx * gy * fz;
      const w011 = gx * fy * fz;
      const w111 = fx * fy * fz;
      const lerp = (c: number) =>
        w000 * data[base + c]! +
        w100 * data[base + s1 + c]! +
        w010 * data[base + s2 + c]! +
        w110 * data[base + s1 + s2 + c]! +
        w001 * data[base + s3 + c]! +
        w101 * data[base + s1 + s3 + c]! +
        w011 * data[base + s2 + s3 + c]! +
        w111 * data[base + s1 + s2 + s3 + c]!;
      r = lerp(0);
      g = lerp(1);
      b = lerp(2);
    }
    dst[p] = src[p]! + k * (r - src[p]!);
    dst[p + 1] = src[p + 1]! + k * (g - src[p + 1]!);
    dst[p + 2] = src[p + 2]! + k * (b - src[p + 2]!);
  }
  return out;
}

function clamp(v: number, n: number): number {
  return v <= 0 ? 0 : v >= n ? n : v;
}

export function resolveLutPath(file: string, baseDir: string): string {
  if (file.startsWith('builtin:'))
    return path.join(packageRoot(), 'filters', 'luts', `${file.slice(8)}.cube`);
  return path.resolve(baseDir, file);
}

export const lutStep = defineStep({
  type: 'lut',
  summary: 'Colour grade through a 3D LUT (.cube), trilinear or tetrahedral, with strength',
  options: LutOptionsSchema,
  produces: 'image',
  async prepare(options, env) {
    const file = resolveLutPath(options.file, env.baseDir);
    const bytes = await readBytes(file, 'a .cube LUT file');
    const lut = parseCube(bytes.toString('utf8'), file);
    env.addHash(`lut:${options.file}`, sha256Hex(bytes));
    return { run: ({ input, options: o }) => ({ kind: 'image', image: applyLut(input, lut, o) }) };
  },
});
