import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../../test/support/paths.js';
import { createContext } from '../context.js';
import { probeImage } from '../image/encode.js';
import { compile, type Runner } from './compile.js';
import { applyToBytes, applyToFile } from './apply.js';
import { loadFilter } from './load.js';

describe('applyToFile', () => {
  let dir: string;
  let runner: Runner;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fl-apply-'));
    const { spec, baseDir } = await loadFilter('vivid');
    runner = await compile(spec, createContext(), { baseDir });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes an upright output and a sidecar that reproduces it', async () => {
    const input = path.join(FACES_DEV, 'hard_exif6_B001243.jpg');
    const r = await applyToFile(runner, input, path.join(dir, 'out'), {
      params: { saturation: '0.6' },
      seed: 4,
    });
    expect(r.output).toBe(path.join(dir, 'out', 'hard_exif6_B001243.jpg'));
    const probe = await probeImage(await readFile(r.output));
    expect([probe.width, probe.height]).toEqual([225, 275]);
    expect(probe.hasExif).toBe(false);
    const sidecar = JSON.parse(await readFile(r.sidecar!, 'utf8'));
    expect(sidecar).toMatchObject({
      filter: 'vivid',
      versionId: runner.versionId,
      params: { saturation: 0.6 },
      seed: 4,
      input: 'hard_exif6_B001243.jpg',
      source: { format: 'jpeg', width: 225, height: 275, orientation: 6 },
      output: { format: 'jpeg' },
    });
    expect(sidecar.sourceHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes the asked format and name, with or without a sidecar', async () => {
    const input = path.join(FACES_DEV, 'B001231.jpg');
    const r = await applyToFile(runner, input, dir, {
      format: 'webp',
      outputName: 'x',
      sidecar: false,
    });
    expect(r.output).toBe(path.join(dir, 'x.webp'));
    expect(r.sidecar).toBeUndefined();
    expect((await probeImage(await readFile(r.output))).format).toBe('webp');
  });

  it('leaves nothing behind when the input is bad', async () => {
    const out = path.join(dir, 'bad-out');
    const bad = path.join(dir, 'bad.jpg');
    await writeFile(bad, 'not a photo');
    await expect(applyToFile(runner, bad, out)).rejects.toMatchObject({
      code: 'FL_ERR_IMAGE_FORMAT',
      message: expect.stringContaining(bad),
    });
    await expect(applyToFile(runner, path.join(dir, 'none.jpg'), out)).rejects.toMatchObject({
      code: 'FL_ERR_IO',
    });
    expect(await readdir(out).catch(() => [])).toEqual([]);
  });

  it('applies to bytes in memory, with timings', async () => {
    const bytes = await readFile(path.join(FACES_DEV, 'B001253.jpg'));
    const r = await applyToBytes(runner, bytes, 'upload.jpg', { format: 'png' });
    expect(r.format).toBe('png');
    expect([r.width, r.height]).toEqual([225, 275]);
    expect(r.timings.runMs).toBeGreaterThan(0);
    await expect(
      applyToBytes(runner, bytes, 'upload.jpg', { limits: { maxPixels: 1000 } }),
    ).rejects.toMatchObject({
      code: 'FL_ERR_IMAGE_TOO_LARGE',
    });
  });
});
