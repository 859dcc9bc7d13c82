import { cp, lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../../test/support/cli.js';
import { FIXTURE_MODELS } from '../../../test/support/paths.js';
import { EXIT } from '../exit-codes.js';

let dir: string;
const saved = process.env.FILTERLAB_MODELS;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fl-cli-models-add-'));
  process.env.FILTERLAB_MODELS = path.join(dir, 'models');
});
afterAll(async () => {
  if (saved === undefined) delete process.env.FILTERLAB_MODELS;
  else process.env.FILTERLAB_MODELS = saved;
  await rm(dir, { recursive: true, force: true });
});

describe('filterlab models add --link / --move', () => {
  it('links a diffusers folder, and refuses both flags at once', async () => {
    const source = path.join(dir, 'export');
    await cp(path.join(FIXTURE_MODELS, 'tiny-sd'), source, { recursive: true });
    await rm(path.join(source, 'model.json'));
    const r = await cli('models', 'add', source, '--id', 'sd', '--link');
    expect(r.stderr).toEqual([]);
    expect(r.stdout[0]).toMatch(/^added sd@1 \(\d+ files\) to /);
    const unet = path.join(dir, 'models', 'sd', 'unet', 'model.onnx');
    expect((await lstat(unet)).isSymbolicLink()).toBe(true);
    const both = await cli('models', 'add', source, '--move', '--link');
    expect(both.code).toBe(EXIT.FAILED);
    expect(both.stderr.join('\n')).toMatch(/at most one of --move and --link/);
  });
});
