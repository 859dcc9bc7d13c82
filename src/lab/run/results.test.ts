import { describe, expect, it } from 'vitest';
import { build, experiment, failed, rows } from '../__fixtures__/scored-run.js';

describe('buildResults', () => {
  it('without gates the verdict is NO-SHIP, however good the numbers', () => {
    const r = build(experiment());
    expect(r.verdict).toMatchObject({ decision: 'NO-SHIP', failing: [] });
    expect(r.verdict.reason).toMatch(/No gates/);
    expect(r.verdict.variant).toBeUndefined();
  });

  it('SHIP picks the passing candidate with the best identity', () => {
    const r = build(experiment({ gates: [{ metric: 'identity', min: 0.7 }] }));
    expect(r.verdict).toMatchObject({
      decision: 'SHIP',
      variant: 'film-warm[strength=0.5]',
      failing: [],
    });
    expect(r.variants.map((v) => [v.id, v.verdict])).toEqual([
      ['vivid', 'NO-SHIP'],
      ['film-warm[strength=0.5]', 'SHIP'],
      ['film-warm[strength=1]', 'SHIP'],
    ]);
    // the baseline is not gated
    expect(r.variants[0]!.gates).toEqual([]);
  });

  it('without identity among the metrics, SHIP picks by SSIM', () => {
    const e = experiment({ metrics: ['ssim'], gates: [{ metric: 'ssim', min: 0.5 }] });
    // ssim = 1 - level / 10: strength 1 (level 0.8) has the best SSIM
    expect(build(e).verdict).toMatchObject({ decision: 'SHIP', variant: 'film-warm[strength=1]' });
  });

  it('a candidate failing a gate is listed; when none passes the verdict is NO-SHIP', () => {
    const e = experiment({ gates: [{ metric: 'identity', per: 'gender', min: 0.8 }] });
    const r = build(e);
    expect(r.verdict.decision).toBe('SHIP');
    expect(r.verdict.variant).toBe('film-warm[strength=0.5]');
    expect(r.verdict.failing).toEqual([
      {
        variant: 'film-warm[strength=1]',
        gate: 'mean identity for every gender >= 0.8',
        value: expect.closeTo(0.75, 12),
      },
    ]);
    const strict = build(experiment({ gates: [{ metric: 'identity', min: 0.99 }] }));
    expect(strict.verdict.decision).toBe('NO-SHIP');
    expect(strict.verdict.failing.map((f) => f.variant)).toEqual([
      'film-warm[strength=0.5]',
      'film-warm[strength=1]',
    ]);
  });

  it('summarises overall and per slice; slice counts add up to the photos scored', () => {
    const r = build(experiment());
    const v = r.variants[1]!;
    expect(v.outcomes).toEqual({ ok: 6, no_face: 0, error: 0 });
    expect(v.overall.identity!.mean).toBeCloseTo(0.875, 12);
    expect(v.slices.gender!.F!.identity!.mean).toBeCloseTo(0.9, 12);
    expect(v.slices.gender!.M!.identity!.mean).toBeCloseTo(0.85, 12);
    expect(v.slices.gender!.F!.identity!.n + v.slices.gender!.M!.identity!.n).toBe(6);
    expect(v.worstSlice.identity).toMatchObject({ column: 'gender', slice: 'M', n: 3 });
    expect(v.worstSlice.identity!.mean).toBeCloseTo(0.85, 12);
    // skin_delta_l is -0.5 in both slices: no slice is the worst
    expect(v.worstSlice.skin_delta_l).toBeUndefined();
    expect(r.variants[0]!.worstSlice.identity).toMatchObject({ slice: 'M' });
  });

  it('compares every candidate with the baseline, paired by photo', () => {
    const r = build(experiment());
    const d = r.variants[1]!.vsBaseline;
    expect(d.identity).toMatchObject({ n: 6, winRate: 0 });
    expect(d.identity!.meanDiff).toBeCloseTo(-0.05, 12);
    // -0.5 is closer to zero than the baseline's +2 on every photo
    expect(d.skin_delta_l).toMatchObject({ n: 6, winRate: 1, meanDiff: -2.5 });
    expect(r.variants[0]!.vsBaseline).toEqual({});
  });

  it('averages metrics over seeds, per variant and per photo', () => {
    const e = experiment({ seeds: [0, 1] });
    const r = build(e);
    expect(r.variants[1]!.overall.identity!.mean).toBeCloseTo(0.88, 12);
    expect(r.variants[1]!.overall.identity!.n).toBe(6);
    const f1 = r.images.find((i) => i.file === 'f1.jpg')!;
    expect(f1.variants['film-warm[strength=0.5]']!.metrics.identity).toBeCloseTo(0.905, 12);
    expect(f1.variants['film-warm[strength=0.5]']!.outputKey).toBe(
      'film-warm[strength=0.5]/f1.jpg/0',
    );
    expect(f1.slices).toEqual({ gender: 'F' });
  });

  it('a photo that cannot be read is reported but not held against the filters', () => {
    const e = experiment({ gates: [{ metric: 'identity', min: 0.7 }] });
    const r = build(
      e,
      rows(e, (row) => (row.file === 'm3.jpg' ? failed(row, 'FL_ERR_IMAGE_CORRUPT') : row)),
    );
    expect(r.variants[1]!.outcomes).toEqual({ ok: 5, no_face: 0, error: 1 });
    expect(r.verdict.decision).toBe('SHIP');
    const m3 = r.images.find((i) => i.file === 'm3.jpg')!;
    expect(m3.variants.vivid).toMatchObject({
      outcome: 'error',
      error: { code: 'FL_ERR_IMAGE_CORRUPT', message: 'boom' },
      outputKey: null,
    });
  });

  it('a filter that fails on a readable photo does not ship', () => {
    const e = experiment({ gates: [{ metric: 'identity', min: 0.7 }] });
    const r = build(
      e,
      rows(e, (row) =>
        row.file === 'f2.jpg' && row.variant === 'film-warm[strength=0.5]'
          ? failed(row, 'FL_ERR_INFERENCE')
          : row,
      ),
    );
    const broken = r.variants[1]!;
    expect(broken.verdict).toBe('NO-SHIP');
    expect(broken.gates.at(-1)).toMatchObject({
      label: 'no filter errors on readable photos',
      pass: false,
      value: 1,
      note: 'f2.jpg: FL_ERR_INFERENCE',
    });
    expect(r.verdict).toMatchObject({ decision: 'SHIP', variant: 'film-warm[strength=1]' });
  });

  it('no_face rows count as outcomes, not errors', () => {
    const e = experiment({ gates: [{ metric: 'identity', min: 0.7 }] });
    const r = build(
      e,
      rows(e, (row) =>
        row.file === 'f1.jpg' ? { ...failed(row, 'FL_ERR_NO_FACE'), outcome: 'no_face' } : row,
      ),
    );
    expect(r.variants[1]!.outcomes).toEqual({ ok: 5, no_face: 1, error: 0 });
    expect(r.verdict.decision).toBe('SHIP');
  });

  it('records what was run: dataset, metrics with their references, version ids', () => {
    const r = build(experiment());
    expect(r).toMatchObject({
      schema: 1,
      runId: 'run-1',
      dataset: { root: '/photos', photos: 6, manifestHash: 'abc', columns: ['gender'] },
      seeds: [0],
      sliceColumns: ['gender'],
    });
    expect(r.metrics.map((m) => [m.id, m.direction])).toEqual([
      ['identity', 'higher'],
      ['ssim', 'higher'],
      ['skin_delta_l', 'zero'],
    ]);
    expect(r.variants.map((v) => v.versionId)).toEqual(['vivid@1', 'film-warm@1', 'film-warm@1']);
  });
});
