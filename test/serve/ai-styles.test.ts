/**
 * The built-in AI styles through the HTTP API of `filterlab serve` on the embedded default
 * (SQLite queue, local storage, a real worker process): listed first, thumbnails rendered,
 * a style job with its sliders on a real portrait, and a photo too small for the model.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';
import { BACKENDS } from '../support/backends.js';
import {
  call,
  createJob,
  jpeg,
  startTestServer,
  waitFor,
  waitForJob,
  type TestServer,
} from '../support/server.js';

const PORTRAIT = path.join(REPO_ROOT, 'samples', 'portraits', 'S001185.jpg');

describe('AI styles over the HTTP API (embedded backend)', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer(BACKENDS[0]!);
  });
  afterAll(() => t?.close());

  it('lists the filters that run a learned model first', async () => {
    const res = await call(`${t.url}/v1/filters`);
    expect(res.status).toBe(200);
    const tags = (res.body.filters as { id: string; tags: string[] }[]).map((f) =>
      f.tags.includes('ai'),
    );
    const firstOther = tags.indexOf(false);
    expect(firstOther).toBeGreaterThan(0);
    expect(tags.slice(firstOther)).not.toContain(true);
    const wave = (res.body.filters as { id: string; params: Record<string, unknown> }[]).find(
      (f) => f.id === 'art-wave',
    );
    expect(Object.keys(wave!.params)).toEqual(['strength', 'keep', 'size']);
  });

  it('renders a thumbnail of a style', async () => {
    const thumb = await waitFor(
      async () => {
        const res = await call(`${t.url}/v1/filters/art-wave/thumbnail`);
        return res.status === 200 ? res : undefined;
      },
      { timeoutMs: 30_000, what: 'art-wave thumbnail' },
    );
    expect(thumb.headers.get('content-type')).toMatch(/^image\//);
  });

  it('styles an uploaded portrait at the sliders given, at its own size', async () => {
    const photo = await readFile(PORTRAIT);
    const created = await createJob(t.url, {
      image: photo,
      filter: 'art-wave',
      params: { strength: 0.9, keep: 0.7, size: 256 },
    });
    expect(created.status).toBe(202);
    const done = await waitForJob(t.url, created.body.id, { timeoutMs: 60_000 });
    expect(done).toMatchObject({ status: 'succeeded', result: { width: 225, height: 275 } });
    const result = await call(`${t.url}${done.result.url}`);
    const [a, b] = await Promise.all(
      [photo, result.body as Buffer].map((x) => sharp(x).removeAlpha().raw().toBuffer()),
    );
    let diff = 0;
    for (let i = 0; i < a!.length; i++) diff += Math.abs(a![i]! - b![i]!);
    expect(diff / a!.length).toBeGreaterThan(8); // painted, not the photo back
  });

  it('fails a photo too small for the model with FL_ERR_IMAGE_TOO_SMALL, at once', async () => {
    const created = await createJob(t.url, { image: await jpeg(12, 8), filter: 'art-wave' });
    const done = await waitForJob(t.url, created.body.id);
    expect(done).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'FL_ERR_IMAGE_TOO_SMALL' },
    });
    expect(done.error.message).toMatch(/at least 16 px on each side .* but received 12x8/);
  });
});
