import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../test/support/cli.js';
import { FACES_DEV, FIXTURE_MODELS } from '../../test/support/paths.js';
import { EXIT } from './exit-codes.js';
import { outputNames } from './commands/apply.js';

const photo = (name: string) => path.join(FACES_DEV, name);

describe('filterlab CLI (in-process)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fl-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('filters list shows every built-in filter with its parameters', async () => {
    const r = await cli('filters', 'list');
    expect(r.code).toBe(0);
    const text = r.stdout.join('\n');
    for (const id of ['film-warm', 'film-cool', 'mono-contrast', 'soft-fade', 'vivid'])
      expect(text).toMatch(new RegExp(`^${id} `, 'm'));
    expect(text).toContain('[strength, grain]');
    const json = JSON.parse((await cli('filters', 'list', '--json')).stdout.join('\n'));
    expect(json.map((f: { id: string }) => f.id)).toContain('vivid');
  });

  it('prints steps, the JSON Schema and a filter with defaults', async () => {
    expect((await cli('steps')).stdout.join('\n')).toMatch(/^onnx\.image +Run an image-to-image/m);
    const schema = JSON.parse((await cli('filters', 'schema')).stdout.join('\n'));
    expect(schema.properties.steps.type).toBe('array');
    const shown = JSON.parse((await cli('filters', 'show', 'vivid')).stdout.join('\n'));
    expect(shown).toMatchObject({ id: 'vivid', output: { format: 'jpeg' } });
  });

  it('apply writes upright photos and sidecars, with a one-line summary', async () => {
    const out = path.join(dir, 'ok');
    const files = ['B001231.jpg', 'hard_exif6_B001243.jpg', 'hard_gray_A000370.jpg'].map(photo);
    const r = await cli(
      'apply',
      '--filter',
      'film-warm',
      '--param',
      'strength=0.6',
      '--seed',
      '5',
      ...files,
      '--out',
      out,
      '--no-progress',
    );
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toHaveLength(1);
    expect(r.stdout[0]).toMatch(
      /^film-warm \([0-9a-f]{16}\): 3 of 3 photos written to .* \(.*\/s, 1 worker\)$/,
    );
    for (const file of files) {
      const base = path.parse(file).name;
      const meta = await sharp(path.join(out, `${base}.jpg`)).metadata();
      expect([meta.width, meta.height]).toEqual([225, 275]);
      expect(meta.exif).toBeUndefined();
      const sidecar = JSON.parse(await readFile(path.join(out, `${base}.jpg.json`), 'utf8'));
      expect(sidecar).toMatchObject({
        filter: 'film-warm',
        versionId: expect.stringMatching(/^[0-9a-f]{16}$/),
        params: { strength: 0.6, grain: 0.03 },
        seed: 5,
        input: `${base}.jpg`,
      });
    }
  });

  it('apply --json prints one JSON summary', async () => {
    const r = await cli(
      'apply',
      '-f',
      'vivid',
      photo('B001239.jpg'),
      '-o',
      path.join(dir, 'json'),
      '--json',
      '--format',
      'png',
    );
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.join('\n'));
    expect(summary).toMatchObject({ filter: 'vivid', ok: 1, failed: 0, skipped: 0 });
    expect(summary.results[0]).toMatchObject({ ok: true, width: 225, height: 275 });
    expect(summary.results[0].output).toMatch(/B001239\.png$/);
  });

  it('a batch with bad files writes the good ones, names the bad ones and leaves no partial file', async () => {
    const bad = path.join(dir, 'bad');
    await rm(bad, { recursive: true, force: true });
    await cp(FACES_DEV, bad, {
      recursive: true,
      filter: (f) => !f.endsWith('.jpg') || /B00123[19]\.jpg$/.test(f),
    });
    const jpeg = await readFile(photo('B001253.jpg'));
    await writeFile(path.join(bad, 'truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1));
    await writeFile(path.join(bad, 'empty.jpg'), '');
    await writeFile(path.join(bad, 'notes.jpg'), 'shopping list: eggs, milk\n');
    const inputs = ['B001231.jpg', 'truncated.jpg', 'empty.jpg', 'B001239.jpg', 'notes.jpg'].map(
      (f) => path.join(bad, f),
    );
    const out = path.join(dir, 'batch');
    const r = await cli(
      'apply',
      '--filter',
      'mono-contrast',
      ...inputs,
      '--out',
      out,
      '--no-progress',
    );
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.stdout[0]).toMatch(/: 2 of 5 photos written to .*, 3 failed$/);
    expect(r.stderr).toEqual([
      expect.stringMatching(/truncated\.jpg: FL_ERR_IMAGE_CORRUPT: .*truncated\.jpg/),
      expect.stringMatching(/empty\.jpg: FL_ERR_IMAGE_EMPTY: .*empty\.jpg/),
      expect.stringMatching(
        /notes\.jpg: FL_ERR_IMAGE_FORMAT: .*notes\.jpg.*text starting "shopping list/,
      ),
    ]);
    expect((await readdir(out)).sort()).toEqual([
      'B001231.jpg',
      'B001231.jpg.json',
      'B001239.jpg',
      'B001239.jpg.json',
    ]);
  });

  it('an unknown filter fails once, before anything is written', async () => {
    const out = path.join(dir, 'never');
    const r = await cli('apply', '--filter', 'vivd', photo('B001231.jpg'), '--out', out);
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.stderr).toEqual([
      expect.stringMatching(/^error FL_ERR_UNKNOWN_FILTER: .*"vivd" \(did you mean "vivid"\?\)$/),
    ]);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });

  it('an out-of-range or unknown --param fails once with a clear message', async () => {
    const files = ['B001231.jpg', 'B001239.jpg'].map(photo);
    const r = await cli(
      'apply',
      '--filter',
      'film-warm',
      '--param',
      'strength=2',
      ...files,
      '--out',
      path.join(dir, 'p'),
    );
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.stderr).toEqual([
      'error FL_ERR_PARAM_INVALID: Expected strength in [0, 1] but received 2',
    ]);
    const unknown = await cli(
      'apply',
      '-f',
      'film-warm',
      '-p',
      'strenth=1',
      ...files,
      '-o',
      path.join(dir, 'p'),
    );
    expect(unknown.stderr[0]).toContain('did you mean "strength"');
    const malformed = await cli('apply', '-f', 'film-warm', '-p', 'strength', ...files);
    expect(malformed.stderr[0]).toContain('Expected --param name=value');
  });

  it('an output folder that cannot be written is FL_ERR_IO', async () => {
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'x');
    const r = await cli(
      'apply',
      '--filter',
      'vivid',
      photo('B001231.jpg'),
      '--out',
      path.join(file, 'out'),
    );
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.stderr).toEqual([
      expect.stringMatching(
        /^error FL_ERR_IO: Expected a writable output folder at .*a-file\/out .*ENOTDIR/,
      ),
    ]);
  });

  it('--max-pixels and --quality reach the decoder and the encoder', async () => {
    const out = path.join(dir, 'limits');
    const small = await cli(
      'apply',
      '-f',
      'vivid',
      photo('B001231.jpg'),
      '-o',
      out,
      '--max-pixels',
      '1000',
      '--no-progress',
    );
    expect(small.code).toBe(EXIT.FAILED);
    expect(small.stderr[0]).toMatch(
      /B001231\.jpg: FL_ERR_IMAGE_TOO_LARGE: Expected at most 1000 pixels/,
    );
    const sizes: number[] = [];
    for (const quality of ['30', '95']) {
      const r = await cli(
        'apply',
        '-f',
        'vivid',
        photo('B001231.jpg'),
        '-o',
        path.join(out, quality),
        '--quality',
        quality,
        '--no-progress',
      );
      expect(r.code).toBe(0);
      sizes.push((await readFile(path.join(out, quality, 'B001231.jpg'))).length);
    }
    expect(sizes[0]!).toBeLessThan(sizes[1]!);
  });

  it('usage errors exit 2', async () => {
    expect((await cli('apply', photo('B001231.jpg'))).code).toBe(EXIT.USAGE);
    expect((await cli('nonsense')).code).toBe(EXIT.USAGE);
    const format = await cli(
      'apply',
      '-f',
      'vivid',
      '--format',
      'bmp',
      photo('B001231.jpg'),
      '-o',
      dir,
    );
    expect(format.code).toBe(EXIT.FAILED);
    expect(format.stderr[0]).toContain(
      'Expected --format to be one of jpeg, png, webp, avif but received bmp',
    );
  });

  it('models add, list and verify work on a --models-dir', async () => {
    const models = path.join(dir, 'models');
    const add = await cli(
      '--models-dir',
      models,
      'models',
      'add',
      path.join(FIXTURE_MODELS, 'tiny-conv', 'model.onnx'),
      '--id',
      'conv',
      '--license',
      'MIT',
    );
    expect(add.code).toBe(0);
    expect(add.stdout[0]).toMatch(/^added conv@1 \(1 files\) to .*models\/conv$/);
    const addDir = await cli(
      'models',
      'add',
      path.join(FIXTURE_MODELS, 'tiny-fixed64'),
      '--models-dir',
      models,
    );
    expect(addDir.code).toBe(0);
    const list = await cli('models', 'list', '--models-dir', models);
    expect(list.stdout).toEqual([
      expect.stringMatching(/^conv@1 {2}onnx {2}0\.0 MB {2}MIT {2}[0-9a-f]{12}$/),
      expect.stringMatching(/^tiny-fixed64@1 {2}onnx /),
    ]);
    expect((await cli('models', 'verify', '--models-dir', models)).stdout).toEqual([
      'ok   conv',
      'ok   tiny-fixed64',
    ]);
    const onnx = path.join(models, 'conv', 'model.onnx');
    const bytes = await readFile(onnx);
    bytes[50] = bytes[50]! ^ 1;
    await writeFile(onnx, bytes);
    const verify = await cli('models', 'verify', '--models-dir', models);
    expect(verify.code).toBe(EXIT.FAILED);
    expect(verify.stdout[0]).toMatch(/^FAIL conv: model\.onnx: expected sha256 /);
    const io = await cli(
      'models',
      'add',
      path.join(FIXTURE_MODELS, 'tiny-conv', 'model.onnx'),
      '--io',
      '{"size":{"kind":"multiple","of":8}}',
      '--models-dir',
      models,
    );
    expect(io.code).toBe(0);
    const badIo = await cli(
      'models',
      'add',
      'x.onnx',
      '--io',
      '{"size":{"kind":"weird"}}',
      '--models-dir',
      models,
    );
    expect(badIo.stderr[0]).toMatch(/^error FL_ERR_INVALID_ARGUMENT: Invalid --io: size/);
  });
});

describe('outputNames', () => {
  it('keeps input names and makes duplicates unique', () => {
    expect(outputNames(['a/x.jpg', 'b/x.png', 'c/y.jpg', 'd/x.webp'])).toEqual([
      'x',
      'x-2',
      'y',
      'x-3',
    ]);
  });
});
