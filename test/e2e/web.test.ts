/**
 * The web app end to end: the real server (API, queue, a worker process) and Debian's Chromium
 * through playwright-core. A person uploads a photo, picks a filter, moves a slider, applies
 * it, compares, downloads and deletes; a text file gets the server's error; the runs page
 * lists lab runs and opens their reports. Screenshots go to test/e2e/screenshots/.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { FACES_DEV, REPO_ROOT } from '../support/paths.js';

const PHOTO = path.join(FACES_DEV, 'B001239.jpg');
const SCREENSHOTS = path.join(REPO_ROOT, 'test', 'e2e', 'screenshots');
/**
 * Generous: a 2-core machine runs the worker, the server and Chromium at once. Tests that wait
 * this long set a longer timeout of their own, so that a stuck wait reports itself.
 */
const SLOW = 90_000;

const RUNS = [
  {
    id: '2026-03-01-vivid-faces-dev',
    results: { name: 'Vivid on faces-dev', verdict: 'SHIP' },
    title: 'Vivid report',
  },
  {
    id: '2026-03-02-soft-fade-faces-dev',
    results: { experiment: 'Soft fade on faces-dev', verdict: 'NO-SHIP' },
    title: 'Soft fade report',
  },
];

async function writeRuns(runsDir: string): Promise<void> {
  for (const run of RUNS) {
    const dir = path.join(runsDir, run.id);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'results.json'), JSON.stringify(run.results));
    await writeFile(
      path.join(dir, 'report.html'),
      `<!doctype html><title>${run.title}</title><h1>${run.title}</h1>`,
    );
  }
}

describe.skipIf(!hasChromium())('web app in Chromium', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  async function newPage(size = { width: 1280, height: 860 }): Promise<Page> {
    const page = await browser.newPage({ viewport: size });
    page.setDefaultTimeout(SLOW);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    return page;
  }

  async function openStudio(page: Page): Promise<void> {
    await page.goto(server.url + '/');
    await page.locator('.filter-card').first().waitFor();
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'filterlab-web-'));
    const runsDir = path.join(dir, 'runs');
    await writeRuns(runsDir);
    await mkdir(SCREENSHOTS, { recursive: true });
    server = await startServer({
      port: 0,
      dataDir: path.join(dir, 'data'),
      runsDir,
      workers: 1,
      logLevel: 'warn',
    });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it(
    'uploads a photo, applies a filter with a tuned slider, compares, downloads and deletes',
    { timeout: 240_000 },
    async () => {
      const page = await newPage();
      await openStudio(page);

      await page.locator('#file-input').setInputFiles(PHOTO);
      await page.waitForFunction(
        () => document.querySelector<HTMLImageElement>('.compare-before')!.naturalWidth > 0,
      );
      await expect
        .poll(() => page.locator('#photo-info').textContent(), { timeout: SLOW })
        .toContain('225 × 275');

      await page.locator('.filter-card[data-filter="film-warm"]').click();
      expect(await page.getByRole('radio', { name: /Film warm/ }).isChecked()).toBe(true);
      const strength = page.getByLabel('Strength');
      expect(await strength.getAttribute('type')).toBe('range');
      expect(await strength.inputValue()).toBe('0.85');
      await strength.fill('0.5');
      expect(await page.locator('output[for="param-strength"]').textContent()).toBe('0.50');
      // the keyboard moves it too: one step (0.01) down from the default 0.03
      await page.getByLabel('Grain').focus();
      await page.keyboard.press('ArrowLeft');
      expect(await page.locator('output[for="param-grain"]').textContent()).toBe('0.02');

      const created = page.waitForResponse(
        (r) => r.url().endsWith('/v1/jobs') && r.request().method() === 'POST',
      );
      const apply = page.getByRole('button', { name: 'Apply Film warm' });
      await apply.click();
      const response = await created;
      expect(response.status()).toBe(202);
      const job = (await response.json()) as { id: string };
      expect((await server.queue.get(job.id))?.params).toEqual({ strength: 0.5, grain: 0.02 });

      await page.locator('.compare-stage[data-has-result="true"]').waitFor();
      const download = page.getByRole('link', { name: 'Download' });
      await download.waitFor();
      const after = await page.locator('.compare-after').evaluate((img: HTMLImageElement) => ({
        src: new URL(img.src).pathname,
        width: img.naturalWidth,
        height: img.naturalHeight,
      }));
      expect(after).toEqual({ src: `/v1/jobs/${job.id}/result`, width: 225, height: 275 });
      expect(await page.locator('#status').textContent()).toMatch(/Film warm applied in/);
      expect(await page.locator('.progress-track').isVisible()).toBe(false);

      expect(await download.getAttribute('href')).toBe(`/v1/jobs/${job.id}/result`);
      expect(await download.getAttribute('download')).toBe('B001239-film-warm.jpg');
      const fetched = await page.request.get(server.url + `/v1/jobs/${job.id}/result`);
      expect(fetched.headers()['content-type']).toBe('image/jpeg');
      expect((await fetched.body()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

      // the divider: keys, then a mouse drag to a third of the width
      const divider = page.getByRole('slider', { name: 'Before and after divider' });
      await divider.focus();
      await page.keyboard.press('Home');
      expect(await divider.getAttribute('aria-valuenow')).toBe('0');
      await page.keyboard.press('ArrowRight');
      expect(await divider.getAttribute('aria-valuenow')).toBe('2');
      const box = (await page.locator('.compare-stage').boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.35, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      expect(Number(await divider.getAttribute('aria-valuenow'))).toBeCloseTo(35, -1);

      // every example thumbnail is rendered by now or soon: the cards retry until it is
      await expect
        .poll(() => page.locator('.filter-thumb.loaded').count(), { timeout: SLOW })
        .toBe(await page.locator('.filter-card').count());
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.screenshot({ path: path.join(SCREENSHOTS, 'web-result.png'), fullPage: true });

      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(SCREENSHOTS, 'web-result-phone.png') });
      await page.screenshot({
        path: path.join(SCREENSHOTS, 'web-result-phone-full.png'),
        fullPage: true,
      });

      await page.getByRole('button', { name: 'Delete my photo' }).click();
      await expect
        .poll(() => page.locator('#notice').textContent(), { timeout: SLOW })
        .toContain('deleted from the server');
      expect(await server.queue.get(job.id)).toBeUndefined();
      expect((await page.request.get(server.url + `/v1/jobs/${job.id}/result`)).status()).toBe(404);
      expect(await page.locator('#dropzone').getAttribute('data-state')).toBe('empty');
      expect(pageErrors).toEqual([]);
      await page.close();
    },
  );

  it(
    "shows the server's message when the upload is not an image",
    { timeout: 120_000 },
    async () => {
      const page = await newPage();
      await openStudio(page);
      await page.locator('#file-input').setInputFiles({
        name: 'notes.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('these are my notes, not a photo\n'),
      });
      await page.locator('.compare-stage.no-preview').waitFor();
      const created = page.waitForResponse(
        (r) => r.url().endsWith('/v1/jobs') && r.request().method() === 'POST',
      );
      await page.getByRole('button', { name: /^Apply / }).click();
      const response = await created;
      expect(response.status()).toBe(415);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('FL_ERR_IMAGE_FORMAT');

      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.locator('.alert-title').textContent()).toBe(
        'That file is not a photo we can read',
      );
      expect(await alert.locator('.alert-message').textContent()).toBe(body.error.message);
      expect(body.error.message).toContain('received text starting');
      expect(await alert.locator('.alert-code').textContent()).toBe('FL_ERR_IMAGE_FORMAT');
      expect(await page.getByRole('button', { name: /^Apply / }).isEnabled()).toBe(true);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'web-error.png') });
      expect(pageErrors).toEqual([]);
      await page.close();
    },
  );

  it('offers the camera on a phone', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(SLOW);
    await page.goto(server.url + '/');
    await page.locator('.filter-card').first().waitFor();
    expect(await page.getByRole('button', { name: 'Take a selfie' }).isVisible()).toBe(true);
    expect(await page.locator('#camera-input').getAttribute('capture')).toBe('user');
    expect(await page.locator('#camera-input').getAttribute('accept')).toBe('image/*');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'web-phone-start.png') });
    await context.close();
  });

  it('lists lab runs with their verdicts and opens a report', { timeout: 120_000 }, async () => {
    const page = await newPage();
    await page.goto(server.url + '/runs.html');
    const runs = page.locator('.run');
    await runs.first().waitFor();
    expect(await runs.count()).toBe(2);
    for (const run of RUNS) {
      const item = page.locator(`.run[data-run="${run.id}"]`);
      const link = item.locator('a.run-name');
      expect(await link.textContent()).toBe(
        'name' in run.results ? run.results.name : run.results.experiment,
      );
      expect(await link.getAttribute('href')).toBe(`/runs/${run.id}/report.html`);
      expect(await item.locator('.badge').textContent()).toBe(run.results.verdict);
    }
    await page.screenshot({ path: path.join(SCREENSHOTS, 'web-runs.png'), fullPage: true });
    await page.getByRole('link', { name: 'Vivid on faces-dev' }).click();
    await page.waitForURL(`**/runs/${RUNS[0]!.id}/report.html`);
    expect(await page.locator('h1').textContent()).toBe('Vivid report');
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
