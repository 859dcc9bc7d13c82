import { cp, lstat, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODELS } from '../../../test/support/paths.js';
import { ModelStore } from './store.js';

/** `models add --move / --link` on a diffusers folder, hashed once. */

let scratch: string;
let store: ModelStore;
const TINY = path.join(FIXTURE_MODELS, 'tiny-sd');

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'fl-place-'));
  store = new ModelStore(path.join(scratch, 'models'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** A plain export folder (no model.json), as optimum writes it. */
async function exportFolder(name: string): Promise<string> {
  const dir = path.join(scratch, name);
  await cp(TINY, dir, { recursive: true });
  await rm(path.join(dir, 'model.json'));
  return dir;
}

describe('ModelStore.add modes', () => {
  it('moves a folder into the store: nothing copied, the source is gone', async () => {
    const source = await exportFolder('moved');
    const unet = (await stat(path.join(source, 'unet', 'model.onnx'))).ino;
    const model = await store.add(source, { id: 'sd-moved', mode: 'move' });
    expect(model.manifest.format).toBe('diffusers-onnx');
    expect(await stat(source).catch(() => 'gone')).toBe('gone');
    expect((await stat(path.join(model.dir, 'unet', 'model.onnx'))).ino).toBe(unet); // same file
    expect(await store.verify('sd-moved')).toEqual([{ id: 'sd-moved', ok: true, problems: [] }]);
  });

  it('links a folder: symbolic links to the source, which stays', async () => {
    const source = await exportFolder('linked');
    const model = await store.add(source, { id: 'sd-linked', mode: 'link' });
    const unet = path.join(model.dir, 'unet', 'model.onnx');
    expect((await lstat(unet)).isSymbolicLink()).toBe(true);
    expect(await readFile(unet)).toEqual(await readFile(path.join(source, 'unet', 'model.onnx')));
    // a source file changed behind the store's back is caught by its sha256
    await writeFile(path.join(source, 'scheduler', 'scheduler_config.json'), '{"changed":true}');
    const [result] = await store.verify('sd-linked');
    expect(result!.ok).toBe(false);
    expect(result!.problems.join()).toMatch(/scheduler_config\.json/);
  });

  it('hashes the files once: the stamps it wrote let the first resolve skip re-hashing', async () => {
    const source = await exportFolder('copied');
    const model = await store.add(source, { id: 'sd-copied' });
    const stamps = JSON.parse(await readFile(path.join(model.dir, '.verified.json'), 'utf8'));
    expect(Object.keys(stamps).sort()).toEqual(model.manifest.files.map((f) => f.path).sort());
    for (const file of model.manifest.files)
      expect(stamps[file.path]).toMatch(new RegExp(`^${file.bytes}:[0-9.]+:${file.sha256}$`));
  });
});
