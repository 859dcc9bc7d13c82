import { createHash } from 'node:crypto';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from '../../../test/support/error-of.js';
import { FIXTURE_MODELS } from '../../../test/support/paths.js';
import { parseHfRef, pullHfSnapshot } from './hf-pull.js';
import { ModelStore } from './store.js';

/**
 * `models pull hf:...` against a local server that answers like the hub's file API: the tree
 * endpoint (paged with a Link header; LFS files with their sha256, git files with their blob
 * sha1) and resolve URLs with Range support. The "repository" is the tiny-sd fixture under onnx/.
 */

interface RepoFile {
  path: string;
  bytes: Buffer;
  lfs: boolean;
}

let scratch: string;
let server: Server;
let endpoint: string;
let files: RepoFile[];
const requests: { path: string; range: string | undefined }[] = [];
/** Paths whose next download is cut after 100 bytes, and paths served with wrong checksums. */
const cutOnce = new Set<string>();
const corrupt = new Set<string>();

async function listTree(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listTree(root, rel)));
    else if (e.name !== 'model.json' && !e.name.startsWith('.')) out.push(rel);
  }
  return out.sort();
}

function entry(f: RepoFile) {
  const sha256 = createHash('sha256').update(f.bytes).digest('hex');
  const gitOid = createHash('sha1')
    .update(`blob ${f.bytes.length}\0`)
    .update(f.bytes)
    .digest('hex');
  const wrong = corrupt.has(f.path) ? '0'.repeat(64) : undefined;
  return f.lfs
    ? {
        type: 'file',
        path: f.path,
        size: f.bytes.length,
        oid: gitOid,
        lfs: { oid: wrong ?? sha256, size: f.bytes.length, pointerSize: 130 },
      }
    : { type: 'file', path: f.path, size: f.bytes.length, oid: wrong?.slice(0, 40) ?? gitOid };
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'fl-hf-pull-'));
  const source = path.join(FIXTURE_MODELS, 'tiny-sd');
  files = await Promise.all(
    (await listTree(source)).map(async (rel) => ({
      path: `onnx/${rel}`,
      bytes: await readFile(path.join(source, rel)),
      lfs: rel.endsWith('.onnx'),
    })),
  );
  files.push({ path: 'README.md', bytes: Buffer.from('# tiny\n'), lfs: false });
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const tree = '/api/models/acme/tiny-sd/tree/main/onnx';
    if (url.pathname === tree) {
      const inFolder = files.filter((f) => f.path.startsWith('onnx/'));
      const half = Math.ceil(inFolder.length / 2);
      const page =
        url.searchParams.get('cursor') === '2' ? inFolder.slice(half) : inFolder.slice(0, half);
      if (url.searchParams.get('cursor') !== '2') {
        res.setHeader('link', `<${tree}?recursive=true&cursor=2>; rel="next"`);
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify([{ type: 'directory', path: 'onnx/unet', oid: 'x' }, ...page.map(entry)]),
      );
      return;
    }
    const prefix = '/acme/tiny-sd/resolve/main/';
    const file = files.find((f) => `${prefix}${f.path}` === decodeURI(url.pathname));
    if (!file) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    const range = req.headers.range;
    requests.push({ path: file.path, range });
    const start = range ? Number(/bytes=(\d+)-/.exec(range)![1]) : 0;
    res.statusCode = range ? 206 : 200;
    res.setHeader('content-length', String(file.bytes.length - start));
    if (cutOnce.delete(file.path)) {
      res.write(file.bytes.subarray(start, start + 100));
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    res.end(file.bytes.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(scratch, { recursive: true, force: true });
});

describe('parseHfRef', () => {
  it('reads owner/repo, an optional revision and an optional subfolder', () => {
    expect(parseHfRef('hf:stabilityai/sd-turbo')).toEqual({
      repo: 'stabilityai/sd-turbo',
      revision: 'main',
      folder: '',
    });
    expect(parseHfRef('hf:acme/tiny-sd@v1.0/onnx/')).toEqual({
      repo: 'acme/tiny-sd',
      revision: 'v1.0',
      folder: 'onnx',
    });
    expect(() => parseHfRef('hf:just-a-name')).toThrow(/Expected hf:owner\/repo/);
    expect(() => parseHfRef('hf:a/b/../../etc')).toThrow(/without \. or \.\./);
  });
});

describe('pullHfSnapshot', () => {
  it('downloads a snapshot folder, resumes a cut download, and checks every file', async () => {
    const store = new ModelStore(path.join(scratch, 'models'));
    cutOnce.add('onnx/unet/model.onnx');
    const ref = 'hf:acme/tiny-sd@main/onnx';
    const cut = await errorOf(() => pullHfSnapshot(store, ref, { endpoint }));
    expect(cut.code).toBe('FL_ERR_DOWNLOAD');
    expect(cut.message).toMatch(/stopped after \d+ bytes.*run the same command again to resume/);
    const before = requests.length;
    const model = await pullHfSnapshot(store, ref, { endpoint, license: 'MIT' });
    expect(model.manifest).toMatchObject({ id: 'tiny-sd', format: 'diffusers-onnx', source: ref });
    const again = requests.slice(before);
    // the cut file resumed where it stopped; files finished by the first attempt were not fetched again
    expect(again.find((r) => r.path === 'onnx/unet/model.onnx')?.range).toMatch(/^bytes=\d+-$/);
    expect(again.some((r) => r.path === 'onnx/model_index.json')).toBe(false);
    expect(again.some((r) => r.path === 'README.md')).toBe(false); // outside the subfolder
    const unet = await readFile(path.join(model.dir, 'unet', 'model.onnx'));
    expect(unet.equals(files.find((f) => f.path === 'onnx/unet/model.onnx')!.bytes)).toBe(true);
    expect(await store.verify('tiny-sd')).toEqual([{ id: 'tiny-sd', ok: true, problems: [] }]);
  });

  it('refuses a file whose bytes do not match the checksum the hub lists', async () => {
    const store = new ModelStore(path.join(scratch, 'models-bad'));
    corrupt.add('onnx/vae_decoder/model.onnx');
    corrupt.add('onnx/model_index.json');
    try {
      const e = await errorOf(() => pullHfSnapshot(store, 'hf:acme/tiny-sd/onnx', { endpoint }));
      expect(e.code).toBe('FL_ERR_DOWNLOAD');
      expect(e.message).toMatch(
        /Expected (sha256 0{64}|git blob id 0{40}) for .*tiny-sd\/resolve\/main\/onnx/,
      );
      expect(await store.list()).toEqual([]);
    } finally {
      corrupt.clear();
    }
  });

  it('names a missing repository or revision', async () => {
    const store = new ModelStore(path.join(scratch, 'models-missing'));
    const e = await errorOf(() => pullHfSnapshot(store, 'hf:acme/nope@dev', { endpoint }));
    expect(e.message).toMatch(/file list of hf:acme\/nope@dev .* HTTP 404 \(check the repository/);
  });
});
