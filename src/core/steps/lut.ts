import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import { hashBytes } from '../image/decode.js';
import { createImage, type Image } from '../image/image.js';
import { packageRoot } from '../package-root.js';
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
  const scale = [0, 1, 2].map((c) => n / (lut.domainMax[c]! - lut.domainMin[c]!));
  const rgb = [0, 0, 0];
  const src = image.data;
  const dst = out.data;
  const k = o.strength;
  for (let p = 0; p < src.length; p += 3) {
    const x = clamp((src[p]! - lut.domainMin[0]) * scale[0]!, n);
    const y = clamp((src[p + 1]! - lut.domainMin[1]) * scale[1]!, n);
    const z = clamp((src[p + 2]! - lut.domainMin[2]) * scale[2]!, n);
    const x0 = Math.min(x | 0, n - 1);
    const y0 = Math.min(y | 0, n - 1);
    const z0 = Math.min(z | 0, n - 1);
    const fx = x - x0;
    const fy = y - y0;
    const fz = z - z0;
    const base = x0 * s1 + y0 * s2 + z0 * s3;
    for (let c = 0; c < 3; c++) {
      const at = (o: number) => data[base + o + c]!;
      const c000 = at(0);
      const c111 = at(s1 + s2 + s3);
      if (o.interpolation === 'tetrahedral') {
        let v: number;
        if (fx > fy) {
          if (fy > fz)
            v =
              c000 + fx * (at(s1) - c000) + fy * (at(s1 + s2) - at(s1)) + fz * (c111 - at(s1 + s2));
          else if (fx > fz)
            v =
              c000 + fx * (at(s1) - c000) + fz * (at(s1 + s3) - at(s1)) + fy * (c111 - at(s1 + s3));
          else
            v =
              c000 + fz * (at(s3) - c000) + fx * (at(s1 + s3) - at(s3)) + fy * (c111 - at(s1 + s3));
        } else {
          if (fz > fy)
            v =
              c000 + fz * (at(s3) - c000) + fy * (at(s2 + s3) - at(s3)) + fx * (c111 - at(s2 + s3));
          else if (fz > fx)
            v =
              c000 + fy * (at(s2) - c000) + fz * (at(s2 + s3) - at(s2)) + fx * (c111 - at(s2 + s3));
          else
            v =
              c000 + fy * (at(s2) - c000) + fx * (at(s1 + s2) - at(s2)) + fz * (c111 - at(s1 + s2));
        }
        rgb[c] = v;
      } else {
        const c00 = c000 + fx * (at(s1) - c000);
        const c10 = at(s2) + fx * (at(s1 + s2) - at(s2));
        const c01 = at(s3) + fx * (at(s1 + s3) - at(s3));
        const c11 = at(s2 + s3) + fx * (c111 - at(s2 + s3));
        const c0 = c00 + fy * (c10 - c00);
        const c1 = c01 + fy * (c11 - c01);
        rgb[c] = c0 + fz * (c1 - c0);
      }
    }
    dst[p] = src[p]! + k * (rgb[0]! - src[p]!);
    dst[p + 1] = src[p + 1]! + k * (rgb[1]! - src[p + 1]!);
    dst[p + 2] = src[p + 2]! + k * (rgb[2]! - src[p + 2]!);
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
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (cause) {
      throw new FilterlabError(
        'FL_ERR_IO',
        `Expected a .cube LUT file at ${file} but it cannot be read`,
        { cause },
      );
    }
    const lut = parseCube(bytes.toString('utf8'), file);
    env.addHash(`lut:${options.file}`, hashBytes(bytes));
    return { run: ({ input, options: o }) => ({ kind: 'image', image: applyLut(input, lut, o) }) };
  },
});
