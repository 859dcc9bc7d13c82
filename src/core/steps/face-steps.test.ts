/**
 * The face and person steps, each run by its type through compile() on real faces-dev photos
 * with the real models (one Context, so the models load once for the file).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../../test/support/paths.js';
import { createContext, disposeContext, type Context } from '../context.js';
import { mirror } from '../faces/__fixtures__/faces-dev.js';
import { compareFaces, SAME_PERSON_THRESHOLD } from '../faces/face-embedder.js';
import { FaceModels } from '../faces/face-models.js';
import type { Face, Point3 } from '../faces/face.js';
import { MESH } from '../faces/mesh-indices.js';
import { compile, type RunResult } from '../filters/compile.js';
import { validateSpec } from '../filters/load.js';
import { readImage } from '../image/decode.js';
import { fillHoles } from '../faces/find-person.js';
import { createMask, type Image, type Mask } from '../image/image.js';

let ctx: Context;
let portrait: Image;
let group: Image;
let cat: Image;
let lowlight: Image;
const load = async (file: string) => (await readImage(path.join(FACES_DEV, file))).image;

beforeAll(async () => {
  ctx = createContext();
  [portrait, group, cat, lowlight] = await Promise.all([
    load('B001239.jpg'),
    load('hard_group_composite.jpg'),
    load('hard_noface_cat.jpg'),
    load('hard_lowlight_C001049.jpg'),
  ]);
});
afterAll(() => disposeContext(ctx));

async function run(steps: Record<string, unknown>[], image: Image, c = ctx): Promise<RunResult> {
  const runner = await compile(validateSpec({ id: 'face-test', version: 1, steps }), c);
  return runner.run(image);
}

const pixel = (image: Image, [x, y]: readonly number[]) => {
  const i = (Math.floor(y!) * image.width + Math.floor(x!)) * 3;
  return Array.from(image.data.subarray(i, i + 3));
};
const maskAt = (mask: Mask, [x, y]: readonly number[]) =>
  mask.data[Math.floor(y!) * mask.width + Math.floor(x!)]!;
const centre = (lm: Point3[], ids: readonly number[]): [number, number] => [
  ids.reduce((a, i) => a + lm[i]![0], 0) / ids.length,
  ids.reduce((a, i) => a + lm[i]![1], 0) / ids.length,
];
/** Points inside the face that are well away from the oval's edge. */
const innerPoints = (f: Face) => {
  const lm = f.landmarks!;
  return [1, 205, 425, 151, 13]
    .map((i) => lm[i]!)
    .concat([
      [...centre(lm, MESH.rightEye), 0] as Point3,
      [...centre(lm, MESH.leftEye), 0] as Point3,
    ]);
};

describe('face.detect', () => {
  it('finds the face of a portrait with a box, a score and 6 keypoints', async () => {
    const r = await run([{ type: 'face.detect' }], portrait);
    const v = r.values.get('faces');
    expect(v).toMatchObject({ kind: 'faces', width: 225, height: 275 });
    const faces = r.values.faces('faces');
    expect(faces).toHaveLength(1);
    const [x, y, w, h] = faces[0]!.box;
    expect(w).toBeGreaterThan(80);
    expect(x + w / 2).toBeGreaterThan(80);
    expect(x + w / 2).toBeLessThan(145);
    expect(y + h).toBeLessThan(275);
    expect(faces[0]!.score).toBeGreaterThan(0.8);
    expect(faces[0]!.keypoints).toHaveLength(6);
    // The image passes through unchanged.
    expect(r.image).toBe(portrait);
  });

  it('finds every face of the group, and minSize drops the small one', async () => {
    expect((await run([{ type: 'face.detect' }], group)).values.faces('faces')).toHaveLength(6);
    // The smallest face is 88 px wide in 1133: below 0.1 of the long side and below 100 px of 1024.
    for (const minSize of [0.1, 100]) {
      const faces = (await run([{ type: 'face.detect', minSize }], group)).values.faces('faces');
      expect(faces, `minSize ${minSize}`).toHaveLength(5);
      for (const f of faces) expect(f.box[2]).toBeGreaterThan(110);
    }
  });

  it('ends a run on a photo without a face with FL_ERR_NO_FACE, unless not required', async () => {
    await expect(run([{ type: 'face.detect' }], cat)).rejects.toMatchObject({
      code: 'FL_ERR_NO_FACE',
      message: 'No face found in the photo (451x300): this filter needs one',
    });
    const r = await run([{ type: 'face.detect', required: false }], cat);
    expect(r.values.faces('faces')).toEqual([]);
  });

  it('declares the face requirement, unless not required', async () => {
    const spec = (required: boolean) =>
      validateSpec({ id: 'x', version: 1, steps: [{ type: 'face.detect', required }] });
    expect((await compile(spec(true), ctx)).requires).toEqual(['face']);
    expect((await compile(spec(false), ctx)).requires).toEqual([]);
  });

  it('puts a hash of the face model files in the version id', async () => {
    const other = createContext();
    await other.resources.get(
      'face-models',
      async () => new FaceModels({ detector: 'facemesh-detection-short' }),
    );
    const spec = validateSpec({ id: 'x', version: 1, steps: [{ type: 'face.detect' }] });
    const a = await compile(spec, ctx);
    const b = await compile(spec, other);
    expect(a.versionId).toBe((await compile(spec, ctx)).versionId);
    expect(a.versionId).not.toBe(b.versionId);
    const models = await ctx.resources.get('face-models', async () => new FaceModels());
    expect(await models.modelHash('detector')).toMatch(/^[0-9a-f]{64}$/);
    await disposeContext(other);
  });
});

describe('face.landmarks, face.embed, face.attributes', () => {
  it('add the mesh, identity vectors and estimates to every face', async () => {
    const r = await run(
      [
        { type: 'face.detect' },
        { type: 'face.landmarks' },
        { type: 'face.embed' },
        { type: 'face.attributes', output: 'tagged' },
      ],
      group,
    );
    const faces = r.values.faces('tagged');
    expect(faces).toHaveLength(6);
    for (const f of faces) {
      expect(f.landmarks).toHaveLength(468);
      const [x, y, w, h] = f.box;
      const [nx, ny] = f.landmarks![1]!;
      expect(nx).toBeGreaterThan(x);
      expect(nx).toBeLessThan(x + w);
      expect(ny).toBeGreaterThan(y);
      expect(ny).toBeLessThan(y + h);
      const norm = Math.hypot(...f.embedding!);
      expect(norm).toBeCloseTo(1, 4);
      expect(f.attributes!.ageEstimate).toBeGreaterThan(15);
      expect(f.attributes!.ageEstimate).toBeLessThan(95);
      expect(f.attributes!.femaleEstimate).toBeGreaterThanOrEqual(0);
      expect(f.attributes!.femaleEstimate).toBeLessThanOrEqual(1);
    }
    // Six different people: every pair is below the same-person threshold.
    for (let i = 0; i < 6; i++)
      for (let j = i + 1; j < 6; j++)
        expect(compareFaces(faces[i]!.embedding!, faces[j]!.embedding!)).toBeLessThan(
          SAME_PERSON_THRESHOLD,
        );
  });

  it('detect for themselves when no faces value exists; the mirror is the same person', async () => {
    const embed = async (image: Image) =>
      (await run([{ type: 'face.embed' }], image)).values.faces('faces')[0]!;
    const a = await embed(portrait);
    expect(a.landmarks).toHaveLength(468);
    const b = await embed(mirror(portrait));
    expect(compareFaces(a.embedding!, b.embedding!)).toBeGreaterThan(SAME_PERSON_THRESHOLD);
    const tags = (await run([{ type: 'face.attributes' }], portrait)).values.faces('faces');
    // labels.csv: M; the estimate agrees.
    expect(tags[0]!.attributes!.genderEstimate).toBe('M');
  });

  it('use a faces value of another size, scaled to the input', async () => {
    const r = await run(
      [
        { type: 'face.detect' },
        { type: 'resize', width: 450, height: 550, fit: 'fill', output: 'big' },
        { type: 'face.landmarks', input: 'big', output: 'big-faces' },
      ],
      portrait,
    );
    const small = r.values.faces('faces')[0]!;
    const big = r.values.faces('big-faces')[0]!;
    expect(big.box[2]).toBeCloseTo(small.box[2] * 2, 3);
    expect(r.values.get('big-faces')).toMatchObject({ width: 450, height: 550 });
  });
});

describe('face.align and face.paste', () => {
  it('cut the main face out and paste a processed crop back through a feathered mask', async () => {
    const r = await run(
      [
        { type: 'face.detect' },
        { type: 'face.align', size: 256, output: 'crop' },
        { type: 'tone', input: 'crop', output: 'bright', exposure: 1 },
        { type: 'face.paste', crop: 'bright' },
      ],
      portrait,
    );
    const crop = r.values.image('crop');
    expect([crop.width, crop.height]).toEqual([256, 256]);
    const face = r.values.faces('faces')[0]!;
    const [x, y, w, h] = face.box;
    const nose = [x + w / 2, y + h / 2];
    expect(pixel(r.image, nose)[1]!).toBeGreaterThan(pixel(portrait, nose)[1]! + 0.05);
    // Far from the face nothing changes.
    expect(pixel(r.image, [3, 3])).toEqual(pixel(portrait, [3, 3]));
    expect(pixel(r.image, [220, 270])).toEqual(pixel(portrait, [220, 270]));
  });

  it('say which face is missing when an index is out of range', async () => {
    await expect(run([{ type: 'face.align', face: 3 }], portrait)).rejects.toMatchObject({
      code: 'FL_ERR_NO_FACE',
      message: expect.stringContaining('Expected face #3 but the photo (225x275) has 1'),
    });
  });
});

describe('segment.person', () => {
  it('makes a soft person mask at the input resolution', async () => {
    const r = await run([{ type: 'segment.person', output: 'person' }], portrait);
    const mask = r.values.mask('person');
    expect([mask.width, mask.height]).toEqual([225, 275]);
    expect(maskAt(mask, [112, 130])).toBeGreaterThan(0.9);
    expect(maskAt(mask, [112, 260])).toBeGreaterThan(0.9);
    expect(maskAt(mask, [5, 5])).toBeLessThan(0.1);
    expect(maskAt(mask, [220, 5])).toBeLessThan(0.1);
    expect(mask.data.some((v) => v > 0.05 && v < 0.95)).toBe(true);
  });

  it('says "no person" for the cat (an all-0 mask, or FL_ERR_NO_FACE when required)', async () => {
    const r = await run([{ type: 'segment.person', output: 'person' }], cat);
    expect(r.values.mask('person').data.every((v) => v === 0)).toBe(true);
    await expect(
      run([{ type: 'segment.person', output: 'person', required: true }], cat),
    ).rejects.toMatchObject({ code: 'FL_ERR_NO_FACE', message: /No person found/ });
  });
});

describe('fillHoles', () => {
  it('fills background enclosed by the person, not background joined to the border', () => {
    // 7x5: a person ring (1) with a hole (0) at its centre; a notch open to the top border.
    const rows = ['0001000', '0111110', '0110110', '0111110', '0000000'];
    const mask = createMask(
      7,
      5,
      Float32Array.from(rows.join(''), (c) => Number(c)),
    );
    const filled = fillHoles(mask);
    expect(filled.data[2 * 7 + 3]).toBe(1);
    expect(filled.data[0]).toBe(0);
    expect(filled.data[2]).toBe(0);
  });
});

describe('face.skin', () => {
  it('masks the skin of all six faces of the group, without eyes and mouths', async () => {
    const r = await run(
      [{ type: 'face.detect' }, { type: 'face.landmarks' }, { type: 'face.skin', output: 'skin' }],
      group,
    );
    const mask = r.values.mask('skin');
    const faces = r.values.faces('faces');
    expect(faces).toHaveLength(6);
    for (const f of faces) {
      const lm = f.landmarks!;
      // Cheeks (205, 425), under the eyes (118, 347), forehead (151), nose tip (1).
      for (const i of [205, 425, 118, 347, 151, 1])
        expect(maskAt(mask, lm[i]!)).toBeGreaterThan(0.9);
      for (const ids of [MESH.rightEye, MESH.leftEye, MESH.lipsOuter])
        expect(maskAt(mask, centre(lm, ids))).toBeLessThan(0.05);
    }
    expect(maskAt(mask, [2, 2])).toBe(0);
  });

  it('computes the landmarks itself from bare detections', async () => {
    const r = await run([{ type: 'face.detect' }, { type: 'face.skin' }], portrait);
    const mask = r.values.mask('mask');
    expect(mask.data.filter((v) => v > 0.9).length).toBeGreaterThan(2000);
  });
});

describe('face.keep', () => {
  it('at strength 1 puts every original face back and leaves the rest stylised', async () => {
    const r = await run(
      [
        { type: 'face.detect' },
        { type: 'face.landmarks' },
        { type: 'tone', saturation: -1, contrast: 0.5 },
        { type: 'face.keep', strength: 1 },
      ],
      group,
    );
    const faces = r.values.faces('faces');
    expect(faces).toHaveLength(6);
    for (const f of faces) {
      for (const p of innerPoints(f)) {
        const got = pixel(r.image, p);
        const want = pixel(group, p);
        for (let c = 0; c < 3; c++) expect(got[c]!).toBeCloseTo(want[c]!, 5);
      }
    }
    // The backdrop above the faces stays grey (stylised).
    const corner = pixel(r.image, [300, 10]);
    expect(corner[0]).toBeCloseTo(corner[2]!, 5);
    expect(pixel(r.image, [300, 10])).not.toEqual(pixel(group, [300, 10]));
  });

  it('blends by strength and detects faces on the original itself', async () => {
    const r = await run(
      [
        { type: 'tone', exposure: -2 },
        { type: 'face.keep', strength: 0.5 },
      ],
      portrait,
    );
    const nose = [112, 130];
    const dark = (await run([{ type: 'tone', exposure: -2 }], portrait)).image;
    const want = (pixel(dark, nose)[1]! + pixel(portrait, nose)[1]!) / 2;
    expect(pixel(r.image, nose)[1]!).toBeCloseTo(want, 4);
  });

  it('keeps the bare scalp, forehead and neck too, not only the oval (bald, darker and lighter)', async () => {
    for (const file of ['C000984.jpg', 'B001239.jpg']) {
      const photo = await load(file);
      const look = [{ type: 'tone', saturation: 0.6, temperature: 0.5 }];
      const [head, oval] = await Promise.all(
        (['head', 'face'] as const).map((region) =>
          run([...look, { type: 'face.keep', strength: 1, region }], photo),
        ),
      );
      const lm = (await run([{ type: 'face.landmarks' }], photo)).values.faces('faces')[0]!
        .landmarks!;
      const width = Math.hypot(lm[454]![0] - lm[234]![0], lm[454]![1] - lm[234]![1]);
      // Above the oval's top (landmark 10) on the forehead/scalp; below the chin (152) on the neck.
      const forehead = [lm[10]![0], lm[10]![1] - 0.1 * width];
      const neck = [lm[152]![0], lm[152]![1] + 0.2 * width];
      for (const p of [forehead, neck]) {
        const want = pixel(photo, p);
        const gap = (img: Image) =>
          Math.max(...pixel(img, p).map((v, c) => Math.abs(v - want[c]!)));
        expect(gap(head!.image)).toBeLessThan(0.03);
        // Through the oval alone that skin keeps the look: the band the head region removes.
        expect(gap(oval!.image)).toBeGreaterThan(0.05);
      }
      // The backdrop keeps the look.
      expect(pixel(head!.image, [4, 4])).not.toEqual(pixel(photo, [4, 4]));
    }
  });

  it('does nothing on a photo without a face when not required', async () => {
    const dark = (await run([{ type: 'tone', exposure: -1 }], cat)).image;
    const r = await run(
      [
        { type: 'tone', exposure: -1 },
        { type: 'face.keep', required: false },
      ],
      cat,
    );
    expect(Array.from(r.image.data)).toEqual(Array.from(dark.data));
    await expect(run([{ type: 'face.keep' }], cat)).rejects.toMatchObject({
      code: 'FL_ERR_NO_FACE',
    });
  });
});

describe('tone.auto', () => {
  /** Mean [R, G] over the skin of `reference`'s faces. */
  const skinMean = async (image: Image, reference: Image) => {
    const mask = (await run([{ type: 'face.skin', output: 'skin' }], reference)).values.mask(
      'skin',
    );
    const sum = [0, 0];
    let w = 0;
    for (let i = 0; i < mask.data.length; i++) {
      sum[0]! += mask.data[i]! * image.data[i * 3]!;
      sum[1]! += mask.data[i]! * image.data[i * 3 + 1]!;
      w += mask.data[i]!;
    }
    return sum.map((v) => v / w) as [number, number];
  };

  it('brightens the face of a low-light photo and cuts its red cast', async () => {
    const out = (await run([{ type: 'tone.auto' }], lowlight)).image;
    const [r0, g0] = await skinMean(lowlight, lowlight);
    const [r1, g1] = await skinMean(out, lowlight);
    expect(g1).toBeGreaterThan(g0 * 1.8);
    expect(r1 / g1).toBeLessThan(r0 / g0);
  });

  it('leaves a well-exposed, well-balanced portrait as it is', async () => {
    expect((await run([{ type: 'tone.auto' }], portrait)).image).toBe(portrait);
  });

  it('falls back to whole-image measures without a face, and keeps greyscale grey', async () => {
    const runner = await compile(
      validateSpec({ id: 'a', version: 1, steps: [{ type: 'tone.auto' }] }),
      ctx,
    );
    expect(runner.requires).toEqual([]);
    const out = (await runner.run(cat)).image;
    expect(out.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    const grey = await load('hard_gray_A000370.jpg');
    const g = (await runner.run(grey)).image;
    for (let i = 0; i < g.data.length; i += 3) {
      expect(Math.abs(g.data[i]! - g.data[i + 2]!)).toBeLessThan(0.02);
    }
  });
});
