/** The regression guard: is this bench's p50 more than a given percent slower than a baseline's? */
import { readFile } from 'node:fs/promises';
import { FilterlabError } from '../core/errors.js';
import { parseWith } from '../core/util/parse-with.js';
import { BenchReportSchema, type BenchReport } from './bench-report.js';

export interface SizeCheck {
  size: number;
  baselineP50: number;
  currentP50: number;
  /** (current - baseline) / baseline x 100: positive is slower. */
  changePct: number;
  regressed: boolean;
}

export interface RegressionResult {
  maxRegressionPct: number;
  checks: SizeCheck[];
  regressed: boolean;
  /** Sizes of this bench that the baseline did not measure (not compared). */
  unmatched: number[];
}

export function compareToBaseline(
  current: BenchReport,
  baseline: BenchReport,
  maxRegressionPct: number,
): RegressionResult {
  const checks: SizeCheck[] = [];
  const unmatched: number[] = [];
  for (const now of current.sizes) {
    const before = baseline.sizes.find((s) => s.size === now.size);
    if (!before) {
      unmatched.push(now.size);
      continue;
    }
    const changePct = ((now.latency.p50 - before.latency.p50) / before.latency.p50) * 100;
    checks.push({
      size: now.size,
      baselineP50: before.latency.p50,
      currentP50: now.latency.p50,
      changePct,
      regressed: changePct > maxRegressionPct,
    });
  }
  if (!checks.length) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected the baseline to share a size with this bench (${current.sizes.map((s) => s.size).join(', ')}) but it has ${baseline.sizes.map((s) => s.size).join(', ')}`,
    );
  }
  return { maxRegressionPct, checks, regressed: checks.some((c) => c.regressed), unmatched };
}

export async function readBaseline(file: string): Promise<BenchReport> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_IO',
      `Expected a bench JSON file at ${file} (from \`filterlab bench --json\`) but it cannot be read: ${(cause as Error).message}`,
      { cause, details: { file } },
    );
  }
  return parseWith(
    BenchReportSchema,
    json,
    'FL_ERR_INVALID_ARGUMENT',
    `Expected ${file} to be a bench report from \`filterlab bench --json\``,
    { details: { file } },
  );
}
