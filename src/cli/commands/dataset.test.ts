import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../../test/support/cli.js';
import { FACES_DEV } from '../../../test/support/paths.js';
import { EXIT } from '../exit-codes.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fl-cli-dataset-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
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
    await mkdir(photos);
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
