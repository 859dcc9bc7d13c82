import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../../test/support/cli.js';
import { samplePortraitsDir } from '../../core/samples.js';
import { EXIT } from '../exit-codes.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fl-cli-eval-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('filterlab eval --dataset', () => {
  it("runs the experiment on the given folder instead of the config's", async () => {
    const exp = path.join(dir, 'exp.yaml');
    await writeFile(
      exp,
      [
        'name: elsewhere',
        'dataset: { path: ./no-such-folder, limit: 2 }',
        'baseline: { filter: vivid }',
        'candidates: [{ filter: film-warm }]',
        'metrics: [ssim]',
        'slices: [gender]',
        'gates: [{ metric: ssim, min: 0.5 }]',
      ].join('\n'),
    );
    const out = path.join(dir, 'runs');
    const r = await cli('eval', exp, '--dataset', samplePortraitsDir(), '--out', out, '--json');
    expect(r.code).toBe(EXIT.OK);
    const { verdict, results } = JSON.parse(r.stdout.join('\n')) as {
      verdict: string;
      results: string;
    };
    expect(verdict).toBe('SHIP');
    const written = JSON.parse(await readFile(results, 'utf8')) as {
      dataset: { root: string; photos: number };
      verdict: { reason: string };
    };
    expect(written.dataset).toMatchObject({ root: samplePortraitsDir(), photos: 2 });
    // the reason counts the gates of the table: the configured one and the automatic error gate
    expect(written.verdict.reason).toMatch(/passes all 2 gates/);
    expect((await readdir(out)).some((d) => d.startsWith('elsewhere-'))).toBe(true);
  });
});
