import { describe, expect, it } from 'vitest';
import { percentiles } from '../percentiles.js';
import { paretoHtml } from './pareto-report.js';
import type { SweepPointResult, SweepReport } from './sweep-report.js';

function point(
  label: string,
  p50: number,
  ssim: number,
  extra: Partial<SweepPointResult> = {},
): SweepPointResult {
  return {
    knobs: {},
    label,
    isDefault: label === 'default',
    size: 512,
    latency: percentiles([p50]),
    peakRssMb: 300,
    quality: { ssim, minSsim: ssim, perPhoto: [] },
    pareto: false,
    paretoWithMemory: false,
    ...extra,
  };
}

const report: SweepReport = {
  kind: 'filterlab-sweep',
  version: 1,
  date: '2026-01-01T00:00:00.000Z',
  filter: { id: 'look', source: 'look.yaml' },
  machine: { cpu: 'test' },
  options: {
    knobs: [{ name: 'threads', kind: 'runtime', values: ['1', '2'] }],
    photo: 'p.jpg',
    qualitySet: 'photos/',
    qualityPhotos: 3,
    defaultSize: 512,
    runs: 5,
    warmup: 1,
    constraints: { budgetMs: 80, minQuality: 0.98 },
  },
  identity: { measured: false, note: 'not measured (--no-identity).' },
  points: [
    point('default', 100, 1, { pareto: true }),
    point('threads=1 <b>', 60, 0.99, { pareto: true }),
    point('threads=2', 120, 0.97),
    {
      ...point('ep=cuda', 0, 0),
      latency: undefined,
      quality: undefined,
      error: 'FL_ERR_MODEL_LOAD: no CUDA',
    },
  ],
  recommended: 1,
};

describe('Pareto report', () => {
  it('draws every point that ran, the front, the limits, and marks the recommended one', () => {
    const html = paretoHtml(report);
    expect(html.match(/<circle /g)).toHaveLength(3);
    expect(html.match(/<polyline /g)).toHaveLength(1);
    expect(html).toContain('budget 80 ms');
    expect(html).toContain('min 0.98');
    expect(html.match(/stroke="#16a34a"/g)).toHaveLength(1);
    expect(html).toContain(
      'Recommended (fastest meeting budget 80 ms, SSIM &#62;= 0.98): threads=1 &#60;b&#62;.',
    );
    expect(html).not.toContain('<b>');
    expect(html).toContain('<td colspan="7" class="muted">FL_ERR_MODEL_LOAD: no CUDA</td>');
    expect(html).not.toMatch(/<(script|link)\b/); // self-contained
  });

  it('says when no point meets the constraints', () => {
    const html = paretoHtml({ ...report, recommended: undefined });
    expect(html).toContain('No point meets budget 80 ms, SSIM &#62;= 0.98.');
    expect(html).not.toContain('stroke="#16a34a"');
  });
});
