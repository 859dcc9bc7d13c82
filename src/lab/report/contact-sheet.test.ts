import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { REPO_ROOT } from '../../../test/paths.js';
import { readImage } from '../../core/image/decode.js';
import { loadExperiment } from '../experiment.js';
import { writeContactSheet } from './contact-sheet.js';

describe('writeContactSheet', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'filterlab-sheet-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('draws input | each filter per photo, and lists the columns and rows', async () => {
    const file = path.join(dir, 'gallery.yaml');
    await writeFile(
      file,
      YAML.stringify({
        name: 'gallery',
        dataset: { path: path.join(REPO_ROOT, 'samples', 'portraits'), limit: 2 },
        candidates: [{ filter: 'vivid' }, { filter: 'mono-contrast' }],
      }),
    );
    const out = path.join(dir, 'sheet.png');
    const r = await writeContactSheet(await loadExperiment(file), out, {
      cellWidth: 40,
      cellHeight: 50,
    });
    expect(r.columns).toEqual(['input', 'vivid', 'mono-contrast']);
    const sheet = (await readImage(out)).image;
    expect([sheet.width, sheet.height]).toEqual([3 * 40 + 2 * 4, 2 * 50 + 4]);
    // The mono column is grey where the input column has colour (the middle of the first cell).
    const px = (x: number, y: number) =>
      Array.from(sheet.data.subarray((y * sheet.width + x) * 3, (y * sheet.width + x) * 3 + 3));
    const [r1, g1, b1] = px(20, 25);
    const [r3, g3, b3] = px(2 * 44 + 20, 25);
    expect(Math.max(r1!, g1!, b1!) - Math.min(r1!, g1!, b1!)).toBeGreaterThan(0.05);
    expect(Math.max(r3!, g3!, b3!) - Math.min(r3!, g3!, b3!)).toBeLessThan(0.02);
    const index = await readFile(r.index, 'utf8');
    expect(index).toContain('`input` | `vivid` | `mono-contrast`');
    expect(index).toContain('![contact sheet](sheet.png)');
  });
});
