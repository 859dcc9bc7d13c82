/** The human-readable form of a bench report. */
import type { BenchReport } from './bench-report.js';
import type { RegressionResult } from './regression.js';
import { mb, ms, textTable } from './text-table.js';

export function benchTable(r: BenchReport): string[] {
  const lines = [
    `${r.filter.id} (${r.filter.versionId})  ${r.machine.cpu}, ${r.machine.cores} cores, load ${r.machine.loadAverage}, node ${r.machine.node}`,
    `cold start: compile ${ms(r.coldStart.compileMs)} ms, first run ${ms(r.coldStart.firstRunMs)} ms at ${r.coldStart.size}px`,
    '',
    ...textTable(
      ['size', 'input', 'p50 ms', 'p95 ms', 'p99 ms', 'cpu p50 ms', 'runs', 'sampled peak RSS MB'],
      r.sizes.map((s) => [
        String(s.size),
        `${s.input.width}x${s.input.height}`,
        ms(s.latency.p50),
        ms(s.latency.p95),
        ms(s.latency.p99),
        ms(s.cpu.p50),
        String(s.latency.n),
        mb(s.sampledPeakRssMb),
      ]),
    ),
  ];
  for (const s of r.sizes) {
    lines.push('', `steps at ${s.size}px:`);
    lines.push(
      ...textTable(
        ['#', 'step', 'p50 ms', 'p95 ms', 'p99 ms'],
        s.steps.map((st) => [
          String(st.index),
          st.type,
          ms(st.latency.p50),
          ms(st.latency.p95),
          ms(st.latency.p99),
        ]),
      ).map((l) => `  ${l}`),
    );
    if (s.throughput.length) {
      lines.push(
        `  throughput: ${s.throughput.map((t) => `${t.concurrency} in flight ${t.perSecond.toFixed(2)}/s (p50 ${ms(t.latency.p50)} ms)`).join(', ')}`,
      );
    }
  }
  const m = r.memory;
  lines.push(
    '',
    `memory: ${mb(m.baselineRssMb)} MB before compile, peak ${mb(m.peakRssMb)} MB (process)`,
  );
  if (m.leak) {
    lines.push(
      `leak check: ${m.leak.runs} runs, RSS ${mb(m.leak.startRssMb)} → ${mb(m.leak.endRssMb)} MB, ` +
        `${signed(m.leak.growthMbPer100Runs)} MB / 100 runs (slope ${signed(m.leak.slopeMbPer100Runs)}), ` +
        `gc ${m.leak.gc === 'unavailable' ? 'unavailable: RSS includes garbage' : `forced (${m.leak.gc})`}`,
    );
  }
  return lines;
}

export function regressionTable(r: RegressionResult): string[] {
  return [
    `regression guard: p50 may be at most ${r.maxRegressionPct}% slower than the baseline`,
    ...textTable(
      ['size', 'baseline p50 ms', 'p50 ms', 'change', 'verdict'],
      r.checks.map((c) => [
        String(c.size),
        ms(c.baselineP50),
        ms(c.currentP50),
        `${signed(c.changePct, 1)}%`,
        c.regressed ? 'REGRESSED' : 'ok',
      ]),
    ),
    ...(r.unmatched.length ? [`not in the baseline: ${r.unmatched.join(', ')}px`] : []),
  ];
}

function signed(v: number, digits = 2): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;
}
