import { describe, expect, it } from 'vitest';
import { GateSchema, type Gate } from './experiment.js';
import { evaluateGate, gateLabel, statOf, type ScoredImage } from './gates.js';

const gate = (g: Record<string, unknown>): Gate => GateSchema.parse(g);

function img(file: string, gender: string, age: string, identity: number | undefined): ScoredImage {
  return {
    file,
    slices: { gender, age_band: age },
    metrics: { identity, ssim: 0.9 },
    outcome: 'ok',
  };
}

// women 0.90 0.92 0.94 (mean 0.92); men 0.80 0.84 0.88 0.86 (mean 0.845); one 20-39
const IMAGES: ScoredImage[] = [
  img('f1', 'F', '40-59', 0.9),
  img('f2', 'F', '60+', 0.92),
  img('f3', 'F', '60+', 0.94),
  img('m1', 'M', '40-59', 0.8),
  img('m2', 'M', '40-59', 0.84),
  img('m3', 'M', '60+', 0.88),
  img('m4', 'M', '20-39', 0.86),
  img('x', '', '60+', undefined),
];

describe('statOf', () => {
  it('computes each statistic over finite values', () => {
    const v = [3, 1, NaN, 2, 4];
    expect(statOf(v, 'mean')).toBe(2.5);
    expect(statOf(v, 'rate')).toBe(2.5);
    expect(statOf(v, 'median')).toBe(2.5);
    expect(statOf(v, 'min')).toBe(1);
    expect(statOf(v, 'max')).toBe(4);
    expect(statOf(v, 'p05')).toBeCloseTo(1.15, 12);
    expect(statOf(v, 'p95')).toBeCloseTo(3.85, 12);
    expect(statOf([NaN], 'mean')).toBeNaN();
  });
});

describe('evaluateGate', () => {
  it('overall: the statistic of every photo that has the metric', () => {
    const pass = evaluateGate(gate({ metric: 'identity', min: 0.85 }), IMAGES);
    expect(pass.pass).toBe(true);
    expect(pass.value).toBeCloseTo(6.14 / 7, 12);
    expect(pass.label).toBe('mean identity >= 0.85');
    const fail = evaluateGate(gate({ metric: 'identity', stat: 'min', min: 0.85 }), IMAGES);
    expect(fail).toMatchObject({ pass: false, value: 0.8 });
    const none = evaluateGate(gate({ metric: 'skin_delta_e', max: 3 }), IMAGES);
    expect(none).toMatchObject({ pass: false, note: 'no photo has this metric' });
    expect(none.value).toBeNaN();
  });

  it('per slice: every gated slice must pass; the value is the worst slice', () => {
    const g = evaluateGate(gate({ metric: 'identity', per: 'gender', min: 0.85 }), IMAGES);
    expect(g.pass).toBe(false);
    expect(g.value).toBeCloseTo(0.845, 12);
    expect(g.slices).toEqual([
      { slice: 'F', value: expect.closeTo(0.92, 12), n: 3, gated: true },
      { slice: 'M', value: expect.closeTo(0.845, 12), n: 4, gated: true },
    ]);
    const ok = evaluateGate(gate({ metric: 'identity', per: 'gender', min: 0.8 }), IMAGES);
    expect(ok.pass).toBe(true);
    expect(ok.value).toBeCloseTo(0.845, 12);
  });

  it('per slice with a max: the worst is the highest', () => {
    const g = evaluateGate(gate({ metric: 'identity', per: 'gender', max: 0.9 }), IMAGES);
    expect(g.pass).toBe(false);
    expect(g.value).toBeCloseTo(0.92, 12);
  });

  it('the reported value is the worst failing slice, not the first one alphabetically', () => {
    const g = evaluateGate(
      gate({ metric: 'identity', per: 'age_band', min: 0.95, minCount: 1 }),
      IMAGES,
    );
    expect(g.pass).toBe(false);
    // 20-39: 0.86, 40-59: 0.8467, 60+: 0.9133; the worst is 40-59
    expect(g.value).toBeCloseTo((0.9 + 0.8 + 0.84) / 3, 12);
  });

  it('slices smaller than minCount are listed but not gated', () => {
    const g = evaluateGate(gate({ metric: 'identity', per: 'age_band', min: 0.85 }), IMAGES);
    // 40-59 (n=3) fails at 0.8467; 20-39 (n=1) would pass but is not gated
    expect(g.slices?.map((s) => [s.slice, s.n, s.gated])).toEqual([
      ['20-39', 1, false],
      ['40-59', 3, true],
      ['60+', 3, true],
    ]);
    expect(g.pass).toBe(false);
    const lenient = evaluateGate(
      gate({ metric: 'identity', per: 'age_band', min: 0.85, minCount: 4 }),
      IMAGES,
    );
    expect(lenient).toMatchObject({
      pass: false,
      note: 'no age_band slice has 4 or more photos',
    });
  });

  it('unlabelled photos form a slice that is reported, never gated', () => {
    const images = [...IMAGES, img('y', '', '60+', 0.1), img('z', '', '60+', 0.1)];
    images[7] = img('x', '', '60+', 0.1);
    const g = evaluateGate(gate({ metric: 'identity', per: 'gender', min: 0.8 }), images);
    expect(g.slices?.find((s) => s.slice === '(unlabelled)')).toMatchObject({
      n: 3,
      gated: false,
    });
    expect(g.pass).toBe(true);
  });

  it('gap: best minus worst gated slice', () => {
    const g = evaluateGate(gate({ metric: 'identity', gap: 'gender', max: 0.02 }), IMAGES);
    expect(g.pass).toBe(false);
    expect(g.value).toBeCloseTo(0.92 - 0.845, 12);
    expect(g.label).toBe('gap in mean identity across gender <= 0.02');
    expect(evaluateGate(gate({ metric: 'identity', gap: 'gender', max: 0.08 }), IMAGES).pass).toBe(
      true,
    );
  });

  it('gap: one gated slice is not a measured gap and fails', () => {
    const women = IMAGES.filter((i) => i.slices.gender === 'F');
    const g = evaluateGate(gate({ metric: 'identity', gap: 'gender', max: 0.5 }), women);
    expect(g).toMatchObject({ pass: false, note: expect.stringContaining('two gender slices') });
  });

  it('vsBaseline: the threshold applies to candidate - baseline per photo', () => {
    const baseline = new Map(
      IMAGES.map((i) => [
        i.file,
        { ...i, metrics: { identity: (i.metrics.identity ?? 0) + 0.01 } } as ScoredImage,
      ]),
    );
    const g = evaluateGate(
      gate({ metric: 'identity', vsBaseline: true, min: -0.02 }),
      IMAGES,
      baseline,
    );
    expect(g.pass).toBe(true);
    expect(g.value).toBeCloseTo(-0.01, 12);
    expect(g.label).toBe('mean change of identity vs baseline >= -0.02');
    const strict = evaluateGate(
      gate({ metric: 'identity', vsBaseline: true, per: 'gender', min: 0 }),
      IMAGES,
      baseline,
    );
    expect(strict.pass).toBe(false);
    expect(strict.slices?.map((s) => s.n)).toEqual([3, 4]);
    expect(
      evaluateGate(gate({ metric: 'identity', vsBaseline: true, min: 0 }), IMAGES),
    ).toMatchObject({ pass: false, note: 'the experiment has no baseline' });
  });
});

describe('gateLabel', () => {
  it('describes the gate, or uses its description', () => {
    expect(gateLabel(gate({ metric: 'ssim', stat: 'p05', min: 0.5, max: 0.99 }))).toBe(
      'p05 ssim >= 0.5 and <= 0.99',
    );
    expect(gateLabel(gate({ metric: 'identity', per: 'age_band', min: 0.75 }))).toBe(
      'mean identity for every age_band >= 0.75',
    );
    expect(gateLabel(gate({ metric: 'ssim', min: 0.5, description: 'looks the same' }))).toBe(
      'looks the same',
    );
  });
});
