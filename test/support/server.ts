/**
 * What the server suites share: a real server on a temporary data folder, an HTTP client that
 * speaks to it over loopback, photos built inline, and polling with deadlines (no fixed sleeps).
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { ServerConfigInput } from '../../src/serve/config.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import type { BackendCase } from './backends.js';
import { WAIT_MS } from './wait.js';

export interface TestServer {
  server: RunningServer;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function tempDir(prefix = 'fl-serve-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * Start a server for a backend. Thumbnails are rendered from a tiny sample so that the worker
 * is free for the test's jobs within a moment of starting.
 */
export async function startTestServer(
  backend: BackendCase,
  config: Partial<ServerConfigInput> = {},
): Promise<TestServer> {
  const dataDir = config.dataDir ?? (await tempDir());
  const samplePhoto = path.join(dataDir, 'sample.jpg');
  await writeFile(samplePhoto, await jpeg(32, 24));
  const server = await startServer({
    port: 0,
    dataDir,
    workers: 1,
    logLevel: 'silent',
    rateLimitPerMinute: 100_000,
    samplePhoto,
    ...backend.config(),
    ...config,
  });
  let closing: Promise<void> | undefined;
  return {
    server,
    url: server.url,
    dataDir,
    close() {
      closing ??= server.close().then(() => rm(dataDir, { recursive: true, force: true }));
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

export async function call(
  url: string,
  init: RequestInit & { key?: string } = {},
): Promise<ApiResponse> {
  const { key, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  const res = await fetch(url, { ...rest, headers });
  const type = res.headers.get('content-type') ?? '';
  const body = type.includes('json')
    ? await res.json()
    : type.startsWith('image/')
      ? Buffer.from(await res.arrayBuffer())
      : await res.text();
  return { status: res.status, headers: res.headers, body };
}

export interface JobRequest {
  image?: Uint8Array;
  filter?: string;
  params?: Record<string, unknown>;
  key?: string;
  idempotencyKey?: string;
  fileName?: string;
  fileType?: string;
}

export function jobForm(r: JobRequest): FormData {
  const form = new FormData();
  if (r.filter !== undefined) form.append('filter', r.filter);
  if (r.params) form.append('params', JSON.stringify(r.params));
  if (r.image)
    form.append(
      'image',
      new Blob([new Uint8Array(r.image)], { type: r.fileType ?? 'image/jpeg' }),
      r.fileName ?? 'photo.jpg',
    );
  return form;
}

export function createJob(base: string, r: JobRequest): Promise<ApiResponse> {
  return call(`${base}/v1/jobs`, {
    method: 'POST',
    body: jobForm(r),
    ...(r.key ? { key: r.key } : {}),
    ...(r.idempotencyKey ? { headers: { 'idempotency-key': r.idempotencyKey } } : {}),
  });
}

export async function getJob(base: string, id: string, key?: string): Promise<any> {
  const res = await call(`${base}/v1/jobs/${id}`, key ? { key } : {});
  if (res.status !== 200)
    throw new Error(`GET job ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** Poll a job until `until` holds (default: a final status). */
export async function waitForJob(
  base: string,
  id: string,
  options: { key?: string; timeoutMs?: number; until?: (job: any) => boolean } = {},
): Promise<any> {
  const until = options.until ?? ((job: any) => FINAL.has(job.status));
  let last: any;
  return waitFor(
    async () => {
      last = await getJob(base, id, options.key);
      return until(last) ? last : undefined;
    },
    { timeoutMs: options.timeoutMs ?? WAIT_MS, what: `job ${id}` },
  ).catch((error: unknown) => {
    if (!last) throw error;
    const seen = `last seen ${last.status}, attempt ${last.attempts}, progress ${last.progress}`;
    throw new Error(`${(error as Error).message} (${seen})`, { cause: error });
  });
}

/** Call `probe` until it returns a value other than undefined, or fail after the deadline. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `Timed out waiting for ${options.what ?? 'a condition'}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}

/** Read a server-sent event stream until it ends; returns the events in order. */
export async function readEvents(
  url: string,
  key?: string,
  timeoutMs = WAIT_MS,
): Promise<{ event: string; data: any }[]> {
  const res = await fetch(url, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (res.status !== 200) throw new Error(`events: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event:'))
    .map((block) => {
      const lines = block.split('\n');
      const event = lines[0]!.slice('event:'.length).trim();
      const data = lines.find((l) => l.startsWith('data:'))?.slice('data:'.length) ?? 'null';
      return { event, data: JSON.parse(data) };
    });
}

// ---------------------------------------------------------------------------------------------
// Stored blobs

/** Every blob key the store holds (inputs and results). */
export async function blobKeys(server: RunningServer): Promise<string[]> {
  const keys = [...(await server.store.list('inputs')), ...(await server.store.list('results'))];
  return keys.sort();
}

/** Files under <dataDir>/blobs (local storage only): what is really on disk, temp files too. */
export async function blobFiles(dataDir: string): Promise<string[]> {
  const root = path.join(dataDir, 'blobs');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

// ---------------------------------------------------------------------------------------------
// Photos

/** A smooth test photo: a gradient with a disc, so that filters have something to change. */
export async function jpeg(
  width: number,
  height: number,
  options: { gps?: boolean; quality?: number } = {},
): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const inDisc =
        (x - width / 2) ** 2 + (y - height / 2) ** 2 < (Math.min(width, height) / 3) ** 2;
      raw[i] = Math.round((255 * x) / width);
      raw[i + 1] = inDisc ? 200 : Math.round((255 * y) / height);
      raw[i + 2] = inDisc ? 60 : 128;
    }
  let img = sharp(raw, { raw: { width, height, channels: 3 } });
  if (options.gps)
    img = img.withExif({
      IFD0: { Make: 'filterlab-test', Model: 'phone' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '51/1 30/1 2664/100',
        GPSLongitudeRef: 'W',
        GPSLongitude: '0/1 7/1 3935/100',
      },
    });
  return img.jpeg({ quality: options.quality ?? 90 }).toBuffer();
}

/** A real 1x1 PNG whose header claims `width` x `height` pixels: a decompression bomb's shape. */
export function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0, 0, 0, 0]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The GPS tags (tag number -> value count) in an image's EXIF block, read by walking the TIFF
 * structure: IFD0's GPSInfo pointer (0x8825) leads to the GPS IFD. Empty when there is none.
 */
export async function gpsTags(image: Uint8Array): Promise<Map<number, number>> {
  const { exif } = await sharp(image).metadata();
  const tags = new Map<number, number>();
  if (!exif) return tags;
  const tiff = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const entries = (ifd: number) =>
    Array.from({ length: u16(ifd) }, (_, i) => ({
      tag: u16(ifd + 2 + i * 12),
      count: u32(ifd + 6 + i * 12),
      value: u32(ifd + 10 + i * 12),
    }));
  const pointer = entries(u32(4)).find((e) => e.tag === 0x8825);
  if (pointer) for (const e of entries(pointer.value)) tags.set(e.tag, e.count);
  return tags;
}

// ---------------------------------------------------------------------------------------------
// A slow filter for fault tests

/**
 * A folder with the filter "test-slow": upscale to `side` pixels, blur it six times, shrink to
 * 96 px. At 1600 px a job runs for seconds; the runner checks for abort between steps, so it
 * reacts to cancel or timeout within one step. The default side keeps its thumbnail instant.
 * `timeouts` adds copies of it under other ids, each with its own `timeoutMs`.
 */
export async function slowFilterDir(
  parent: string,
  timeouts: Record<string, number> = {},
): Promise<string> {
  const dir = path.join(parent, 'filters');
  const blur = { type: 'blur', sigma: 24 };
  const spec = {
    id: 'test-slow',
    version: 1,
    params: { side: { type: 'integer', default: 64, min: 16, max: 4000 } },
    steps: [
      { type: 'resize', maxSide: '$side', upscale: true, kernel: 'bilinear' },
      ...Array.from({ length: 6 }, () => blur),
      { type: 'resize', maxSide: 96 },
    ],
  };
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'test-slow.json'), JSON.stringify(spec, null, 2));
  for (const [id, timeoutMs] of Object.entries(timeouts))
    await writeFile(path.join(dir, `${id}.json`), JSON.stringify({ ...spec, id, timeoutMs }));
  return dir;
}
