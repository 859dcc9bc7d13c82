import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { FACES_DEV, REPO_ROOT } from '../../test/support/paths.js';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'bin.js');

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestSource(file));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, (await stat(file)).mtimeMs);
  }
  return newest;
}

/** Build dist/ when it is missing or older than the CLI's sources; `npm test` builds first. */
async function ensureBuilt(): Promise<string | undefined> {
  const built = await stat(BIN).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const sources = Math.max(
    await newestSource(path.join(REPO_ROOT, 'src', 'core')),
    await newestSource(path.join(REPO_ROOT, 'src', 'cli')),
  );
  if (built > sources) return undefined;
  // tsc still emits when files outside the CLI have type errors; the check below is what counts
  await run('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO_ROOT }).catch(() => undefined);
  const rebuilt = await stat(BIN).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  return rebuilt > sources
    ? undefined
    : `the built CLI ${BIN} is missing or stale and \`npx tsc -p tsconfig.json\` did not build it`;
}

async function filterlab(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

describe('the built filterlab command', () => {
  let skipReason: string | undefined;
  let dir: string;
  beforeAll(async () => {
    skipReason = await ensureBuilt();
    dir = await mkdtemp(path.join(tmpdir(), 'fl-bin-'));
  }, 180_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const needBuild = (ctx: TestContext) => {
    if (skipReason) ctx.skip(skipReason);
  };

  it('lists the built-in filters', async (ctx) => {
    needBuild(ctx);
    const r = await filterlab(['filters', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^film-warm /m);
  });

  it('writes the same bytes with --workers 2 as with --workers 1', async (ctx) => {
    needBuild(ctx);
    const photos = (await readdir(FACES_DEV)).filter((f) => /^[A-Z]\d+\.jpg$/.test(f)).slice(0, 6);
    const inputs = photos.map((f) => path.join(FACES_DEV, f));
    const outputs: Record<string, Buffer>[] = [];
    for (const workers of ['1', '2']) {
      const out = path.join(dir, `w${workers}`);
      const r = await filterlab([
        'apply',
        '-f',
        'vivid',
        ...inputs,
        '-o',
        out,
        '-w',
        workers,
        '--threads',
        '1',
        '--no-progress',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`6 of 6 photos written to ${out}/`);
      expect(r.stdout).toContain(workers === '1' ? '1 worker)' : '2 workers)');
      const files: Record<string, Buffer> = {};
      for (const f of photos) files[f] = await readFile(path.join(out, f));
      outputs.push(files);
    }
    for (const f of photos) expect(outputs[1]![f]!.equals(outputs[0]![f]!), f).toBe(true);
  });

  it('reports bad photos from worker threads and exits 1', async (ctx) => {
    needBuild(ctx);
    const out = path.join(dir, 'bad');
    const r = await filterlab([
      'apply',
      '-f',
      'vivid',
      path.join(FACES_DEV, 'B001231.jpg'),
      path.join(FACES_DEV, 'labels.csv'),
      '-o',
      out,
      '-w',
      '2',
      '--no-progress',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/labels\.csv: FL_ERR_IMAGE_FORMAT: /);
    expect((await readdir(out)).sort()).toEqual(['B001231.jpg', 'B001231.jpg.json']);
  });

  it('prints errors without a stack trace and exits 1', async (ctx) => {
    needBuild(ctx);
    const r = await filterlab(
      ['apply', '-f', 'no-such-filter', 'x.jpg', '-o', path.join(dir, 'x')],
      { FILTERLAB_DEBUG: '' },
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error FL_ERR_UNKNOWN_FILTER: [^\n]*$/);
  });

  it('uses $FILTERLAB_MODELS as the models folder', async (ctx) => {
    needBuild(ctx);
    const r = await filterlab(['models', 'list'], { FILTERLAB_MODELS: path.join(dir, 'models') });
    expect(r.stdout.trim()).toBe(`no models in ${path.join(dir, 'models')}`);
  });
});
