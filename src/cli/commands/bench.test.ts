/**
 * `filterlab bench` and `filterlab models optimize`, run in-process. Timings are never asserted
 * (the test machine is shared and noisy): only that they were measured and hang together.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli as cliRun } from '../../../test/support/cli.js';
import { FACES_DEV, FIXTURE_MODELS } from '../../../test/support/paths.js';
import { BenchReportSchema, type BenchReport } from '../../bench/bench-report.js';
import type { SweepReport } from '../../bench/sweep/sweep-report.js';
import { createContext, disposeContext } from '../../core/context.js';
import { compile } from '../../core/filters/compile.js';
import { loadSpecFile } from '../../core/filters/load.js';
import { createImage } from '../../core/image/image.js';
import { EXIT } from '../exit-codes.js';

/** The CLI's output as text, one line per out() / err() call. */
async function cli(...argv: string[]) {
  const { code, stdout, stderr } = await cliRun(...argv);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

const SMALL = [
  '--sizes',
  '48,64',
  '--runs',
  '3',
  '--warmup',
  '1',
  '--concurrency',
  '1,2',
  '--no-progress',
];

let dir: string;
let report: BenchReport;
let reportFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fl-bench-'));
  reportFile = path.join(dir, 'film-warm.json');
  const r = await cli(
    'bench',
    'film-warm',
    ...SMALL,
    '--leak-runs',
    '20',
    '--json',
    '--out',
    reportFile,
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(EXIT.OK);
  report = BenchReportSchema.parse(JSON.parse(r.stdout));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('filterlab bench', () => {
  it('measures cold start, latency per size and step, throughput, peak RSS and growth', async () => {
    expect(report.filter.id).toBe('film-warm');
    expect(report.sizes.map((s) => [s.size, Math.max(s.input.width, s.input.height)])).toEqual([
      [48, 48],
      [64, 64],
    ]);
    expect(report.coldStart.compileMs).toBeGreaterThan(0);
    expect(report.coldStart.firstRunMs).toBeGreaterThan(0);
    for (const s of report.sizes) {
      expect(s.latency.n).toBe(3);
      expect(s.latency.min).toBeLessThanOrEqual(s.latency.p50);
      expect(s.latency.p50).toBeLessThanOrEqual(s.latency.p95);
      expect(s.latency.p95).toBeLessThanOrEqual(s.latency.p99);
      expect(s.latency.p99).toBeLessThanOrEqual(s.latency.max);
      expect(s.cpu.n).toBe(3);
      expect(s.steps.map((st) => st.type)).toEqual(['lut', 'grain', 'vignette']);
      expect(s.steps.every((st) => st.latency.n === 3)).toBe(true);
      expect(s.throughput.map((t) => [t.concurrency, t.runs])).toEqual([
        [1, 3],
        [2, 4],
      ]);
      expect(s.throughput.every((t) => t.perSecond > 0)).toBe(true);
      expect(s.sampledPeakRssMb).toBeLessThanOrEqual(report.memory.peakRssMb);
    }
    const leak = report.memory.leak!;
    expect(leak.runs).toBe(20);
    expect(leak.gc).not.toBe('unavailable');
    expect(leak.samples.map((p) => p.run)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(Number.isFinite(leak.growthMbPer100Runs)).toBe(true);
    expect(JSON.parse(await readFile(reportFile, 'utf8'))).toEqual(report);
  });

  it('prints tables without --json', async () => {
    const r = await cli(
      'bench',
      'vivid',
      '--sizes',
      '32',
      '--runs',
      '2',
      '--warmup',
      '0',
      '--concurrency',
      '1',
      '--leak-runs',
      '0',
      '--no-progress',
    );
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/^cold start: compile [\d.]+ ms, first run [\d.]+ ms at 32px$/m);
    expect(r.stdout).toMatch(/^ {2}0 {2}tone +[\d.]+/m);
    expect(r.stdout).toMatch(/^ {2}1 {2}unsharp +[\d.]+/m);
    expect(r.stdout).toMatch(/^memory: \d+ MB before compile, peak \d+ MB \(process\)$/m);
  });

  it('exits 3 when p50 is more than --max-regression percent slower than the baseline', async () => {
    const fast = path.join(dir, 'fast.json');
    const slow = path.join(dir, 'slow.json');
    const scaled = (k: number) => ({
      ...report,
      sizes: report.sizes.map((s) => ({ ...s, latency: { ...s.latency, p50: s.latency.p50 * k } })),
    });
    await writeFile(fast, JSON.stringify(scaled(0.01)));
    await writeFile(slow, JSON.stringify(scaled(100)));
    const args = ['bench', 'film-warm', ...SMALL, '--leak-runs', '0'];
    const regressed = await cli(...args, '--baseline', fast, '--max-regression', '10');
    expect(regressed.code).toBe(EXIT.GATE_FAILED);
    expect(regressed.stderr).toMatch(/p50 of film-warm regressed by more than 10% against/);
    expect(regressed.stdout).toMatch(/^ +48 +[\d.]+ +[\d.]+ +\+[\d.]+% +REGRESSED$/m);
    const json = JSON.parse((await cli(...args, '--baseline', fast, '--json')).stdout);
    expect(json.regression).toMatchObject({ maxRegressionPct: 10, regressed: true });
    const ok = await cli(...args, '--baseline', slow);
    expect(ok.code).toBe(EXIT.OK);
    expect(ok.stdout).toMatch(/^ +64 +[\d.]+ +[\d.]+ +-[\d.]+% +ok$/m);
  });

  it('refuses a baseline that is not a bench report, or shares no size', async () => {
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ kind: 'something' }));
    const r = await cli('bench', 'film-warm', ...SMALL, '--baseline', bad);
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.stderr).toMatch(/FL_ERR_INVALID_ARGUMENT: Expected .*bad\.json to be a bench report/);
    const other = await cli(
      'bench',
      'film-warm',
      '--sizes',
      '40',
      '--runs',
      '1',
      '--warmup',
      '0',
      '--concurrency',
      '1',
      '--leak-runs',
      '0',
      '--no-progress',
      '--baseline',
      reportFile,
    );
    expect(other.stderr).toMatch(/share a size with this bench \(40\) but it has 48, 64/);
  });

  it('sweeps knobs, scores quality, writes the Pareto report and a variant spec', async () => {
    const spec = path.join(dir, 'onnx-look.yaml');
    await writeFile(
      spec,
      [
        'id: onnx-look',
        'version: 1',
        'params:',
        '  strength: { type: number, default: 1, min: 0, max: 1 }',
        'steps:',
        `  - { type: onnx.image, model: ${JSON.stringify(path.join(FIXTURE_MODELS, 'tiny-conv'))}, strength: $strength }`,
        '  - { type: vignette, amount: 0.1 }',
      ].join('\n'),
    );
    const html = path.join(dir, 'report', 'sweep.html');
    const variantFile = path.join(dir, 'variants', 'onnx-look-fast.yaml');
    const r = await cli(
      'bench',
      spec,
      '--sizes',
      '64',
      '--runs',
      '2',
      '--warmup',
      '1',
      '--no-progress',
      '--no-identity',
      '--sweep',
      'precision=fp32,fp16-weights,int8',
      '--sweep',
      'amount=0.1,0.8',
      '--sweep',
      'threads=1',
      '--quality-set',
      FACES_DEV,
      '--quality-limit',
      '2',
      '--min-quality',
      '0.999',
      '--report',
      html,
      '--write-variant',
      variantFile,
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.OK);
    const sweep = JSON.parse(r.stdout) as SweepReport;
    expect(sweep.points.map((p) => p.label)).toEqual([
      'default',
      ...['fp32', 'fp16-weights', 'int8'].flatMap((p) =>
        [0.1, 0.8].map((a) => `precision=${p} amount=${a} threads=1`),
      ),
    ]);
    expect(sweep.options.qualityPhotos).toBe(2);
    expect(sweep.identity).toMatchObject({ measured: false });
    const byLabel = new Map(sweep.points.map((p) => [p.label, p]));
    expect(byLabel.get('default')!.quality!.ssim).toBe(1);
    expect(byLabel.get('precision=fp32 amount=0.1 threads=1')!.quality!.ssim).toBe(1);
    expect(byLabel.get('precision=int8 amount=0.1 threads=1')!.quality!.ssim).toBeGreaterThan(
      0.999,
    );
    expect(byLabel.get('precision=fp32 amount=0.8 threads=1')!.quality!.ssim).toBeLessThan(0.999);
    for (const p of sweep.points) {
      expect(p.error).toBeUndefined();
      expect(p.latency!.n).toBe(2);
      expect(p.peakRssMb).toBeGreaterThan(0);
      expect(p.quality!.perPhoto.map((q) => q.name)).toEqual(['B001231.jpg', 'B001239.jpg']);
    }
    expect(sweep.points.some((p) => p.pareto)).toBe(true);
    const rec = sweep.points[sweep.recommended!]!;
    expect(rec.quality!.ssim).toBeGreaterThanOrEqual(0.999);
    const eligible = sweep.points.filter((p) => p.quality!.ssim >= 0.999);
    expect(rec.latency!.p50).toBe(Math.min(...eligible.map((p) => p.latency!.p50)));

    const page = await readFile(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page.match(/<circle /g)).toHaveLength(sweep.points.length);
    expect(page).toContain('stroke="#16a34a"'); // the recommended point's ring
    expect(JSON.parse(await readFile(html.replace(/\.html$/, '.json'), 'utf8'))).toEqual(sweep);

    // the variant is the original spec with the point's knobs, and it runs
    const variant = await loadSpecFile(variantFile);
    expect(variant.spec.id).toBe('onnx-look-fast');
    const step = variant.spec.steps[0]!;
    // which point wins is a timing result: on a loaded machine even "default" can be fastest
    if (rec.label !== 'default') {
      expect(step.threads).toBe(1);
      expect(variant.spec.steps[1]).toEqual({ type: 'vignette', amount: Number(rec.knobs.amount) });
    }
    if (rec.label !== 'default' && rec.knobs.precision !== 'fp32') {
      expect(step.model).toMatch(/^\.\/onnx-look-fast\.models\/tiny-conv-[0-9a-f]{8}-/);
      expect(
        (await stat(path.resolve(variant.baseDir, step.model as string, 'model.json'))).isFile(),
      ).toBe(true);
    }
    const ctx = createContext({ modelsDir: path.join(dir, 'no-models') });
    try {
      const runner = await compile(variant.spec, ctx, { baseDir: variant.baseDir });
      const out = await runner.run(createImage(20, 16, new Float32Array(20 * 16 * 3).fill(0.5)));
      expect([out.image.width, out.image.height]).toEqual([20, 16]);
      await runner.dispose();
    } finally {
      await disposeContext(ctx);
    }
  });

  it('records a failed point (an execution provider this machine lacks) and goes on', async () => {
    const spec = path.join(dir, 'onnx-only.yaml');
    await writeFile(
      spec,
      `id: onnx-only\nversion: 1\nsteps:\n  - { type: onnx.image, model: ${JSON.stringify(path.join(FIXTURE_MODELS, 'tiny-conv'))} }\n`,
    );
    const r = await cli(
      'bench',
      spec,
      '--sizes',
      '32',
      '--runs',
      '1',
      '--warmup',
      '0',
      '--no-progress',
      '--no-identity',
      '--sweep',
      'ep=cpu,tensorrt',
      '--report',
      path.join(dir, 'ep.html'),
    );
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/^ep=cpu( \*)? +32 +[\d.]+ +[\d.]+ +\d+ +1\.0000/m);
    expect(r.stdout).toMatch(/^ep=tensorrt +32 +- +- +- +- +- +failed: FL_ERR_MODEL_LOAD/m);
  });

  it('refuses a knob the filter does not have', async () => {
    const r = await cli('bench', 'film-warm', '--sweep', 'threads=1,2', '--no-progress');
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.stderr).toMatch(
      /a step with a `threads` option \(onnx.image, diffusion\) for --sweep threads but its steps are lut, grain, vignette/,
    );
    const orphan = await cli('bench', 'film-warm', '--min-quality', '0.9', '--no-progress');
    expect(orphan.stderr).toMatch(
      /Expected --sweep with --min-quality \(they only apply to sweeps\)/,
    );
  });
});

describe('filterlab models optimize', () => {
  it('writes an fp16 model folder and reports size, speed and difference', async () => {
    const out = path.join(dir, 'conv-fp16');
    const r = await cli(
      'models',
      'optimize',
      path.join(FIXTURE_MODELS, 'tiny-conv'),
      '--fp16',
      '--out',
      out,
      '--size',
      '64',
      '--runs',
      '2',
      '--json',
    );
    expect(r.code).toBe(EXIT.OK);
    const json = JSON.parse(r.stdout);
    expect(json.manifest).toMatchObject({ id: 'tiny-conv-fp16', format: 'onnx' });
    expect(json.comparison.variants[0]).toMatchObject({ label: 'fp16', weightRatio: 0.5 });
    expect(json.comparison.variants[0].maxAbsDiff).toBeLessThan(2e-3);
    expect(JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8')).id).toBe(
      'tiny-conv-fp16',
    );
  });

  it('needs exactly one of --fp16 and --int8', async () => {
    const r = await cli(
      'models',
      'optimize',
      path.join(FIXTURE_MODELS, 'tiny-conv'),
      '--out',
      path.join(dir, 'x'),
    );
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.stderr).toMatch(/Expected exactly one of --fp16 or --int8 but received neither/);
    const both = await cli(
      'models',
      'optimize',
      'tiny-conv',
      '--fp16',
      '--integer',
      '--out',
      path.join(dir, 'x'),
    );
    expect(both.stderr).toMatch(/--integer \/ --per-tensor only with --int8/);
  });
});
