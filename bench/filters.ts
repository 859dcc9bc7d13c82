/**
 * Latency and memory of every built-in filter at 1024 px.
 *
 *   npm run bench:filters -- [--size 1024] [--runs 20] [--warmup 3] [--leak-runs 0] [--photo file]
 *
 * Each filter is benched by `filterlab bench <id> --json` in its own process, so that the peak
 * RSS (getrusage) of one filter is not the high-water mark of the one before it. The photo is a
 * faces-dev portrait scaled to 1024 px on its long side (838x1024). Results: a table on stdout
 * and bench/results/filters.json (p50, p95, p99, CPU ms per run, peak RSS, per-step p50).
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { format } from 'prettier';
import { BenchReportSchema, type BenchReport } from '../src/bench/bench-report.js';
import { describeMachine } from '../src/bench/machine.js';
import { ms, textTable } from '../src/bench/text-table.js';
import { listBuiltinSpecs } from '../src/core/filters/load.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const extraArgs = argv.length ? ['--', ...argv] : [];
const CLI = path.join(ROOT, 'src', 'cli', 'bin.ts');
const RESULTS = path.join(ROOT, 'bench', 'results', 'filters.json');

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '1024' },
    runs: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    'leak-runs': { type: 'string', default: '0' },
    photo: { type: 'string' },
  },
});

/** `filterlab bench` from source, in a child node with this process's tsx loader. */
function benchInChild(id: string): Promise<BenchReport> {
  const argv = [
    ...process.execArgv,
    CLI,
    'bench',
    id,
    '--sizes',
    args.size,
    '--runs',
    args.runs,
    '--warmup',
    args.warmup,
    '--concurrency',
    '1',
    '--leak-runs',
    args['leak-runs'],
    '--json',
    '--no-progress',
    ...(args.photo ? ['--photo', args.photo] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`filterlab bench ${id} exited with ${code}`));
      resolve(BenchReportSchema.parse(JSON.parse(out)));
    });
  });
}

const started = new Date();
const machine = describeMachine();
const results = [];
for (const { spec } of await listBuiltinSpecs()) {
  process.stderr.write(`bench:filters ${spec.id} at ${args.size}px\n`);
  const r = await benchInChild(spec.id);
  const s = r.sizes[0]!;
  results.push({
    filter: spec.id,
    versionId: r.filter.versionId,
    size: s.size,
    input: s.input,
    p50Ms: s.latency.p50,
    p95Ms: s.latency.p95,
    p99Ms: s.latency.p99,
    cpuP50Ms: s.cpu.p50,
    runs: s.latency.n,
    peakRssMb: r.memory.peakRssMb,
    baselineRssMb: r.memory.baselineRssMb,
    coldStart: r.coldStart,
    steps: s.steps.map((st) => ({ type: st.type, p50Ms: st.latency.p50, p95Ms: st.latency.p95 })),
    ...(r.memory.leak
      ? { leak: { runs: r.memory.leak.runs, growthMbPer100Runs: r.memory.leak.growthMbPer100Runs } }
      : {}),
  });
}

const report = {
  bench: 'filters',
  command: ['npm run bench:filters', ...extraArgs].join(' '),
  date: started.toISOString(),
  machine: { ...machine, loadAverageAfter: describeMachine().loadAverage },
  note: 'Wall-clock p50/p95 of runner.run (decode and encode excluded); cpuP50Ms is user+system CPU per run; peakRssMb is the bench process peak (getrusage), node and sharp included.',
  results,
};
await mkdir(path.dirname(RESULTS), { recursive: true });
// formatted as `npm run format:check` wants committed files
await writeFile(RESULTS, await format(JSON.stringify(report), { parser: 'json' }));

const table = textTable(
  ['filter', 'input', 'p50 ms', 'p95 ms', 'cpu p50 ms', 'peak RSS MB', 'steps (p50 ms)'],
  results.map((r) => [
    r.filter,
    `${r.input.width}x${r.input.height}`,
    ms(r.p50Ms),
    ms(r.p95Ms),
    ms(r.cpuP50Ms),
    r.peakRssMb.toFixed(0),
    r.steps.map((s) => `${s.type} ${ms(s.p50Ms)}`).join(', '),
  ]),
);
console.log(table.join('\n'));
console.log(
  `\n${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage}; wrote ${path.relative(ROOT, RESULTS)}`,
);
