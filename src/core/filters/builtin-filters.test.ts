import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../../test/support/paths.js';
import { createContext } from '../context.js';
import { readImage } from '../image/decode.js';
import type { Image } from '../image/image.js';
import { compile } from './compile.js';
import { listBuiltinSpecs, loadFilter, type LoadedSpec } from './load.js';

function meanAbsDiff(a: Image, b: Image): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}

/** Share of pixels with a channel changed by more than 2/255 (local filters: skin, background). */
function changedShare(a: Image, b: Image): number {
  let changed = 0;
  for (let i = 0; i < a.data.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      if (Math.abs(a.data[i + c]! - b.data[i + c]!) > 2 / 255) {
        changed++;
        break;
      }
    }
  }
  return changed / (a.data.length / 3);
}

describe('built-in filters', () => {
  let builtins: LoadedSpec[];
  let photo: Image;
  beforeAll(async () => {
    builtins = await listBuiltinSpecs();
    photo = (await readImage(path.join(FACES_DEV, 'B001239.jpg'))).image;
  });

  it('ship at least five looks, each with a name, a description and parameters', () => {
    expect(builtins.length).toBeGreaterThanOrEqual(5);
    for (const { spec, source } of builtins) {
      expect(source).toBe(`builtin:${spec.id}`);
      expect(spec.name).toBeTruthy();
      expect(spec.description).toBeTruthy();
      expect(Object.keys(spec.params).length).toBeGreaterThan(0);
    }
  });

  it('each compiles, runs on a real photo, changes it and keeps its size', async () => {
    const ctx = createContext();
    const ids = new Set<string>();
    for (const { spec, baseDir } of builtins) {
      const runner = await compile(spec, ctx, { baseDir });
      ids.add(runner.versionId);
      const { image, meta } = await runner.run(photo, { seed: 1 });
      expect([image.width, image.height], spec.id).toEqual([photo.width, photo.height]);
      // A global look moves every pixel a little; soft skin or bokeh on a studio backdrop moves a part.
      const changed = meanAbsDiff(image, photo) > 0.005 || changedShare(image, photo) > 0.05;
      expect(changed, spec.id).toBe(true);
      expect(
        image.data.every((v) => v >= 0 && v <= 1),
        spec.id,
      ).toBe(true);
      expect(meta.params).toEqual(runner.resolveParams());
    }
    expect(ids.size).toBe(builtins.length);
  });

  it('are found by id or by file, and an unknown one gets the list and a suggestion', async () => {
    expect((await loadFilter('film-warm')).spec.id).toBe('film-warm');
    const byFile = await loadFilter(path.join(builtins[0]!.baseDir, 'vivid.yaml'));
    expect(byFile.spec.id).toBe('vivid');
    await expect(loadFilter('film-wram')).rejects.toMatchObject({
      code: 'FL_ERR_UNKNOWN_FILTER',
      message: expect.stringMatching(
        /film-cool, film-warm.* but received "film-wram" \(did you mean "film-warm"\?\)/,
      ),
    });
    await expect(loadFilter('./missing.yaml')).rejects.toMatchObject({
      code: 'FL_ERR_IO',
      message: expect.stringContaining('missing.yaml'),
    });
  });
});
