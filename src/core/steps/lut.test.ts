import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type Context } from '../context.js';
import { compile } from '../filters/compile.js';
import { validateSpec } from '../filters/load.js';
import { createImage, type Image } from '../image/image.js';
import { formatCube, lutFromFunction, parseCube } from './cube-lut.js';
import { applyLut } from './lut.js';
import { maxAbsDiff } from '../../../test/support/max-abs-diff.js';

/** Every colour on a 9-level grid plus off-grid values, as one row of pixels. */
function colours(): Image {
  const values: number[] = [];
  for (let r = 0; r <= 8; r++)
    for (let g = 0; g <= 8; g++) for (let b = 0; b <= 8; b++) values.push(r / 8, g / 8, b / 8);
  values.push(0.123, 0.456, 0.789, 0.999, 0.001, 0.5);
  return createImage(values.length / 3, 1, new Float32Array(values));
}

const identity = (size: number) => lutFromFunction(size, (r, g, b) => [r, g, b]);
const INTERPOLATIONS = ['trilinear', 'tetrahedral'] as const;

describe('applyLut', () => {
  for (const size of [2, 17]) {
    for (const interpolation of INTERPOLATIONS) {
      it(`an identity LUT of size ${size} is the identity (${interpolation})`, () => {
        const image = colours();
        const out = applyLut(image, identity(size), { interpolation, strength: 1 });
        expect(maxAbsDiff(out, image)).toBeLessThan(1e-5);
      });
    }
  }

  it('reproduces any linear colour map exactly, with both interpolations', () => {
    const swap = lutFromFunction(5, (r, g, b) => [b, 0.5 * g + 0.25, 1 - r]);
    const image = colours();
    for (const interpolation of INTERPOLATIONS) {
      const out = applyLut(image, swap, { interpolation, strength: 1 });
      for (let i = 0; i < image.data.length; i += 3) {
        expect(out.data[i]).toBeCloseTo(image.data[i + 2]!, 5);
        expect(out.data[i + 1]).toBeCloseTo(0.5 * image.data[i + 1]! + 0.25, 5);
        expect(out.data[i + 2]).toBeCloseTo(1 - image.data[i]!, 5);
      }
    }
  });

  it('hits grid colours exactly and stays close to a smooth grade between them', () => {
    const f = (v: number) => Math.sqrt(v);
    const lut = lutFromFunction(17, (r, g, b) => [f(r), f(g), f(b)]);
    const image = colours();
    for (const interpolation of INTERPOLATIONS) {
      const out = applyLut(image, lut, { interpolation, strength: 1 });
      for (let i = 0; i < image.data.length; i++) {
        const tolerance = image.data[i]! < 1 / 16 ? 0.07 : 0.01; // sqrt is steep near 0
        expect(Math.abs(out.data[i]! - f(image.data[i]!))).toBeLessThan(tolerance);
      }
    }
  });

  it('strength 0 is the identity and 0.5 is halfway', () => {
    const invert = lutFromFunction(3, (r, g, b) => [1 - r, 1 - g, 1 - b]);
    const image = colours();
    expect(
      maxAbsDiff(applyLut(image, invert, { interpolation: 'tetrahedral', strength: 0 }), image),
    ).toBe(0);
    const half = applyLut(image, invert, { interpolation: 'trilinear', strength: 0.5 });
    for (const v of half.data) expect(v).toBeCloseTo(0.5, 5);
  });

  it('clamps colours outside the domain and honours DOMAIN_MAX', () => {
    const lut = parseCube(
      ['LUT_3D_SIZE 2', 'DOMAIN_MAX 2 2 2', ...cubeRows(identity(2))].join('\n'),
    );
    const out = applyLut(createImage(1, 1, new Float32Array([1, 0.5, 3])), lut, {
      interpolation: 'trilinear',
      strength: 1,
    });
    // grid entries 0 and 1 sit at inputs 0 and 2: halves inputs, and 3 clamps to 2
    expect(Array.from(out.data)).toEqual([0.5, 0.25, 1]);
  });
});

function cubeRows(lut: ReturnType<typeof identity>): string[] {
  return formatCube(lut)
    .split('\n')
    .filter((l) => /^[0-9]/.test(l));
}

describe('parseCube', () => {
  it('reads title, size, comments and round-trips formatCube', () => {
    const lut = lutFromFunction(3, (r, g, b) => [r * 0.9, g, Math.min(1, b + 0.1)], 'Warm');
    const parsed = parseCube(`# a comment\n\n${formatCube(lut)}`);
    expect(parsed.title).toBe('Warm');
    expect(parsed.size).toBe(3);
    for (let i = 0; i < lut.data.length; i++) expect(parsed.data[i]).toBeCloseTo(lut.data[i]!, 4);
  });

  it('names the line of a parse error', () => {
    const bad = ['TITLE "x"', 'LUT_3D_SIZE 2', '0 0 0', '1 0', '0 1 0'].join('\n');
    expect(() => parseCube(bad, 'bad.cube')).toThrow(
      /^bad\.cube line 4: Expected 3 numbers but received "1 0"/,
    );
    expect(() => parseCube('LUT_3D_SIZE 2\nFOO 1', 'x.cube')).toThrow(
      /x\.cube line 2: Unknown keyword FOO/,
    );
    expect(() => parseCube('LUT_1D_SIZE 4', 'x.cube')).toThrow(/line 1: Expected a 3D LUT/);
    expect(() => parseCube('LUT_3D_SIZE 1', 'x.cube')).toThrow(
      /line 1: Expected LUT_3D_SIZE in 2\.\.256/,
    );
    expect(() => parseCube('LUT_3D_SIZE 2\n0 0 0', 'x.cube')).toThrow(
      /Expected 8 entries for LUT_3D_SIZE 2 but received 1/,
    );
    expect(() => parseCube('0 0 0', 'x.cube')).toThrow(/Expected a LUT_3D_SIZE line/);
    expect(() => parseCube(bad, 'bad.cube')).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_SPEC_INVALID',
        details: expect.objectContaining({ file: 'bad.cube', line: 4 }),
      }),
    );
  });
});

describe('lut step', () => {
  let dir: string;
  let ctx: Context;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fl-lut-'));
    ctx = createContext();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const spec = (file: string, extra = {}) =>
    validateSpec({ id: 'graded', version: 1, steps: [{ type: 'lut', file, ...extra }] });

  it('loads a .cube relative to the spec and records its hash in the versionId', async () => {
    await writeFile(
      path.join(dir, 'grade.cube'),
      formatCube(lutFromFunction(2, (r, g, b) => [1 - r, g, b])),
    );
    const a = await compile(spec('grade.cube'), ctx, { baseDir: dir });
    const out = await a.run(createImage(1, 1, new Float32Array([0.25, 0.5, 0.75])));
    expect(out.image.data[0]).toBeCloseTo(0.75, 5);
    await writeFile(path.join(dir, 'grade.cube'), formatCube(identity(2)));
    const b = await compile(spec('grade.cube'), ctx, { baseDir: dir });
    expect(b.versionId).not.toBe(a.versionId);
  });

  it('loads LUTs shipped with the package by builtin: name', async () => {
    const runner = await compile(spec('builtin:film-warm', { interpolation: 'trilinear' }), ctx);
    const out = await runner.run(createImage(2, 2, new Float32Array(12).fill(0.5)));
    expect(out.image.data.some((v) => Math.abs(v - 0.5) > 0.005)).toBe(true);
  });

  it('reports a missing or broken .cube file', async () => {
    await expect(compile(spec('missing.cube'), ctx, { baseDir: dir })).rejects.toMatchObject({
      code: 'FL_ERR_IO',
      message: expect.stringContaining(path.join(dir, 'missing.cube')),
    });
    await writeFile(path.join(dir, 'broken.cube'), 'LUT_3D_SIZE 2\n0 0 zero\n');
    await expect(compile(spec('broken.cube'), ctx, { baseDir: dir })).rejects.toThrow(
      /broken\.cube line 2/,
    );
  });
});
