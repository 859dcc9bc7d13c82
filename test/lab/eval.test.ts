/**
 * The lab end to end on real photos (faces-dev): an experiment that compares two built-in looks
 * over a parameter grid against a baseline, gated per gender, per age band and on the gender
 * gap; resuming a finished run, a run with unreadable photos, a run killed with SIGKILL and run
 * again, and the `eval` CLI's exit codes and `eval compare`.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { createContext, disposeContext, type Context } from '../../src/core/context.js';
import { loadExperiment } from '../../src/lab/experiment.js';
import type { RunResults } from '../../src/lab/run/results.js';
import { RunStore } from '../../src/lab/run/run-store.js';
import { runExperiment, type EvalResult } from '../../src/lab/run/runner.js';
import { cli } from '../support/cli.js';
import { FACES_DEV } from '../support/paths.js';
import { spawnCli, type CliProcess } from '../support/spawn-cli.js';
import { CANDIDATES, LOOKS, TEN } from './looks.js';

let dir: string;
let ctx: Context;

async function writeExperiment(name: string, config: unknown): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, YAML.stringify(config));
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fl-lab-eval-'));
  ctx = createContext();
});
afterAll(async () => {
  await disposeContext(ctx);
  await rm(dir, { recursive: true, force: true });
});

describe('eval on faces-dev', () => {
  let first: EvalResult;
  let file: string;
  const out = () => path.join(dir, 'runs');

  it('runs, scores, gates and writes results.json and report.html', async () => {
    file = await writeExperiment('looks', LOOKS);
    const phases = new Set<string>();
    first = await runExperiment(await loadExperiment(file), {
      outDir: out(),
      ctx,
      onProgress: (p) => phases.add(p.phase),
    });
    expect([...phases]).toEqual(['scoring', 'reporting']);
    expect(first).toMatchObject({ resumed: false, skipped: 0, reused: 0 });
    const r = first.results;

    const onDisk = JSON.parse(await readFile(first.resultsPath, 'utf8')) as RunResults;
    expect(onDisk.runId).toBe(first.run.id);
    expect(onDisk.verdict).toEqual(r.verdict);
    expect(first.resultsPath).toBe(path.join(out(), first.run.id, 'results.json'));
    expect((await stat(first.reportPath)).size).toBeGreaterThan(50_000);

    expect(r.dataset.photos).toBe(10);
    expect(r.images).toHaveLength(10);
    expect(r.variants.map((v) => v.id)).toEqual(['vivid', ...CANDIDATES]);
    for (const v of r.variants) {
      expect(v.outcomes, v.id).toEqual({ ok: 10, no_face: 0, error: 0 });
      expect(v.overall.face_survival!.mean, v.id).toBe(1);
      expect(v.overall.identity!.mean, v.id).toBeGreaterThan(0.8);
      expect(v.overall.identity!.mean, v.id).toBeLessThanOrEqual(1);
      expect(v.overall.identity!.ci[0]).toBeLessThanOrEqual(v.overall.identity!.mean);
      expect(v.overall.identity!.ci[1]).toBeGreaterThanOrEqual(v.overall.identity!.mean);
      expect(v.overall.ssim!.min, v.id).toBeGreaterThan(0);
      expect(v.overall.ssim!.max, v.id).toBeLessThanOrEqual(1);
      expect(v.overall.skin_delta_e!.mean, v.id).toBeGreaterThan(0);
      expect(v.overall.latency_ms!.min, v.id).toBeGreaterThan(0);
      const gender = v.slices.gender!;
      expect(Object.keys(gender)).toEqual(['F', 'M']);
      expect(gender.F!.identity!.n + gender.M!.identity!.n).toBe(10);
      expect(gender.F!.identity!.n).toBe(5);
      const ages = v.slices.age_band!;
      expect(Object.fromEntries(Object.entries(ages).map(([k, s]) => [k, s.ssim!.n]))).toEqual({
        '20-39': 1,
        '40-59': 5,
        '60+': 4,
      });
    }
    // the mild look keeps people recognisable
    const mild = r.variants.find((v) => v.id === 'film-warm[strength=0.4]')!;
    expect(mild.overall.identity!.mean).toBeGreaterThan(0.9);
    // a stronger grade moves skin colour more than a weaker one of the same look
    const strong = r.variants.find((v) => v.id === 'film-warm[strength=0.9]')!;
    expect(strong.overall.skin_delta_e!.mean).toBeGreaterThan(mild.overall.skin_delta_e!.mean);
    expect(mild.vsBaseline.identity!.n).toBe(10);

    // gates: the 20-39 slice (one photo) is shown, not gated
    const ageGate = mild.gates.find((g) => g.gate.per === 'age_band')!;
    expect(ageGate.slices!.map((s) => [s.slice, s.n, s.gated])).toEqual([
      ['20-39', 1, false],
      ['40-59', 5, true],
      ['60+', 4, true],
    ]);
    const gap = mild.gates.find((g) => g.gate.gap === 'gender')!;
    const bySlice = Object.fromEntries(gap.slices!.map((s) => [s.slice, s.value]));
    expect(gap.value).toBeCloseTo(Math.abs(bySlice.F! - bySlice.M!), 12);
    expect(mild.gates).toHaveLength(LOOKS.gates.length + 1);

    expect(r.verdict.decision).toBe('SHIP');
    expect(CANDIDATES).toContain(r.verdict.variant);
    const picked = r.variants.find((v) => v.id === r.verdict.variant)!;
    expect(picked.verdict).toBe('SHIP');
    for (const v of r.variants.filter((x) => x.verdict === 'SHIP'))
      expect(picked.overall.identity!.mean).toBeGreaterThanOrEqual(v.overall.identity!.mean);

    const store = new RunStore(out());
    try {
      expect(store.get(first.run.id)).toMatchObject({
        status: 'complete',
        verdict: 'SHIP',
        dir: path.join(out(), first.run.id),
      });
      expect(store.results(first.run.id)).toHaveLength(40);
    } finally {
      store.close();
    }
  }, 180_000);

  it('a second run of the same config resumes and scores nothing new', async () => {
    const again = await runExperiment(await loadExperiment(file), { outDir: out(), ctx });
    expect(again).toMatchObject({ resumed: true, skipped: 40, reused: 0 });
    expect(again.run.id).toBe(first.run.id);
    expect(again.results.variants).toEqual(first.results.variants);
    expect(again.results.verdict).toEqual(first.results.verdict);
  }, 60_000);

  it('the CLI exits 0 on SHIP; --fresh rescores from the output cache', async () => {
    const resumed = await cli('eval', file, '--out', out(), '--no-progress');
    expect(resumed.code).toBe(EXIT.OK);
    expect(resumed.stderr.join('\n')).toContain(
      `resumed run ${first.run.id}: 40 results were already scored`,
    );
    expect(resumed.stdout[0]).toMatch(/^SHIP: .* passes all 5 gates/);
    expect(resumed.stdout.at(-1)).toBe(`report: ${first.reportPath}`);

    const fresh = await cli('eval', file, '--out', out(), '--fresh', '--json');
    expect(fresh.code).toBe(EXIT.OK);
    const summary = JSON.parse(fresh.stdout.join('\n')) as { runId: string; resultsPath: string };
    expect(summary).toMatchObject({ resumed: false, skipped: 0, reused: 40, verdict: 'SHIP' });
    expect(summary.runId).not.toBe(first.run.id);
    // scored from the cached 8-bit outputs: the same numbers as the run that made them
    const again = JSON.parse(
      await readFile(path.join(out(), summary.runId, 'results.json'), 'utf8'),
    ) as RunResults;
    expect(again.variants.map((v) => v.overall)).toEqual(
      JSON.parse(JSON.stringify(first.results.variants.map((v) => v.overall))),
    );
  }, 120_000);
});

describe('unreadable photos', () => {
  it('are error rows with their codes; the run goes on and the filter can still ship', async () => {
    const photos = path.join(dir, 'with-bad');
    await mkdir(photos);
    for (const f of ['B001231.jpg', 'B001239.jpg', 'C000984.jpg'])
      await copyFile(path.join(FACES_DEV, f), path.join(photos, f));
    const jpeg = await readFile(path.join(FACES_DEV, 'B001253.jpg'));
    await writeFile(path.join(photos, 'corrupt.jpg'), jpeg.subarray(0, 3000));
    await writeFile(path.join(photos, 'empty.jpg'), Buffer.alloc(0));
    const file = await writeExperiment('bad', {
      name: 'bad-photos',
      dataset: { path: photos },
      candidates: [{ filter: 'film-warm' }],
      metrics: ['identity', 'ssim'],
      gates: [{ metric: 'identity', min: 0.8 }],
    });
    const run = await runExperiment(await loadExperiment(file), {
      outDir: path.join(dir, 'bad-runs'),
      ctx,
    });
    const v = run.results.variants[0]!;
    expect(v.outcomes).toEqual({ ok: 3, no_face: 0, error: 2 });
    const errors = Object.fromEntries(
      run.results.images.map((i) => [i.file, i.variants['film-warm']!.error?.code ?? 'ok']),
    );
    expect(errors).toEqual({
      'B001231.jpg': 'ok',
      'B001239.jpg': 'ok',
      'C000984.jpg': 'ok',
      'corrupt.jpg': 'FL_ERR_IMAGE_CORRUPT',
      'empty.jpg': 'FL_ERR_IMAGE_EMPTY',
    });
    expect(run.results.verdict.decision).toBe('SHIP');
    const html = await readFile(run.reportPath, 'utf8');
    expect(html).toContain('FL_ERR_IMAGE_CORRUPT');
    expect(html).toContain('2 errors');
  }, 120_000);
});

/** A tiny experiment without face metrics: fast, for exit codes and compare. */
const tiny = (saturation: number) => ({
  name: 'tiny',
  dataset: { path: FACES_DEV, match: '^(B001231|B001239)\\.jpg$' },
  baseline: { filter: 'film-warm', params: { strength: 0.5, grain: 0 } },
  candidates: [{ filter: 'vivid', params: { saturation } }],
  metrics: ['ssim', 'psnr', 'latency_ms'],
  gates: [{ metric: 'psnr', min: 30 }],
});

describe('eval CLI: exit codes and compare', () => {
  it('exits 3 on NO-SHIP, listing the failing gates; compare prints the deltas', async () => {
    const runs = path.join(dir, 'tiny-runs');
    const gentle = await cli(
      'eval',
      await writeExperiment('tiny-a', tiny(0.1)),
      '--out',
      runs,
      '--json',
    );
    expect(gentle.code).toBe(EXIT.OK);
    const a = JSON.parse(gentle.stdout.join('\n')) as { verdict: string; runId: string };
    expect(a).toMatchObject({ verdict: 'SHIP', variant: 'vivid', failing: [] });

    const strong = await cli('eval', await writeExperiment('tiny-b', tiny(1)), '--out', runs);
    expect(strong.code).toBe(EXIT.GATE_FAILED);
    expect(strong.stdout[0]).toMatch(/^NO-SHIP: No candidate passes every gate/);
    expect(strong.stdout[1]).toMatch(/^ {2}FAIL vivid: mean psnr >= 30 \(value \d+\.\d+\)$/);
    // the baseline's outputs are the same: taken from the cache
    expect(strong.stderr).toContain('2 filter outputs reused from the cache');
    const b = (await readdir(runs)).find((d) => d !== a.runId && d.startsWith('tiny-'))!;

    const cmp = await cli('eval', 'compare', a.runId, b, '--runs', runs);
    expect(cmp.code).toBe(EXIT.OK);
    const text = cmp.stdout.join('\n');
    expect(text).toContain(`${a.runId} (SHIP) -> ${b} (NO-SHIP)`);
    expect(text).toContain('vivid: SHIP -> NO-SHIP, same version');
    expect(text).toMatch(
      / {2}psnr +\d+\.\d+ -> \d+\.\d+ \(Δ -\d+\.\d+\) paired Δ -\d+\.\d+ \[.*\] n=2/,
    );
    expect(text).toMatch(/ {2}ssim +0\.9\d+ -> 0\.9\d+/);
    expect(text).toContain('gate now FAILS: mean psnr >= 30');
    // the baseline did not change at all
    expect(text).toMatch(/film-warm: NO-SHIP -> NO-SHIP, same version\n {2}ssim .*\(Δ 0\.000\)/);

    const json = await cli('eval', 'compare', a.runId, b, '--runs', runs, '--json');
    const parsed = JSON.parse(json.stdout.join('\n')) as {
      variants: { id: string; metrics: { id: string; delta: number }[] }[];
    };
    const psnr = parsed.variants
      .find((v) => v.id === 'vivid')!
      .metrics.find((m) => m.id === 'psnr')!;
    expect(psnr.delta).toBeLessThan(-3);
  }, 120_000);

  it('a bad config or dataset exits 1 with the error code', async () => {
    const bad = await cli(
      'eval',
      await writeExperiment('typo', { ...tiny(0.1), slices: ['gendr'] }),
      '--out',
      path.join(dir, 'typo-runs'),
    );
    expect(bad.code).toBe(EXIT.FAILED);
    expect(bad.stderr.join('\n')).toMatch(/FL_ERR_CONFIG: Expected slices\[0\] .* "gendr"/);
  });
});

/** Rows stored so far in a runs.db that another process writes, or 0 before it exists. */
function storedRows(dbFile: string): number {
  if (!existsSync(dbFile)) return 0;
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM results').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // the schema is not there yet
  }
}

/** `filterlab` from source in a child process, quiet but for its stderr. */
function runChild(args: string[]): CliProcess {
  return spawnCli(args, { env: { FILTERLAB_LOG_LEVEL: 'silent' } });
}

/** Complete cache entries (the .json is written after the .png) and their mtimes. */
async function cacheFiles(out: string): Promise<Map<string, number>> {
  const root = path.join(out, '.cache', 'outputs');
  const files = new Map<string, number>();
  for (const sub of existsSync(root) ? await readdir(root).catch(() => []) : [])
    for (const f of await readdir(path.join(root, sub)))
      if (f.endsWith('.json')) files.set(f, (await stat(path.join(root, sub, f))).mtimeMs);
  return files;
}

describe('a killed run', () => {
  it('resumes where it stopped after SIGKILL, reusing the outputs it had cached', async () => {
    const out = path.join(dir, 'killed-runs');
    const db = path.join(out, 'runs.db');
    const file = await writeExperiment('killed', {
      name: 'killed',
      dataset: { path: FACES_DEV, match: `^(${TEN.slice(0, 6).join('|')})\\.jpg$` },
      candidates: [{ filter: 'film-warm' }, { filter: 'soft-fade' }],
      metrics: ['identity', 'ssim', 'latency_ms'],
      gates: [{ metric: 'identity', min: 0.5 }],
    });
    const args = ['eval', file, '--out', out, '--no-progress'];

    const victim = runChild(args);
    // Kill while an output is cached but not yet scored (its metrics take a few hundred ms),
    // so that the rerun must take it from the cache.
    const deadline = Date.now() + 90_000;
    const midway = async () => {
      const cached = (await cacheFiles(out)).size; // before the rows: never overstates
      const rows = storedRows(db);
      return rows >= 2 && cached > rows;
    };
    while (!(await midway()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await victim.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');

    const before = storedRows(db);
    expect(before).toBeGreaterThanOrEqual(2);
    expect(before).toBeLessThan(12);
    const cachedBefore = await cacheFiles(out);
    // every stored row has its output cached; one more was made but not scored, unless the
    // child stored it in the few ms between the check and the signal
    expect(cachedBefore.size).toBeGreaterThanOrEqual(before);
    expect(cachedBefore.size).toBeLessThanOrEqual(before + 1);

    const again = runChild(args);
    const rerun = { ...(await again.exited), stderr: again.stderr() };
    expect(rerun.code).toBe(EXIT.OK);
    expect(rerun.stderr).toMatch(
      new RegExp(`resumed run killed-\\d{8}T\\d{6}: ${before} results were already scored`),
    );
    if (cachedBefore.size > before)
      expect(rerun.stderr).toContain('1 filter output reused from the cache');
    else expect(rerun.stderr).not.toContain('reused from the cache');

    expect(storedRows(db)).toBe(12);
    const store = new RunStore(out);
    try {
      const runs = store.list();
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: 'complete', verdict: 'SHIP' });
      expect(store.results(runs[0]!.id).every((r) => r.outcome === 'ok')).toBe(true);
      const results = JSON.parse(
        await readFile(path.join(out, runs[0]!.id, 'results.json'), 'utf8'),
      ) as RunResults;
      expect(results.variants.map((v) => v.outcomes.ok)).toEqual([6, 6]);
    } finally {
      store.close();
    }
    // outputs made before the kill were not made again
    const cachedAfter = await cacheFiles(out);
    expect(cachedAfter.size).toBe(12);
    for (const [f, mtime] of cachedBefore) expect(cachedAfter.get(f), f).toBe(mtime);
  }, 180_000);
});
