import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkColumns,
  expandVariants,
  ExperimentSchema,
  loadExperiment,
  type Experiment,
} from './experiment.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fl-experiment-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = {
  name: 'looks',
  dataset: { path: 'photos' },
  candidates: [{ filter: 'film-warm' }],
};

async function load(config: unknown) {
  const file = path.join(dir, `e${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, typeof config === 'string' ? config : YAML.stringify(config));
  return loadExperiment(file);
}

const parse = (config: Record<string, unknown>): Experiment =>
  ExperimentSchema.parse({ ...base, ...config });

describe('loadExperiment', () => {
  it('fills the defaults and resolves paths against the file', async () => {
    const loaded = await load(base);
    expect(loaded.baseDir).toBe(dir);
    expect(loaded.experiment).toMatchObject({
      seeds: [0],
      metrics: ['identity', 'face_survival', 'ssim', 'skin_delta_e', 'skin_delta_l', 'latency_ms'],
      slices: [],
      gates: [],
      concurrency: 1,
    });
    expect(loaded.experiment.candidates[0]).toEqual({ filter: 'film-warm', params: {}, grid: {} });
    expect(loaded.text).toContain('film-warm');
  });

  it.each([
    [{ ...base, candidates: [] }, 'candidates'],
    [{ ...base, dataset: {} }, 'dataset.path'],
    [
      { ...base, candidates: [{ filter: 'vivid', grid: { saturation: [] } }] },
      'candidates[0].grid.saturation',
    ],
    [{ ...base, metrics: ['ssim', 'sharpnes'] }, 'metrics[1]'],
    [{ ...base, gates: [{ metric: 'ssim' }] }, 'gates[0]'],
    [{ ...base, metrics: ['ssim'], gates: [{ metric: 'identity', min: 0.8 }] }, 'gates[0].metric'],
    [{ ...base, gates: [{ metric: 'ssim', min: 0.5, per: 'gender', gap: 'gender' }] }, 'gates[0]'],
    [{ ...base, gates: [{ metric: 'ssim', min: 0.5, stat: 'average' }] }, 'gates[0].stat'],
    [{ ...base, concurrency: 0 }, 'concurrency'],
    [{ ...base, seeds: [-1] }, 'seeds[0]'],
    [{ ...base, dataset: { path: 'p', match: '(' } }, 'dataset.match'],
    [
      { ...base, baseline: { filter: 'vivid', grid: { saturation: [0.1, 0.2] } } },
      'baseline.grid.saturation',
    ],
    [{ ...base, candidates: [{ filter: 'vivid', strength: 1 }] }, 'candidates[0].strength'],
  ])('names the bad field: %j -> %s', async (config, field) => {
    const error = await load(config).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FL_ERR_CONFIG' });
    expect((error as Error).message).toContain(`${field}:`);
  });

  it('says what is wrong with a metric name, listing the valid ones', async () => {
    const error = (await load({ ...base, metrics: ['ssim', 'sharpnes'] }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error.message).toMatch(
      /metrics\[1\]: Expected a metric among identity, .*sharpness.* but received "sharpnes"/,
    );
  });

  it('reports a missing file and bad YAML as FL_ERR_CONFIG', async () => {
    await expect(loadExperiment(path.join(dir, 'none.yaml'))).rejects.toMatchObject({
      code: 'FL_ERR_CONFIG',
      message: expect.stringContaining('cannot be read'),
    });
    await expect(load('name: [unclosed')).rejects.toMatchObject({
      code: 'FL_ERR_CONFIG',
      message: expect.stringContaining('Expected YAML'),
    });
  });
});

describe('expandVariants', () => {
  it('takes the product of every grid, fixed params under grid values, baseline first', () => {
    const variants = expandVariants(
      parse({
        baseline: { filter: 'vivid' },
        candidates: [
          {
            filter: 'film-warm',
            params: { grain: 0, strength: 0.1 },
            grid: { strength: [0.5, 1], grain: [0, 0.05] },
          },
          { filter: 'filters/soft-fade.yaml', grid: { fade: [0.3] } },
        ],
      }),
    );
    expect(variants.map((v) => v.id)).toEqual([
      'vivid',
      'film-warm[strength=0.5,grain=0]',
      'film-warm[strength=0.5,grain=0.05]',
      'film-warm[strength=1,grain=0]',
      'film-warm[strength=1,grain=0.05]',
      'soft-fade[fade=0.3]',
    ]);
    expect(variants[0]).toEqual({
      id: 'vivid',
      filter: 'vivid',
      label: 'vivid',
      params: {},
      isBaseline: true,
    });
    expect(variants[2]).toMatchObject({
      params: { strength: 0.5, grain: 0.05 },
      isBaseline: false,
      label: 'film-warm',
    });
    expect(variants[5]).toMatchObject({ filter: 'filters/soft-fade.yaml', label: 'soft-fade' });
  });

  it('names variants after `name` when given', () => {
    const variants = expandVariants(
      parse({ candidates: [{ filter: 'vivid', name: 'punchy', params: { saturation: 0.8 } }] }),
    );
    expect(variants).toEqual([
      {
        id: 'punchy',
        filter: 'vivid',
        label: 'punchy',
        params: { saturation: 0.8 },
        isBaseline: false,
      },
    ]);
  });

  it('refuses two variants with the same name', () => {
    expect(() =>
      expandVariants(
        parse({
          baseline: { filter: 'vivid' },
          candidates: [{ filter: 'vivid', params: { saturation: 0.8 } }],
        }),
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_CONFIG',
        message: expect.stringContaining('both named vivid'),
      }),
    );
  });
});

describe('checkColumns', () => {
  it('accepts label and auto-tag columns, names the field that has a typo', () => {
    const e = parse({
      slices: ['gender', 'light'],
      metrics: ['ssim'],
      gates: [
        { metric: 'ssim', per: 'gender', min: 0.5 },
        { metric: 'ssim', gap: 'gendr', max: 0.1 },
      ],
    });
    expect(() => checkColumns({ ...e, gates: [e.gates[0]!] }, ['gender', 'light'])).not.toThrow();
    expect(() => checkColumns(e, ['gender', 'light'])).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_CONFIG',
        message: expect.stringMatching(/gates\[1\]\.gap .* but received "gendr"/),
      }),
    );
    expect(() => checkColumns(e, ['light'])).toThrow(/slices\[0\]/);
  });
});
