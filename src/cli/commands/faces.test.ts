import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../../test/support/cli.js';
import { FACES_DEV } from '../../../test/support/paths.js';
import { mirror } from '../../core/faces/__fixtures__/faces-dev.js';
import { readImage } from '../../core/image/decode.js';
import { encodeImage } from '../../core/image/encode.js';
import { EXIT } from '../exit-codes.js';

const photo = (file: string) => path.join(FACES_DEV, file);
let dir: string;
let mirrored: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fl-cli-faces-'));
  mirrored = path.join(dir, 'mirrored.jpg');
  const { image } = await readImage(photo('B001239.jpg'));
  await writeFile(mirrored, await encodeImage(mirror(image), { format: 'jpeg', quality: 92 }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('filterlab faces detect', () => {
  it('prints every face of the group as JSON: box, score, keypoints', async () => {
    const r = await cli('faces', 'detect', photo('hard_group_composite.jpg'), '--json');
    expect(r.code).toBe(EXIT.OK);
    const out = JSON.parse(r.stdout.join('\n')) as {
      faces: { box: number[]; score: number; keypoints: number[][] }[];
    };
    expect(out).toMatchObject({ width: 1133, height: 330 });
    expect(out.faces).toHaveLength(6);
    for (const f of out.faces) {
      expect(f.box).toHaveLength(4);
      expect(f.box[2]).toBeGreaterThan(50);
      expect(f.score).toBeGreaterThan(0.5);
      expect(f.keypoints).toHaveLength(6);
    }
  });

  it('prints a plain list, with attribute estimates when asked', async () => {
    const r = await cli('faces', 'detect', photo('B001239.jpg'), '--attributes');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout[0]).toMatch(/B001239\.jpg: 1 face \(225x275\)$/);
    expect(r.stdout[1]).toMatch(
      /^ {2}#0 box \d+(\.\d)?,\d+(\.\d)? \S+ score 0\.\d+, age ~\d+(\.\d)?, gender M \(estimates\)$/,
    );
  });

  it('lists no face on a photo without one, and is not an error', async () => {
    const r = await cli('faces', 'detect', photo('hard_noface_cat.jpg'), '--json');
    expect(r.code).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout.join(''))).toMatchObject({ faces: [] });
  });
});

describe('filterlab faces compare', () => {
  it('scores a photo and its mirror as the same person', async () => {
    const r = await cli('faces', 'compare', photo('B001239.jpg'), mirrored, '--json');
    expect(r.code).toBe(EXIT.OK);
    const out = JSON.parse(r.stdout.join('')) as { similarity: number; samePerson: boolean };
    expect(out.similarity).toBeGreaterThan(0.9);
    expect(out.samePerson).toBe(true);
  });

  it('scores two different people below the threshold', async () => {
    const r = await cli('faces', 'compare', photo('B001239.jpg'), photo('B001231.jpg'));
    expect(r.code).toBe(EXIT.OK);
    const [, similarity] = /^similarity (-?[\d.]+): different people/.exec(r.stdout[0]!) ?? [];
    expect(Number(similarity)).toBeLessThan(0.815);
  });

  it('fails with FL_ERR_NO_FACE naming the photo without a face', async () => {
    const cat = photo('hard_noface_cat.jpg');
    const r = await cli('faces', 'compare', photo('B001239.jpg'), cat, '--json');
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.stderr.join('\n')).toContain(`error FL_ERR_NO_FACE: No face found in ${cat}`);
    expect(r.stdout).toEqual([]);
  });
});

describe('filterlab segment', () => {
  it('writes the person mask as a greyscale PNG of the photo size', async () => {
    const out = path.join(dir, 'mask.png');
    const r = await cli('segment', photo('B001239.jpg'), '--out', out, '--json');
    expect(r.code).toBe(EXIT.OK);
    const report = JSON.parse(r.stdout.join('')) as { personShare: number };
    expect(report).toMatchObject({ out, width: 225, height: 275 });
    expect(report.personShare).toBeGreaterThan(0.3);
    expect(report.personShare).toBeLessThan(0.9);
    const meta = await sharp(out).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 225, height: 275, channels: 1 });
    const { data } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect(data[130 * 225 + 112]).toBeGreaterThan(230);
    expect(data[5 * 225 + 5]).toBeLessThan(25);
  });

  it('refuses an unknown mask extension and a missing photo', async () => {
    const bad = await cli('segment', photo('B001239.jpg'), '--out', path.join(dir, 'mask.tif'));
    expect(bad.code).toBe(EXIT.FAILED);
    expect(bad.stderr.join('')).toContain('FL_ERR_INVALID_ARGUMENT');
    const missing = await cli('segment', path.join(dir, 'nope.jpg'));
    expect(missing.code).toBe(EXIT.FAILED);
    expect(missing.stderr.join('')).toMatch(/FL_ERR_IO|nope\.jpg/);
  });

  it('needs a photo argument (usage error)', async () => {
    expect((await cli('segment')).code).toBe(EXIT.USAGE);
  });
});
