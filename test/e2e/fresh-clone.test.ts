/**
 * A new user's first minutes, on a copy of the repository with nothing beside it (no
 * ../shared): `filterlab eval` writes a lab run, `npm start` (the README's command) serves the
 * web app, and in Chromium the person uploads a photo, sees the filter cards previewed on it,
 * picks a filter and moves a slider and sees the result change with no other click, downloads
 * it under `<photo>-<filter>.jpg`, and finds the run's verdict on the Lab runs page. Screenshots
 * at 1280×800 and 390×844 go to test/e2e/screenshots/.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/browser.js';
import { REPO_ROOT } from '../support/paths.js';

const SCREENSHOTS = path.join(REPO_ROOT, 'test', 'e2e', 'screenshots');
const BUILT = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'bin.js');
const WAIT = 40_000;

/** A small experiment in the README's shape, on two of the shipped sample portraits. */
const EXPERIMENT = `name: first-look
dataset: { path: ../samples/portraits, limit: 2 }
baseline: { filter: vivid }
candidates:
  - { filter: film-warm, grid: { strength: [0.5] } }
seeds: [0]
metrics: [ssim, latency_ms]
slices: [gender]
gates:
  - { metric: ssim, min: 0.5 }
concurrency: 1
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The working tree's files as git sees them (tracked and new, not ignored), with the build. */
async function copyOfRepository(to: string): Promise<void> {
  const files = execFileSync('git', ['ls-files', '-z', '-co', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f && existsSync(path.join(REPO_ROOT, f)));
  for (const f of files) {
    await mkdir(path.dirname(path.join(to, f)), { recursive: true });
    await cp(path.join(REPO_ROOT, f), path.join(to, f));
  }
  await cp(path.join(REPO_ROOT, 'dist'), path.join(to, 'dist'), { recursive: true });
  // installing takes minutes: the installed packages are the one thing borrowed
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(to, 'node_modules'), 'dir');
}

/** Whether any process of the group is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops `npm start` and everything it started (npm, the server, its worker): SIGTERM to the
 * process group, then waits until none is left (the worker finishes its job and writes its
 * result first), SIGKILL after 20 s.
 */
async function stopGroup(pgid: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  process.kill(-pgid, 'SIGTERM');
  for (let i = 0; i < 200 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  for (let i = 0; i < 50 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
}

/** Mean of the pixels of the image on screen, to tell one result from another. */
/** The mean red, green and blue of an image on the page (0..255). */
function meanOf(page: Page, selector: string): Promise<number[]> {
  return page.locator(selector).evaluate((img: HTMLImageElement) => {
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const sum = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) for (let c = 0; c < 3; c++) sum[c]! += d[i + c]!;
    return sum.map((s) => s / (d.length / 4));
  });
}

/** The job id of the result on screen once Film warm has been applied (and differs from `not`). */
async function shownResult(page: Page, not = ''): Promise<string> {
  const handle = await page.waitForFunction((previous) => {
    const img = document.querySelector<HTMLImageElement>('.compare-after');
    const status = document.querySelector('#status')?.textContent ?? '';
    const id = img?.getAttribute('src')?.split('/')[3];
    const ready = img?.complete && img.naturalWidth > 0 && status.startsWith('Film warm applied');
    return ready && id && id !== previous ? id : undefined;
  }, not);
  return (await handle.jsonValue()) as string;
}

/** Whether the element is wholly inside the viewport as the page is scrolled now. */
async function onScreen(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).first().boundingBox();
  const vp = page.viewportSize()!;
  return Boolean(
    box && box.y >= 0 && box.y + box.height <= vp.height && box.x + box.width <= vp.width,
  );
}

describe.skipIf(!hasChromium() || !existsSync(BUILT))('a fresh clone, as a new user', () => {
  let root: string;
  let clone: string;
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let url: string;
  const log: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'filterlab-clone-'));
    clone = path.join(root, 'filterlab');
    await copyOfRepository(clone);
    expect(existsSync(path.join(root, 'shared'))).toBe(false);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      FILTERLAB_MODELS: path.join(root, 'models'),
      FILTERLAB_DATA: path.join(root, 'data'),
    };
    delete env.FILTERLAB_FACES_DEV;
    await writeFile(path.join(clone, 'examples', 'first-look.yaml'), EXPERIMENT);
    execFileSync(
      process.execPath,
      [BUILT.replace(REPO_ROOT, clone), 'eval', 'examples/first-look.yaml', '--out', 'runs/'],
      { cwd: clone, env, stdio: 'pipe' },
    );

    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn('npm', ['start'], {
      cwd: clone,
      env: { ...env, PORT: String(port) },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
    server.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
    for (let i = 0; ; i++) {
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 150) throw new Error(`npm start did not get ready:\n${log.join('')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    browser = await launchChromium();
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (server?.pid) await stopGroup(server.pid);
    if (root) await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }, 30_000);

  it('uploads, previews live, downloads and finds the verdict', { timeout: 120_000 }, async () => {
    const page = await browser!.newPage({
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
    page.setDefaultTimeout(WAIT);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const deleted: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'DELETE') deleted.push(new URL(r.url()).pathname.split('/').pop()!);
    });
    await page.goto(url + '/');
    await page.locator('.filter-card').first().waitFor();

    // a landscape photo of a real face, so that its card previews cannot be the sample portrait
    const sample = path.join(clone, 'samples', 'portraits', 'H001066.jpg');
    const photo = path.join(root, 'holiday.jpg');
    await sharp(sample)
      .extend({ left: 120, right: 120, background: '#6a8caf' })
      .jpeg()
      .toFile(photo);
    await page.locator('#file-input').setInputFiles(photo);

    // the cards show the filters on this photo (465x275: landscape), not on the sample
    await expect
      .poll(() => page.locator('.filter-thumb.previewed').count(), { timeout: WAIT })
      .toBeGreaterThanOrEqual(5);
    const preview = await page
      .locator('.filter-card[data-filter="film-warm"] img.filter-preview')
      .evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight, img.src]);
    expect(preview[0]).toBeGreaterThan(preview[1] as number);
    expect(preview[2]).toMatch(/^blob:/);

    // picking a filter runs it, and the slider below: no Apply press for either
    await page.locator('.filter-card[data-filter="film-warm"]').click();
    const a = await shownResult(page);
    const before = await meanOf(page, '.compare-after');

    // the sliders and Apply are beside the photo, not below the fold
    await page.evaluate(() => window.scrollTo(0, 0));
    expect(await onScreen(page, '#param-strength')).toBe(true);
    expect(await onScreen(page, '#apply-button')).toBe(true);
    expect(await onScreen(page, '.compare-stage')).toBe(true);

    // moving the slider runs the filter again on its own
    await page.locator('#param-strength').fill('0.2');
    const b = await shownResult(page, a);
    const job = (await (await page.request.get(`${url}/v1/jobs/${b}`)).json()) as {
      filter: string;
      params: { strength: number };
    };
    expect(job).toMatchObject({ filter: 'film-warm', params: { strength: 0.2 } });
    const after = await meanOf(page, '.compare-after');
    // a warm grade moves red and blue apart: compare per channel
    expect(Math.max(...after.map((v, c) => Math.abs(v - before[c]!)))).toBeGreaterThan(0.3);
    // the replaced result is deleted from the server
    await expect.poll(() => deleted.includes(a), { timeout: WAIT }).toBe(true);

    // the download is named after the photo and the filter
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download' }).click();
    expect((await download).suggestedFilename()).toBe('holiday-film-warm.jpg');

    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.screenshot({ path: path.join(SCREENSHOTS, 'studio-1280x800.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'studio-390x844.png') });
    expect(await onScreen(page, '#param-strength')).toBe(true);
    expect(await onScreen(page, '#apply-button')).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );

    // Apply pressed further down the page brings the result back into view, below the header
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
    await page.locator('#apply-button').click();
    await shownResult(page, b);
    const gap = () =>
      page.evaluate(
        () =>
          document.querySelector('#dropzone')!.getBoundingClientRect().top -
          document.querySelector('.topbar')!.getBoundingClientRect().bottom,
      );
    await expect.poll(gap, { timeout: WAIT }).toBeGreaterThanOrEqual(0);
    expect(await gap()).toBeLessThan(40);

    // the lab run written by `filterlab eval` shows its verdict
    const runs = await readdir(path.join(clone, 'runs'));
    const runId = runs.find((r) => r.startsWith('first-look-'))!;
    const results = JSON.parse(
      await readFile(path.join(clone, 'runs', runId, 'results.json'), 'utf8'),
    ) as { verdict: { decision: string } };
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(url + '/runs.html');
    const badge = page.locator(`.run[data-run="${runId}"] .badge`);
    await badge.waitFor();
    expect(await badge.textContent()).toBe(results.verdict.decision);
    expect(['SHIP', 'NO-SHIP']).toContain(results.verdict.decision);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'runs-1280x800.png') });
    expect(pageErrors).toEqual([]);
  });
});
