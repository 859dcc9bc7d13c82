import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, dataset, experiment, rows } from './__fixtures__/scored-run.js';
import { compareRuns, loadRunResults } from './compare.js';
import type { ResultRow } from './run/run-store.js';

const gates = [{ metric: 'identity', min: 0.75 }];
const worse = (r: ResultRow): ResultRow =>
  r.variant === 'film-warm[strength=1]'
    ? { ...r, metrics: { ...r.metrics, identity: r.metrics.identity! - 0.1 } }
    : r;

describe('compareRuns', () => {
  const e = experiment({ gates });
  const a = build(e, rows(e), 'run-a');
  const b = build(e, rows(e, worse), 'run-b');

  it('pairs metrics by photo on the same photos and reports the gates that changed', () => {
    const cmp = compareRuns(a, b);
    expect(cmp.a).toEqual({ runId: 'run-a', verdict: 'SHIP', manifestHash: 'abc' });
    expect(cmp.sameDataset).toBe(true);
    expect(cmp.variants.map((v) => v.id)).toEqual([
      'vivid',
      'film-warm[strength=0.5]',
      'film-warm[strength=1]',
    ]);
    const changed = cmp.variants[2]!;
    expect(changed).toMatchObject({
      versionA: 'film-warm@1',
      versionB: 'film-warm@1',
      verdictA: 'SHIP',
      verdictB: 'NO-SHIP',
      gatesChanged: [{ gate: 'mean identity >= 0.75', passA: true, passB: false }],
    });
    const identity = changed.metrics.find((m) => m.id === 'identity')!;
    expect(identity.meanA).toBeCloseTo(0.775, 12);
    expect(identity.meanB).toBeCloseTo(0.675, 12);
    expect(identity.delta).toBeCloseTo(-0.1, 12);
    expect(identity.paired).toMatchObject({ n: 6, winRate: 0 });
    expect(identity.paired!.meanDiff).toBeCloseTo(-0.1, 12);
    expect(identity.paired!.ci[0]).toBeCloseTo(-0.1, 12);
    // unchanged variants: zero deltas, no gate changes
    const same = cmp.variants[1]!;
    expect(same.metrics.every((m) => m.delta === 0)).toBe(true);
    expect(same.gatesChanged).toEqual([]);
    expect(cmp.onlyInA).toEqual([]);
    expect(cmp.onlyInB).toEqual([]);
  });

  it('lists variants only one run has', () => {
    const e2 = experiment({
      gates,
      candidates: [{ filter: 'film-warm', grid: { strength: [0.5, 0.7] } }],
    });
    const cmp = compareRuns(a, build(e2, rows(e2), 'run-c'));
    expect(cmp.variants.map((v) => v.id)).toEqual(['vivid', 'film-warm[strength=0.5]']);
    expect(cmp.onlyInA).toEqual(['film-warm[strength=1]']);
    expect(cmp.onlyInB).toEqual(['film-warm[strength=0.7]']);
  });

  it('does not pair photos of different datasets, even with the same names', () => {
    const other = { ...b, dataset: { ...b.dataset, manifestHash: 'def' } };
    const cmp = compareRuns(a, other);
    expect(cmp.sameDataset).toBe(false);
    const identity = cmp.variants[2]!.metrics.find((m) => m.id === 'identity')!;
    expect(identity.paired).toBeUndefined();
    expect(identity.delta).toBeCloseTo(-0.1, 12);
  });

  it('ignores gates that only one run has', () => {
    const e2 = experiment({ gates: [...gates, { metric: 'ssim', min: 0.99 }] });
    const cmp = compareRuns(a, build(e2, rows(e2), 'run-d'));
    expect(cmp.variants.every((v) => v.gatesChanged.length === 0)).toBe(true);
  });
});

describe('loadRunResults', () => {
  it('finds a run by folder, by results.json or by id under the runs folder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fl-compare-'));
    try {
      const runDir = path.join(dir, 'runs', 'run-a');
      await mkdir(runDir, { recursive: true });
      const run = build(experiment());
      await writeFile(path.join(runDir, 'results.json'), JSON.stringify(run));
      for (const ref of [runDir, path.join(runDir, 'results.json')])
        expect((await loadRunResults(ref)).runId).toBe('run-1');
      expect((await loadRunResults('run-a', path.join(dir, 'runs'))).dataset).toEqual({
        root: dataset.root,
        photos: 6,
        manifestHash: 'abc',
        columns: ['gender'],
      });
      await expect(loadRunResults('nope', path.join(dir, 'runs'))).rejects.toMatchObject({
        code: 'FL_ERR_NOT_FOUND',
        message: expect.stringContaining('"nope"'),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
