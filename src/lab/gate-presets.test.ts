/**
 * The portrait gate preset: how it expands, and that it turns deliberately broken filters
 * (fixture specs) into NO-SHIP for the reason it exists, on a few sample portraits, while the
 * built-in look they break passes the same gates on the same photos.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { REPO_ROOT } from '../../test/support/paths.js';
import { createContext, disposeContext, type Context } from '../core/context.js';
import { ExperimentSchema, loadExperiment } from './experiment.js';
import { GATE_PRESETS, presetMetrics } from './gate-presets.js';
import { runExperiment } from './run/runner.js';

const base = {
  name: 'preset',
  dataset: { path: 'photos' },
  candidates: [{ filter: 'vivid' }],
};

describe('gates: { preset: portrait }', () => {
  it('expands in place into the documented gates and adds the metrics they read', () => {
    const e = ExperimentSchema.parse({
      ...base,
      metrics: ['ssim'],
      gates: [{ metric: 'ssim', min: 0.5 }, { preset: 'portrait' }],
    });
    expect(e.gates).toHaveLength(1 + GATE_PRESETS.portrait.length);
    expect(e.gates[0]).toMatchObject({ metric: 'ssim', min: 0.5 });
    expect(e.metrics).toEqual(['ssim', ...presetMetrics('portrait')]);
    for (const per of ['gender', 'age_band', 'perceived_tone'])
      expect(e.gates.some((g) => g.metric === 'identity' && g.per === per)).toBe(true);
  });

  it('names the valid presets for an unknown one', () => {
    const r = ExperimentSchema.safeParse({ ...base, gates: [{ preset: 'portait' }] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/portrait/);
  });
});

describe('the portrait preset on sample portraits', () => {
  let dir: string;
  let ctx: Context;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'filterlab-preset-'));
    ctx = createContext();
  });
  afterAll(async () => {
    await disposeContext(ctx);
    await rm(dir, { recursive: true, force: true });
  });

  it('says NO-SHIP for orange skin and a hairline band; the fixed look passes those gates', async () => {
    const fixtures = path.join(REPO_ROOT, 'src', 'lab', '__fixtures__', 'specs');
    const file = path.join(dir, 'experiment.yaml');
    await writeFile(
      file,
      YAML.stringify({
        name: 'portrait-preset-test',
        dataset: { path: path.join(REPO_ROOT, 'samples', 'portraits'), limit: 4 },
        candidates: [
          { filter: 'vivid' },
          { filter: path.join(fixtures, 'broken-vivid.yaml') },
          { filter: path.join(fixtures, 'broken-keep-face.yaml') },
        ],
        gates: [{ preset: 'portrait' }],
      }),
    );
    const { results } = await runExperiment(await loadExperiment(file), { outDir: dir, ctx });
    const variant = (id: string) => results.variants.find((v) => v.id === id)!;
    const gate = (id: string, metric: string) =>
      variant(id).gates.find((g) => g.gate.metric === metric && !g.gate.per && !g.gate.gap)!;

    expect(variant('broken-vivid').verdict).toBe('NO-SHIP');
    expect(gate('broken-vivid', 'person_skin_chroma').pass).toBe(false);
    expect(gate('vivid', 'person_skin_chroma').pass).toBe(true);

    expect(variant('broken-keep-face').verdict).toBe('NO-SHIP');
    expect(gate('broken-keep-face', 'skin_breaks').pass).toBe(false);
    expect(gate('vivid', 'skin_breaks').pass).toBe(true);
  }, 120_000);
});
