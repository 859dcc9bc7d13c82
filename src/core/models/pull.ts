import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { FilterlabError, throwIfAborted } from '../errors.js';
import { MANIFEST_FILE, parseManifest, sha256File } from './manifest.js';
import type { AddOptions, InstalledModel, ModelStore } from './store.js';

export interface PullProgress {
  file: string;
  received: number;
  total: number | undefined;
}

export interface PullOptions extends AddOptions {
  /** Expected sha256 of a single-file download. */
  sha256?: string;
  signal?: AbortSignal;
  onProgress?: (p: PullProgress) => void;
  fetch?: typeof fetch;
  /** Extra request headers (a hub token). */
  headers?: Record<string, string>;
}

/**
 * Download a model — the only network access filterlab ever makes, and only when asked.
 * The URL is either a model.json manifest (its files are fetched relative to it and checked
 * against their sha256) or a single .onnx file (checked against `sha256` when given).
 * Partial downloads are kept as `.part` files and resumed with HTTP Range requests.
 */
export async function pullModel(
  store: ModelStore,
  url: string,
  options: PullOptions = {},
): Promise<InstalledModel> {
  const parsed = parseUrl(url);
  const staging = path.join(store.root, '.downloads', safeName(parsed));
  await mkdir(staging, { recursive: true });
  if (parsed.pathname.endsWith('.json')) {
    const manifestPath = path.join(staging, MANIFEST_FILE);
    await download(url, manifestPath, options);
    const manifest = parseManifest(JSON.parse(await readFile(manifestPath, 'utf8')), url);
    for (const file of manifest.files) {
      const target = path.join(staging, file.path);
      await mkdir(path.dirname(target), { recursive: true });
      await download(new URL(file.path, url).toString(), target, {
        ...options,
        sha256: file.sha256,
      });
    }
    const model = await store.add(staging, options);
    await rm(staging, { recursive: true, force: true });
    return model;
  }
  const file = path.join(staging, path.basename(parsed.pathname) || 'model.onnx');
  await download(url, file, options);
  const model = await store.add(file, { source: url, ...options });
  await rm(staging, { recursive: true, force: true });
  return model;
}

/** One file to `target` through `target`.part: resumed with a Range request, sha256-checked. */
export async function download(url: string, target: string, options: PullOptions): Promise<void> {
  const doFetch = options.fetch ?? fetch;
  const part = `${target}.part`;
  const have = (await stat(part).catch(() => undefined))?.size ?? 0;
  throwIfAborted(options.signal);
  let response: Response;
  try {
    response = await doFetch(url, {
      headers: { ...options.headers, ...(have > 0 ? { range: `bytes=${have}-` } : {}) },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_DOWNLOAD',
      `Could not reach ${url}: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (response.status === 416 && have > 0) {
    // the partial file is already complete
  } else if (!response.ok) {
    throw new FilterlabError(
      'FL_ERR_DOWNLOAD',
      `Expected HTTP 200 or 206 from ${url} but received ${response.status}`,
      {
        details: { url, status: response.status },
      },
    );
  } else {
    const resumed = response.status === 206;
    const length = Number(response.headers.get('content-length') ?? NaN);
    const total = Number.isFinite(length) ? length + (resumed ? have : 0) : undefined;
    const out = createWriteStream(part, { flags: resumed ? 'a' : 'w' });
    let received = resumed ? have : 0;
    try {
      if (!response.body) throw new Error('empty response body');
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        received += chunk.length;
        options.onProgress?.({ file: path.basename(target), received, total });
      }
    } catch (cause) {
      throw new FilterlabError(
        'FL_ERR_DOWNLOAD',
        `Download of ${url} stopped after ${received} bytes: ${(cause as Error).message}; run the same command again to resume`,
        { cause },
      );
    } finally {
      await new Promise<void>((resolve) => out.end(resolve));
    }
  }
  if (options.sha256) {
    const actual = await sha256File(part);
    if (actual !== options.sha256) {
      await rm(part, { force: true });
      throw new FilterlabError(
        'FL_ERR_DOWNLOAD',
        `Expected sha256 ${options.sha256} for ${url} but received ${actual}`,
        {
          details: { url },
        },
      );
    }
  }
  await rename(part, target);
}

function parseUrl(url: string): URL {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
    return parsed;
  } catch {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected an http:// or https:// URL but received ${JSON.stringify(url)}`,
    );
  }
}

function safeName(url: URL): string {
  return `${url.host}${url.pathname}`.replace(/[^a-zA-Z0-9._-]+/g, '_').slice(-120);
}
