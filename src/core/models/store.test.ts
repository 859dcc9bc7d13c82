import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODELS } from '../../../test/support/paths.js';
import { modelHash, readManifest } from './manifest.js';
import { defaultModelsDir, isPathRef, ModelStore } from './store.js';

describe('ModelStore', () => {
  let scratch: string;
  let store: ModelStore;
  const tinyConvOnnx = path.join(FIXTURE_MODELS, 'tiny-conv', 'model.onnx');

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'fl-store-'));
    store = new ModelStore(path.join(scratch, 'models'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('lists nothing in a folder that does not exist yet', async () => {
    expect(await store.list()).toEqual([]);
    expect(await store.verify()).toEqual([]);
  });

  it('adds a single .onnx file, writing its manifest', async () => {
    const model = await store.add(tinyConvOnnx, { id: 'conv', license: 'MIT' });
    expect(model.manifest).toMatchObject({ id: 'conv', format: 'onnx', license: 'MIT' });
    expect(model.manifest.files.map((f) => f.path)).toEqual(['model.onnx']);
    expect(model.dir).toBe(path.join(store.root, 'conv'));
    expect(model.entry).toBe(path.join(store.root, 'conv', 'model.onnx'));
    expect(model.manifest.files[0]!.bytes).toBe((await readFile(tinyConvOnnx)).length);
  });

  it('names a model after its file when no id is given', async () => {
    const file = path.join(scratch, 'My Model_v2.onnx');
    await cp(tinyConvOnnx, file);
    const model = await store.add(file);
    expect(model.manifest.id).toBe('my-model_v2');
    expect(model.manifest.license).toBe('unknown');
  });

  it('adds a folder with a model.json as it is, keeping its I/O contract', async () => {
    const model = await store.add(path.join(FIXTURE_MODELS, 'tiny-fixed64'));
    expect(model.manifest.id).toBe('tiny-fixed64');
    expect(model.manifest.io?.size).toEqual({ kind: 'fixed', width: 64, height: 64 });
    expect(model.hash).toBe(
      modelHash(await readManifest(path.join(FIXTURE_MODELS, 'tiny-fixed64'))),
    );
    const renamed = await store.add(path.join(FIXTURE_MODELS, 'tiny-fixed64'), { id: 'fixed' });
    expect(renamed.manifest.id).toBe('fixed');
    expect((await readManifest(renamed.dir)).id).toBe('fixed');
  });

  it('adds a diffusers-style folder (model_index.json), hashing every file', async () => {
    const src = path.join(scratch, 'sd-tiny');
    await mkdir(path.join(src, 'unet'), { recursive: true });
    await mkdir(path.join(src, 'scheduler'), { recursive: true });
    await writeFile(
      path.join(src, 'model_index.json'),
      '{"_class_name":"OnnxStableDiffusionPipeline"}',
    );
    await cp(tinyConvOnnx, path.join(src, 'unet', 'model.onnx'));
    await writeFile(path.join(src, 'scheduler', 'scheduler_config.json'), '{}');
    const model = await store.add(src, { id: 'sd-tiny' });
    expect(model.manifest.format).toBe('diffusers-onnx');
    expect(model.manifest.entry).toBe('.');
    expect(model.entry).toBe(model.dir);
    expect(model.manifest.files.map((f) => f.path)).toEqual([
      'model_index.json',
      'scheduler/scheduler_config.json',
      'unet/model.onnx',
    ]);
  });

  it('refuses a folder that is no model and a file that is no .onnx', async () => {
    const empty = path.join(scratch, 'empty');
    await mkdir(empty, { recursive: true });
    await expect(store.add(empty)).rejects.toMatchObject({ code: 'FL_ERR_MODEL_MANIFEST' });
    const text = path.join(scratch, 'notes.txt');
    await writeFile(text, 'hi');
    await expect(store.add(text)).rejects.toMatchObject({
      code: 'FL_ERR_MODEL_MANIFEST',
      message: expect.stringContaining('notes.txt'),
    });
    await expect(store.add(path.join(scratch, 'missing.onnx'))).rejects.toMatchObject({
      code: 'FL_ERR_IO',
    });
  });

  it('refuses to add a model folder whose files do not match its manifest', async () => {
    const src = path.join(scratch, 'changed');
    await cp(path.join(FIXTURE_MODELS, 'tiny-conv'), src, { recursive: true });
    await writeFile(path.join(src, 'model.onnx'), 'other bytes');
    await expect(store.add(src, { id: 'changed' })).rejects.toMatchObject({
      code: 'FL_ERR_MODEL_HASH',
      message: expect.stringContaining('model.onnx: expected'),
    });
  });

  it('lists installed models in id order', async () => {
    const ids = (await store.list()).map((m) => m.manifest.id);
    expect(ids).toEqual(['conv', 'fixed', 'my-model_v2', 'sd-tiny', 'tiny-fixed64']);
  });

  it('resolves by id, id@version and path', async () => {
    const byId = await store.resolve('conv');
    expect(byId.manifest.id).toBe('conv');
    expect((await store.resolve('conv@1')).dir).toBe(byId.dir);
    await expect(store.resolve('conv@7')).rejects.toMatchObject({
      code: 'FL_ERR_MODEL_NOT_FOUND',
      message: expect.stringContaining('version 7'),
    });
    const byPath = await store.resolve(path.join(byId.dir, 'model.onnx'));
    expect(byPath.hash).toBe(byId.hash);
    expect((await store.resolve('./models/conv', scratch)).dir).toBe(byId.dir);
    await expect(store.resolve('nope')).rejects.toMatchObject({
      code: 'FL_ERR_MODEL_NOT_FOUND',
      message: expect.stringContaining('conv, fixed, my-model_v2, sd-tiny, tiny-fixed64'),
    });
  });

  it('verifies every model and names the file that changed', async () => {
    expect((await store.verify()).every((r) => r.ok)).toBe(true);
    const file = path.join(store.root, 'fixed', 'model.onnx');
    const bytes = await readFile(file);
    bytes[100] = bytes[100]! ^ 1;
    await writeFile(file, bytes);
    const results = await store.verify();
    expect(results.find((r) => r.id === 'fixed')).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/^model\.onnx: expected sha256 [0-9a-f]{64} but found/)],
    });
    expect(results.filter((r) => !r.ok)).toHaveLength(1);
    expect((await store.verify('conv'))[0]).toMatchObject({ id: 'conv', ok: true });
    await expect(new ModelStore(store.root).resolve('fixed')).rejects.toMatchObject({
      code: 'FL_ERR_MODEL_HASH',
    });
  });

  it('ignores its own download staging folder when verifying', async () => {
    await mkdir(path.join(store.root, '.downloads', 'partial'), { recursive: true });
    expect((await store.verify()).map((r) => r.id)).not.toContain('.downloads');
  });

  it('removes a model', async () => {
    await store.remove('my-model_v2');
    expect((await store.list()).map((m) => m.manifest.id)).not.toContain('my-model_v2');
    await expect(store.remove('my-model_v2')).rejects.toMatchObject({
      code: 'FL_ERR_MODEL_NOT_FOUND',
    });
  });
});

describe('defaultModelsDir and isPathRef', () => {
  it('prefers $FILTERLAB_MODELS, then $XDG_DATA_HOME', () => {
    expect(defaultModelsDir({ FILTERLAB_MODELS: '/m' })).toBe('/m');
    expect(defaultModelsDir({ XDG_DATA_HOME: '/data' })).toBe('/data/filterlab/models');
  });

  it('tells paths from ids', () => {
    for (const ref of ['./m', '../m', '/abs/m', 'a/b', 'C:\\m']) expect(isPathRef(ref)).toBe(true);
    for (const ref of ['anime-gan', 'anime-gan@2', 'x.y']) expect(isPathRef(ref)).toBe(false);
  });
});
