import {
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from '../../../../test/support/error-of.js';
import { cli } from '../../../../test/support/cli.js';
import { writeCheckpoint } from '../../../../test/style-transfer/checkpoint-fixture.js';
import { createImage } from '../../image/image.js';
import { OnnxRuntime } from '../../runtime/onnx.js';
import { OnnxImageModel } from '../../steps/onnx-image.js';
import { ModelStore } from '../store.js';
import { importerFor } from './registry.js';
import { CHECKPOINT_MANIFEST, importStyleTransfer, readStyleCheckpoint } from './style-transfer.js';

describe('style-transfer importer', () => {
  let scratch: string;
  let good: string;
  let models: string;
  const onnx = new OnnxRuntime();

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'fl-style-import-'));
    good = path.join(scratch, 'good');
    models = path.join(scratch, 'models');
    await mkdir(good);
    await writeCheckpoint(good);
  });
  afterAll(async () => {
    await onnx.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  /** A copy of the good checkpoint, broken by `breakIt`. */
  async function broken(name: string, breakIt: (dir: string) => Promise<void>): Promise<string> {
    const dir = path.join(scratch, name);
    await cp(good, dir, { recursive: true });
    await breakIt(dir);
    return dir;
  }

  async function editManifest(dir: string, edit: (m: Record<string, unknown>) => void) {
    const file = path.join(dir, CHECKPOINT_MANIFEST);
    const m = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    edit(m);
    await writeFile(file, JSON.stringify(m));
  }

  it('installs a model folder that onnx.image runs: RGB 0..255 in and out, same size', async () => {
    const model = await importerFor('style-transfer').import(good, {
      id: 'st-test',
      modelsDir: models,
    });
    expect(model.dir).toBe(path.join(models, 'st-test'));
    expect(model.manifest.license).toBe('MIT');
    expect(model.manifest.files.map((f) => f.path)).toEqual(['model.onnx', 'LICENSE']);
    expect(model.manifest.io).toMatchObject({
      wholeImage: true,
      size: { kind: 'multiple', of: 4 },
    });
    const session = await onnx.session({ path: model.entry, hash: model.hash });
    const runner = await OnnxImageModel.load(model, session);
    const image = createImage(37, 22);
    for (let i = 0; i < image.data.length; i++) image.data[i] = (i % 97) / 96;
    const out = await runner.run(image, { fit: 'auto' });
    expect([out.width, out.height]).toEqual([37, 22]);
    expect(out.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(new Set(out.data).size).toBeGreaterThan(100);
    await onnx.release(session.key);
  });

  it('stores float16 weights in half the bytes and gives nearly the same pixels', async () => {
    const [a, b] = await Promise.all([
      importStyleTransfer(good, { id: 'st-32', modelsDir: models }),
      importStyleTransfer(good, { id: 'st-16', fp16: true, modelsDir: models }),
    ]);
    const size = async (m: typeof a) => (await stat(m.entry)).size;
    expect((await size(b)) / (await size(a))).toBeLessThan(0.52);
    const image = createImage(24, 24);
    for (let i = 0; i < image.data.length; i++) image.data[i] = (i % 13) / 12;
    const outs = [];
    for (const m of [a, b]) {
      const session = await onnx.session({ path: m.entry, hash: m.hash });
      outs.push(await (await OnnxImageModel.load(m, session)).run(image, { fit: 'auto' }));
      await onnx.release(session.key);
    }
    let max = 0;
    for (let i = 0; i < outs[0]!.data.length; i++)
      max = Math.max(max, Math.abs(outs[0]!.data[i]! - outs[1]!.data[i]!));
    expect(max * 255).toBeLessThan(2);
  });

  const cases: [string, (dir: string) => Promise<void>, string, RegExp][] = [
    [
      'missing variable file',
      (d) => rm(path.join(d, 'Variable_12')),
      'FL_ERR_IO',
      /Variable_12.*cannot be read/,
    ],
    [
      'short variable file',
      (d) => truncate(path.join(d, 'Variable_3'), 1000),
      'FL_ERR_IO',
      /Expected 73728 bytes .*Variable_3 but it has 1000 \(truncated\)/,
    ],
    [
      'variable missing from the manifest',
      (d) => editManifest(d, (m) => delete m.Variable_40),
      'FL_ERR_MODEL_MANIFEST',
      /Expected Variable_40 \(upsampling conv-transpose 1 instance-norm shift, shape \[64\]\) in .*manifest\.json but it is missing/,
    ],
    [
      'wrong shape in the manifest',
      (d) => editManifest(d, (m) => ((m.Variable_6 as { shape: number[] }).shape = [3, 3, 64, 64])),
      'FL_ERR_MODEL_MANIFEST',
      /Expected Variable_6 \(downsampling conv 2 kernel\) to have shape \[3, 3, 64, 128\] but .*manifest\.json gives \[3, 3, 64, 64\]/,
    ],
    [
      'a variable the network does not have',
      (d) => editManifest(d, (m) => (m.Variable_48 = { filename: 'Variable_1', shape: [32] })),
      'FL_ERR_MODEL_MANIFEST',
      /also lists Variable_48; this is a different network/,
    ],
    [
      'NaN weights',
      async (d) => {
        const file = path.join(d, 'Variable_45');
        const bytes = await readFile(file);
        bytes.writeFloatLE(Number.NaN, 400);
        await writeFile(file, bytes);
      },
      'FL_ERR_MODEL_MANIFEST',
      /Expected finite weights in .*Variable_45 \(Variable_45\) but value 100 is NaN/,
    ],
    [
      'no manifest',
      (d) => rm(path.join(d, CHECKPOINT_MANIFEST)),
      'FL_ERR_MODEL_MANIFEST',
      /checkpoint manifest at .*manifest\.json but it cannot be read/,
    ],
    [
      'a manifest that is not JSON',
      (d) => writeFile(path.join(d, CHECKPOINT_MANIFEST), '{"Variable": '),
      'FL_ERR_MODEL_MANIFEST',
      /Expected JSON in .*manifest\.json/,
    ],
    [
      'a file name outside the folder',
      (d) =>
        editManifest(
          d,
          (m) => ((m.Variable_1 as { filename: string }).filename = '../good/Variable_1'),
        ),
      'FL_ERR_MODEL_MANIFEST',
      /plain file name inside .* but received "..\/good\/Variable_1"/,
    ],
  ];

  it.each(cases)(
    'rejects a checkpoint with %s, naming the file, writing nothing',
    async (name, breakIt, code, message) => {
      const dir = await broken(name.replace(/\W+/g, '-'), breakIt);
      const before = await readdir(models).catch(() => []);
      const error = await errorOf(() =>
        importStyleTransfer(dir, { id: 'broken', modelsDir: models }),
      );
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(await readdir(models).catch(() => [])).toEqual(before);
    },
  );

  it('needs a licence file beside the weights and a valid id', async () => {
    const dir = await broken('no-license', (d) => rm(path.join(d, 'LICENSE')));
    expect(
      await errorOf(() => importStyleTransfer(dir, { id: 'x', modelsDir: models })),
    ).toMatchObject({
      code: 'FL_ERR_MODEL_MANIFEST',
      message: expect.stringMatching(/LICENSE file in .*no-license or its parent folder/),
    });
    expect(
      await errorOf(() => importStyleTransfer(good, { id: 'Bad Id', modelsDir: models })),
    ).toMatchObject({
      code: 'FL_ERR_INVALID_ARGUMENT',
    });
    expect(() => importerFor('anime-gan')).toThrow(
      /Expected a checkpoint family \(style-transfer\) but received "anime-gan"/,
    );
  });

  it('is the `filterlab models import <family>` command', async () => {
    const run = await cli(
      '--models-dir',
      models,
      'models',
      'import',
      'style-transfer',
      good,
      '--id',
      'st-cli',
      '--fp16',
    );
    expect(run.code).toBe(0);
    expect(run.stdout.join('\n')).toMatch(
      /^imported st-cli \(style-transfer, 3\.4 MB, MIT\) into .*st-cli$/,
    );
    const bad = await cli(
      '--models-dir',
      models,
      'models',
      'import',
      'anime-gan',
      good,
      '--id',
      'x',
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.join('\n')).toMatch(
      /FL_ERR_INVALID_ARGUMENT.*checkpoint family \(style-transfer\)/,
    );
  });

  it('reads every variable with its network shape', async () => {
    const checkpoint = await readStyleCheckpoint(good);
    expect(checkpoint.variables.size).toBe(48);
    expect(checkpoint.variables.get('Variable_39')?.shape).toEqual([3, 3, 64, 128]);
  });

  it('finds an installed model by id after the built-in folder is searched second', async () => {
    const store = new ModelStore(models, path.join(scratch, 'none'));
    expect((await store.resolve('st-test')).dir).toBe(path.join(models, 'st-test'));
    const builtinOnly = new ModelStore(path.join(scratch, 'empty'), models);
    expect((await builtinOnly.resolve('st-test')).dir).toBe(path.join(models, 'st-test'));
    await expect(builtinOnly.remove('st-test')).rejects.toMatchObject({
      code: 'FL_ERR_INVALID_ARGUMENT',
    });
  });
});
