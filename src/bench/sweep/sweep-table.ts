import { mb, ms, textTable } from '../text-table.js';
import type { SweepReport } from './sweep-report.js';

export function sweepTable(r: SweepReport): string[] {
  const lines = textTable(
    ['point', 'size', 'p50 ms', 'p95 ms', 'peak RSS MB', 'SSIM', 'identity', 'Pareto', 'note'],
    r.points.map((p, i) => [
      p.label + (i === r.recommended ? ' *' : ''),
      String(p.size),
      ...(p.latency && p.quality
        ? [
            ms(p.latency.p50),
            ms(p.latency.p95),
            mb(p.peakRssMb ?? 0),
            p.quality.ssim.toFixed(4),
            p.quality.identity !== undefined ? p.quality.identity.toFixed(4) : '-',
            p.pareto ? 'yes' : '',
            '',
          ]
        : ['-', '-', '-', '-', '-', '', `failed: ${p.error ?? 'unknown'}`]),
    ]),
  );
  const rec = r.recommended !== undefined ? r.points[r.recommended] : undefined;
  lines.push(
    '',
    rec ? `recommended (*): ${rec.label}` : 'no point meets the constraints',
    `identity: ${r.identity.note}`,
  );
  return lines;
}
