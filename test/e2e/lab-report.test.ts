/**
 * The lab's acceptance test: an experiment over faces-dev that compares two built-in looks over
 * a parameter grid, gated per gender and per age band, produces a report that opens from disk
 * in Debian's Chromium (playwright-core) with the verdict, the gates and the image grids in
 * it, every image loaded and nothing fetched from the network. Screenshots go to
 * test/e2e/screenshots/lab-report*.png.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExperiment } from '../../src/lab/experiment.js';
import { runExperiment, type EvalResult } from '../../src/lab/run/runner.js';
import { CANDIDATES, LOOKS } from '../lab/looks.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { REPO_ROOT } from '../support/paths.js';

const SCREENSHOTS = path.join(REPO_ROOT, 'test', 'e2e', 'screenshots');

describe.skipIf(!hasChromium())('lab report in Chromium', () => {
  let dir: string;
  let run: EvalResult;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fl-lab-report-'));
    const file = path.join(dir, 'looks.yaml');
    await writeFile(file, YAML.stringify(LOOKS));
    run = await runExperiment(await loadExperiment(file), { outDir: path.join(dir, 'runs') });
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
    page.setDefaultTimeout(60_000);
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(run.reportPath).href, { waitUntil: 'load' });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('leads with the verdict and the reason', async () => {
    const verdict = run.results.verdict;
    expect(verdict.decision).toBe('SHIP');
    await expect(page.locator('#verdict .decision').textContent()).resolves.toBe('SHIP');
    await expect(page.locator('#verdict .reason').textContent()).resolves.toBe(verdict.reason);
    await expect(page.locator('#verdict').textContent()).resolves.toContain(
      `Recommended: ${verdict.variant}`,
    );
    // the verdict is on the first screen
    const box = (await page.locator('#verdict').boundingBox())!;
    expect(box.y + box.height).toBeLessThan(400);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'lab-report.png') });
  });

  it('shows every candidate’s gates, per gender, per age band and the gap', async () => {
    const headings = await page.locator('#gates h3').allTextContents();
    expect(headings.map((h) => h.split(' ')[0])).toEqual(CANDIDATES);
    const tables = page.locator('#gates table.gates');
    await expect(tables.count()).resolves.toBe(CANDIDATES.length);
    const rows = await tables.first().locator('tr.pass, tr.fail').allTextContents();
    expect(rows).toHaveLength(LOOKS.gates.length + 1);
    expect(rows.join('\n')).toMatch(/PASSmean identity for every gender >= 0\.8/);
    expect(rows.join('\n')).toMatch(/PASSmean identity for every age_band >= 0\.8/);
    expect(rows.join('\n')).toMatch(/PASSgap in mean identity across gender <= 0\.03/);
    // slices with too few photos are shown, greyed, not gated
    await expect(tables.first().locator('.chip.muted').first().textContent()).resolves.toMatch(
      /^20-39: 0\.\d{3} \(n=1\)$/,
    );
  });

  it('has the per-slice tables and the charts', async () => {
    await expect(page.locator('#slices caption').allTextContents()).resolves.toEqual(
      expect.arrayContaining(['identity by gender', 'identity by age_band', 'ssim by gender']),
    );
    await expect(page.locator('#chart svg circle').count()).resolves.toBe(4);
    await expect(page.locator('#distributions svg').count()).resolves.toBe(LOOKS.metrics.length);
  });

  it('shows image grids input | baseline | candidate with every image loaded', async () => {
    const rows = page.locator('#grids .gridrow');
    await expect(rows.count()).resolves.toBe(CANDIDATES.length * 10);
    await expect(rows.first().locator('img').count()).resolves.toBe(3);
    const captions = await rows.first().locator('figcaption').allTextContents();
    expect(captions[0]).toMatch(/^input · [A-Z]\d{6}\.jpg$/);
    expect(captions[1]).toMatch(/^baseline · identity 0\.\d{3}$/);
    expect(captions[2]).toMatch(/^film-warm · identity 0\.\d{3}$/);
    const sizes = await page.$$eval('img', (imgs) =>
      imgs.map((i) => ({ ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth })),
    );
    expect(sizes.length).toBeGreaterThan(CANDIDATES.length * 30);
    expect(sizes.filter((s) => !s.ok)).toEqual([]);
    expect(Math.max(...sizes.map((s) => s.w))).toBeLessThanOrEqual(192);
    await page
      .locator('#grids')
      .screenshot({ path: path.join(SCREENSHOTS, 'lab-report-grids.png') });
  });

  it('opens a per-photo drill-down with its scores', async () => {
    const details = page.locator('#images details');
    await expect(details.count()).resolves.toBe(10);
    const first = details.first();
    await expect(first.locator('table').isVisible()).resolves.toBe(false);
    await first.locator('summary').click();
    await expect(first.locator('table').isVisible()).resolves.toBe(true);
    const rows = await first.locator('tr').allTextContents();
    expect(rows).toHaveLength(1 + 1 + CANDIDATES.length);
    await first.screenshot({ path: path.join(SCREENSHOTS, 'lab-report-drilldown.png') });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'lab-report-full.png'), fullPage: true });
  });

  it('fetched nothing but the file itself and its inline images', () => {
    expect(requests.filter((u) => !u.startsWith('data:') && !u.startsWith('file:'))).toEqual([]);
    expect(requests.filter((u) => u.startsWith('file:'))).toEqual([
      pathToFileURL(run.reportPath).href,
    ]);
  });
});
