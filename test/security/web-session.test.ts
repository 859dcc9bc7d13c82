/**
 * The web app in key mode, in Debian's Chromium: the first API call answers 401, the app asks
 * for a key, trades it for a session cookie and goes on; lab reports then open with the cookie.
 * Skipped where Chromium is not installed.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../src/serve/http/api-keys.js';
import { BACKENDS } from '../support/backends.js';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';

const CHROMIUM = process.env.FILTERLAB_CHROMIUM ?? '/usr/bin/chromium';
const RUN = 'portraits-2026-12-06T19-00-00';

describe.skipIf(!existsSync(CHROMIUM))('web app login in key mode (Chromium)', () => {
  let t: TestServer;
  let browser: Browser;
  let key = '';

  beforeAll(async () => {
    const dataDir = await tempDir('fl-sec-web-');
    key = (await (await ApiKeys.open(dataDir)).create('browser')).key;
    const runsDir = path.join(dataDir, 'runs');
    await mkdir(path.join(runsDir, RUN), { recursive: true });
    await writeFile(path.join(runsDir, RUN, 'report.html'), '<h1>Portrait report</h1>');
    t = await startTestServer(BACKENDS[0]!, { dataDir, runsDir, open: false, workers: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('asks for a key once, then lists runs and opens a report with the session cookie', async () => {
    const page = await browser.newPage();
    const report = await page.goto(`${t.url}/runs/${RUN}/report.html`);
    expect(report?.status()).toBe(401);

    await page.goto(`${t.url}/runs.html`);
    const input = page.locator('dialog.session-dialog input[type=password]');
    await input.fill('fl_wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('That key was not accepted').waitFor();
    const listed = page.waitForResponse((r) => r.url().endsWith('/v1/runs') && r.status() === 200);
    await input.fill(key);
    await page.getByRole('button', { name: 'Log in' }).click();
    expect(await (await listed).json()).toMatchObject({ runs: [{ id: RUN }] });

    const cookies = await page.context().cookies();
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'fl_session', httpOnly: true, sameSite: 'Strict' }),
    ]);
    expect(await page.evaluate(() => document.cookie)).toBe(''); // HttpOnly: not readable by scripts
    const opened = await page.goto(`${t.url}/runs/${RUN}/report.html`);
    expect(opened?.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Portrait report');
    await page.close();
  });
});
