import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../../test/support/cli.js';
import { FACES_DEV, FIXTURE_MODELS } from '../../../test/support/paths.js';
import { createContext, disposeContext } from '../../core/context.js';
import { compile } from '../../core/filters/compile.js';
import { validateSpec } from '../../core/filters/load.js';
import { readImage } from '../../core/image/decode.js';
import { encodeImage } from '../../core/image/encode.js';
import { EXIT } from '../exit-codes.js';

const TINY = path.join(FIXTURE_MODELS, 'tiny-sd');
let dir: string;
const savedModels = process.env.FILTERLAB_MODELS;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fl-cli-diffusion-'));
  // The CLI's models folder, where it also keeps ONNX Runtime's optimised graphs (.ort-cache).
  process.env.FILTERLAB_MODELS = path.join(dir, 'models');
});
afterAll(async () => {
  if (savedModels === undefined) delete process.env.FILTERLAB_MODELS;
  else process.env.FILTERLAB_MODELS = savedModels;
  await rm(dir, { recursive: true, force: true });
});

describe('filterlab diffusion schedule', () => {
  it('prints the timesteps and sigmas of a run as JSON', async () => {
    const r = await cli(
      'diffusion',
      'schedule',
      '--scheduler',
      'euler',
      '--steps',
      '4',
      '--strength',
      '0.5',
      '--config',
      path.join(TINY, 'scheduler', 'scheduler_config.json'),
      '--json',
    );
    expect(r.code).toBe(0);
    const schedule = JSON.parse(r.stdout.join('\n'));
    expect(schedule.timesteps).toEqual([499, 249]); // SD-Turbo img2img, 4 steps at 0.5
    expect(schedule.sigmas).toHaveLength(3);
    expect(schedule.sigmas[2]).toBe(0);
  });

  it('prints a table without --json, and a clear error for a bad scheduler', async () => {
    const table = await cli('diffusion', 'schedule', '--scheduler', 'lcm', '--steps', '2');
    expect(table.stdout[0]).toBe('step  timestep  sigma');
    expect(table.stdout).toHaveLength(3);
    const config = path.join(TINY, 'scheduler', 'scheduler_config.json');
    const euler = await cli(
      ...['diffusion', 'schedule', '--scheduler', 'euler', '--steps', '2', '--config', config],
    );
    expect(euler.stdout[1]).toBe('   0       999  14.6146'); // JSON keeps 14.614641...
    expect(euler.stdout[3]).toBe('   -         -  0.0000 (final)');
    const bad = await cli('diffusion', 'schedule', '--scheduler', 'eulr', '--steps', '2');
    expect(bad.code).toBe(EXIT.FAILED);
    expect(bad.stderr.join('\n')).toMatch(/FL_ERR_INVALID_ARGUMENT: Expected a scheduler name/);
  });
});

describe('filterlab diffusion run', () => {
  it('runs img2img on a photo from a plain diffusers folder and writes the output', async () => {
    const out = path.join(dir, 'out.png');
    const r = await cli(
      'diffusion',
      'run',
      '--model',
      TINY,
      '--prompt',
      'watercolor',
      '--image',
      path.join(FACES_DEV, 'B001231.jpg'),
      '--strength',
      '0.5',
      '--steps',
      '4',
      '--max-side',
      '64',
      '--seed',
      '3',
      '--out',
      out,
      '--json',
    );
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.join('\n'));
    expect(summary.out).toEqual([out]);
    expect(summary.timesteps).toEqual([499, 249]);
    expect(summary.timings.steps).toBe(2);
    const [input, output] = await Promise.all([
      sharp(path.join(FACES_DEV, 'B001231.jpg')).metadata(),
      sharp(out).metadata(),
    ]);
    expect([output.width, output.height]).toEqual([
      input.autoOrient.width,
      input.autoOrient.height,
    ]);
    // ONNX Runtime's optimised graph of each of the four parts, kept for the next run
    expect(await readdir(path.join(dir, 'models', '.ort-cache'))).toHaveLength(4);
  });

  it('keeps no optimised graphs with --no-ort-cache', async () => {
    process.env.FILTERLAB_MODELS = path.join(dir, 'models-no-cache');
    try {
      const r = await cli(
        ...['diffusion', 'run', '--model', TINY, '--prompt', 'x', '--steps', '1'],
        ...['--no-ort-cache', '--out', path.join(dir, 'no-cache.png')],
      );
      expect(r.code).toBe(0);
      expect(await readdir(dir)).not.toContain('models-no-cache');
    } finally {
      process.env.FILTERLAB_MODELS = path.join(dir, 'models');
    }
  });

  it('runs img2img best-of-N, writing the best k at the photo size, and txt2img', async () => {
    const out = path.join(dir, 'best.jpg');
    const r = await cli(
      ...['diffusion', 'run', '--model', TINY, '--prompt', 'a lake', '--steps', '2'],
      ...[
        '--image',
        path.join(FACES_DEV, 'B001231.jpg'),
        '--max-side',
        '64',
        '--rank',
        'closeness',
      ],
      ...['--best-of', '3', '--keep', '2', '--out', out],
    );
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const { width, height } = await sharp(out).metadata();
    expect(r.stdout[0]).toMatch(
      new RegExp(
        `^wrote .*best\\.jpg, .*best-2\\.jpg \\(${width}x${height}, denoised at 64x64, seed 0 -> candidate \\d+, \\d+,`,
      ),
    );
    expect(r.stdout[1]).toMatch(
      /^time: text encoder .* unet .*\/step\), scheduler .* tensors .* total/,
    );
    expect((await readdir(dir)).filter((f) => f.startsWith('best'))).toEqual([
      'best-2.jpg',
      'best.jpg',
    ]);
    const lake = await cli(
      ...['diffusion', 'run', '--model', TINY, '--prompt', 'a lake', '--steps', '2'],
      ...['--out', path.join(dir, 'lake.png')],
    );
    expect(lake.stdout[0]).toMatch(/^wrote .*lake\.png \(64x64, denoised at 64x64/);
    const ranked = await cli(
      ...['diffusion', 'run', '--model', TINY, '--prompt', 'a lake', '--best-of', '2'],
      ...['--out', path.join(dir, 'never.png')],
    );
    expect(ranked.stderr.join('\n')).toMatch(/Expected --image with --best-of 2/);
  });

  it('fails clearly, writing nothing, for a bad strength, size or folder', async () => {
    const out = path.join(dir, 'never.png');
    const image = path.join(FACES_DEV, 'B001231.jpg');
    const run = (...args: string[]) =>
      cli('diffusion', 'run', '--model', TINY, '--prompt', 'x', ...args);
    const strength = await run('--image', image, '--strength', '0', '--out', out);
    expect(strength.code).toBe(EXIT.FAILED);
    expect(strength.stderr.join('\n')).toMatch(/Expected a strength in \(0, 1\]/);
    const turbo = await run('--image', image, '--strength', '0.5', '--steps', '1', '--out', out);
    expect(turbo.stderr.join('\n')).toMatch(/steps \* strength >= 1/);
    const size = await run('--width', '100', '--out', out);
    expect(size.stderr.join('\n')).toMatch(/multiple of 64/);
    const folder = await cli('diffusion', 'run', '--model', dir, '--prompt', 'x', '--out', out);
    expect(folder.stderr.join('\n')).toMatch(/FL_ERR_DIFFUSION_LAYOUT: .* lacks model_index.json/);
    const ext = await run('--out', path.join(dir, 'x.bmp'));
    expect(ext.stderr.join('\n')).toMatch(/--out to end in \.png/);
    expect((await readdir(dir)).filter((f) => f.startsWith('never') || f.startsWith('x.'))).toEqual(
      [],
    );
  });
});

describe('filterlab diffusion run and the diffusion.img2img step', () => {
  it('give the same pixels for the same settings and seed (one seed rule, one ranking)', async () => {
    const photoFile = path.join(FACES_DEV, 'B001231.jpg');
    const out = path.join(dir, 'door-cli.png');
    const r = await cli(
      ...['diffusion', 'run', '--model', TINY, '--prompt', 'anime portrait', '--steps', '4'],
      ...['--strength', '0.5', '--image', photoFile, '--max-side', '128', '--seed', '11'],
      ...['--best-of', '3', '--rank', 'closeness', '--out', out],
    );
    expect(r.code).toBe(0);
    const spec = validateSpec({
      id: 'door-test',
      version: 1,
      steps: [
        {
          type: 'diffusion.img2img',
          model: TINY,
          prompt: 'anime portrait',
          steps: 4,
          strength: 0.5,
          maxSide: 128,
          bestOf: 3,
          rank: 'closeness',
        },
      ],
    });
    const ctx = createContext({
      modelsDir: path.join(dir, 'models'),
      logger: pino({ level: 'silent' }),
    });
    try {
      const runner = await compile(spec, ctx);
      const { image } = await readImage(photoFile);
      const result = await runner.run(image, { seed: 11 });
      const viaStep = await sharp(await encodeImage(result.image, { format: 'png' }))
        .raw()
        .toBuffer();
      const viaCli = await sharp(out).raw().toBuffer();
      expect(viaCli.equals(viaStep)).toBe(true);
      await runner.dispose();
    } finally {
      await disposeContext(ctx);
    }
  });
});
