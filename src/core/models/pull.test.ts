import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODELS } from '../../../test/support/paths.js';
import { sha256File } from './manifest.js';
import { pullModel, type PullProgress } from './pull.js';
import { ModelStore } from './store.js';

interface Route {
  body: Buffer;
  /** Bytes sent before the socket is destroyed, on the first request only. */
  cutAfter?: number;
}

/** A local file server that honours Range, logs request headers, and can drop a connection. */
class TestServer {
  readonly requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  private readonly routes = new Map<string, Route & { served: number }>();
  private server!: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push({ url: req.url ?? '', headers: req.headers });
      const route = this.routes.get(req.url ?? '');
      if (!route) return res.writeHead(404).end();
      route.served++;
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      if (start >= route.body.length) return res.writeHead(416).end();
      const body = route.body.subarray(start);
      res.writeHead(range ? 206 : 200, {
        'content-length': body.length,
        ...(range
          ? { 'content-range': `bytes ${start}-${route.body.length - 1}/${route.body.length}` }
          : {}),
      });
      if (route.cutAfter !== undefined && route.served === 1) {
        res.write(body.subarray(0, route.cutAfter), () => res.destroy());
        return;
      }
      res.end(body);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  serve(urlPath: string, route: Route): string {
    this.routes.set(urlPath, { ...route, served: 0 });
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${urlPath}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('pullModel', () => {
  const server = new TestServer();
  let scratch: string;
  let store: ModelStore;
  let onnx: Buffer;
  let onnxSha: string;
  const fixture = path.join(FIXTURE_MODELS, 'tiny-conv');

  beforeAll(async () => {
    await server.start();
    scratch = await mkdtemp(path.join(tmpdir(), 'fl-pull-'));
    onnx = await readFile(path.join(fixture, 'model.onnx'));
    onnxSha = await sha256File(path.join(fixture, 'model.onnx'));
  });
  afterEach(() => {
    server.requests.length = 0;
  });
  afterAll(async () => {
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  const freshStore = (name: string) => (store = new ModelStore(path.join(scratch, name)));

  it('downloads a single .onnx, checks its sha256, installs it, and reports progress', async () => {
    freshStore('single');
    const url = server.serve('/files/tiny.onnx', { body: onnx });
    const progress: PullProgress[] = [];
    const model = await pullModel(store, url, {
      sha256: onnxSha,
      license: 'MIT',
      onProgress: (p) => progress.push(p),
    });
    expect(model.manifest).toMatchObject({ id: 'tiny', format: 'onnx', source: url });
    expect(model.manifest.files[0]!.sha256).toBe(onnxSha);
    expect((await store.verify('tiny'))[0]!.ok).toBe(true);
    expect(progress.at(-1)).toEqual({
      file: 'tiny.onnx',
      received: onnx.length,
      total: onnx.length,
    });
    expect(await readdir(path.join(store.root, '.downloads'))).toEqual([]);
  });

  it('downloads a model.json and its files relative to it', async () => {
    freshStore('manifest');
    const manifest = await readFile(path.join(fixture, 'model.json'));
    const url = server.serve('/tiny-conv/model.json', { body: manifest });
    server.serve('/tiny-conv/model.onnx', { body: onnx });
    const model = await pullModel(store, url);
    expect(model.manifest.id).toBe('tiny-conv');
    expect(model.manifest.io).toBeDefined();
    expect(server.requests.map((r) => r.url)).toEqual([
      '/tiny-conv/model.json',
      '/tiny-conv/model.onnx',
    ]);
    expect((await store.verify())[0]).toMatchObject({ id: 'tiny-conv', ok: true });
  });

  it('refuses a download whose sha256 differs, installing nothing', async () => {
    freshStore('wrong-sha');
    const url = server.serve('/files/wrong.onnx', { body: onnx });
    await expect(pullModel(store, url, { sha256: '0'.repeat(64) })).rejects.toMatchObject({
      code: 'FL_ERR_DOWNLOAD',
      message: expect.stringContaining(`Expected sha256 ${'0'.repeat(64)}`),
    });
    expect(await store.list()).toEqual([]);
    expect(await store.verify()).toEqual([]);
  });

  it('refuses a model.json whose file differs from its recorded sha256', async () => {
    freshStore('bad-file');
    const manifest = await readFile(path.join(fixture, 'model.json'));
    const url = server.serve('/bad/model.json', { body: manifest });
    const other = Buffer.from(onnx);
    other[10] = other[10]! ^ 1;
    server.serve('/bad/model.onnx', { body: other });
    await expect(pullModel(store, url)).rejects.toMatchObject({ code: 'FL_ERR_DOWNLOAD' });
    expect(await store.list()).toEqual([]);
  });

  it('resumes a cut download with a Range request and verifies the result', async () => {
    freshStore('resume');
    const cut = 300;
    const url = server.serve('/files/resumed.onnx', { body: onnx, cutAfter: cut });
    await expect(pullModel(store, url, { sha256: onnxSha })).rejects.toMatchObject({
      code: 'FL_ERR_DOWNLOAD',
      message: expect.stringContaining('run the same command again to resume'),
    });
    expect(server.requests[0]!.headers.range).toBeUndefined();
    const model = await pullModel(store, url, { sha256: onnxSha });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.headers.range).toBe(`bytes=${cut}-`);
    expect(model.manifest.files[0]!.sha256).toBe(onnxSha);
    expect((await store.verify('resumed'))[0]!.ok).toBe(true);
  });

  it('reports HTTP errors, unreachable hosts and non-http URLs', async () => {
    freshStore('errors');
    const missing = server.serve('/exists', { body: onnx }).replace('/exists', '/missing.onnx');
    await expect(pullModel(store, missing)).rejects.toMatchObject({
      code: 'FL_ERR_DOWNLOAD',
      message: expect.stringContaining('received 404'),
    });
    await expect(pullModel(store, 'http://127.0.0.1:1/x.onnx')).rejects.toMatchObject({
      code: 'FL_ERR_DOWNLOAD',
      message: expect.stringContaining('Could not reach'),
    });
    await expect(pullModel(store, 'ftp://example.com/x.onnx')).rejects.toMatchObject({
      code: 'FL_ERR_INVALID_ARGUMENT',
    });
  });
});
