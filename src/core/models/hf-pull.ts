import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FilterlabError, throwIfAborted } from '../errors.js';
import { sha256File } from './manifest.js';
import { download, type PullOptions } from './pull.js';
import type { InstalledModel, ModelStore } from './store.js';

/**
 * `filterlab models pull hf:owner/repo[@revision][/subfolder]`: a snapshot of a Hugging Face
 * repository (or one folder of it) through the hub's file API, the two endpoints
 * huggingface_hub's snapshot_download uses:
 *
 *   GET {endpoint}/api/models/{repo}/tree/{revision}/{folder}?recursive=true   the file list
 *       (JSON, paged by a Link: <...>; rel="next" header), each file with its size and either
 *       lfs.oid (the content's sha256) or oid (git's blob sha1, for small files kept in git)
 *   GET {endpoint}/{repo}/resolve/{revision}/{path}                            a file's bytes
 *
 * Every file is checked against its checksum; unfinished files resume with Range requests
 * (pull.ts), and files already downloaded and verified are not fetched again.
 */

export const HF_ENDPOINT = 'https://huggingface.co';

export interface HfRef {
  repo: string;
  revision: string;
  /** A folder in the repository, '' for all of it. */
  folder: string;
}

const REF = /^hf:([A-Za-z0-9][\w.-]*\/[\w.-]+)(?:@([^/\s]+))?(?:\/(.*))?$/;

export function isHfRef(ref: string): boolean {
  return ref.startsWith('hf:');
}

export function parseHfRef(ref: string): HfRef {
  const match = REF.exec(ref);
  if (!match) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected hf:owner/repo[@revision][/subfolder] (e.g. hf:stabilityai/sd-turbo@main) but received ${JSON.stringify(ref)}`,
    );
  }
  const folder = (match[3] ?? '').replace(/\/+$/, '');
  if (folder.split('/').some((part) => part === '..' || part === '.')) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected a subfolder without . or .. but received ${JSON.stringify(folder)}`,
    );
  }
  return { repo: match[1]!, revision: match[2] ?? 'main', folder };
}

const TreeEntrySchema = z.looseObject({
  type: z.string(),
  path: z.string().min(1),
  size: z.number().int().nonnegative().optional(),
  oid: z.string().optional(),
  lfs: z.looseObject({ oid: z.string(), size: z.number().int().nonnegative() }).nullish(),
});
type TreeEntry = z.infer<typeof TreeEntrySchema>;

export interface HfPullOptions extends PullOptions {
  /** The hub's base URL; FILTERLAB_HF_ENDPOINT in the CLI. */
  endpoint?: string;
  /** A Hugging Face access token, for gated or private repositories. */
  token?: string;
}

export async function pullHfSnapshot(
  store: ModelStore,
  ref: string,
  options: HfPullOptions = {},
): Promise<InstalledModel> {
  const hf = parseHfRef(ref);
  const endpoint = (options.endpoint ?? HF_ENDPOINT).replace(/\/+$/, '');
  const headers: Record<string, string> = options.token
    ? { authorization: `Bearer ${options.token}` }
    : {};
  const files = await listFiles(endpoint, hf, headers, options);
  if (files.length === 0) {
    throw new FilterlabError(
      'FL_ERR_DOWNLOAD',
      `Expected files in ${ref} but the hub lists none${hf.folder ? ` under ${hf.folder}/` : ''}`,
    );
  }
  const staging = path.join(
    store.root,
    '.downloads',
    `hf_${hf.repo}_${hf.revision}_${hf.folder}`.replace(/[^a-zA-Z0-9._-]+/g, '_'),
  );
  for (const file of files) {
    throwIfAborted(options.signal);
    const relative = hf.folder ? file.path.slice(hf.folder.length + 1) : file.path;
    const target = path.join(staging, ...relative.split('/'));
    if (!target.startsWith(staging + path.sep)) {
      throw new FilterlabError(
        'FL_ERR_DOWNLOAD',
        `Refusing the file path ${file.path} from ${ref}`,
      );
    }
    await mkdir(path.dirname(target), { recursive: true });
    if (await alreadyHave(target, file)) continue;
    const url = `${endpoint}/${hf.repo}/resolve/${encodeURIComponent(hf.revision)}/${file.path.split('/').map(encodeURIComponent).join('/')}`;
    await download(url, target, {
      ...options,
      headers,
      ...(file.lfs ? { sha256: file.lfs.oid } : {}),
    });
    if (!file.lfs) await checkGitOid(target, file, url);
  }
  const model = await store.add(staging, {
    source: ref,
    ...options,
    id: options.id ?? hf.repo.split('/')[1]!.toLowerCase(),
    mode: 'move',
  });
  await rm(staging, { recursive: true, force: true });
  return model;
}

async function listFiles(
  endpoint: string,
  hf: HfRef,
  headers: Record<string, string>,
  options: HfPullOptions,
): Promise<TreeEntry[]> {
  const doFetch = options.fetch ?? fetch;
  const folder = hf.folder ? `/${hf.folder.split('/').map(encodeURIComponent).join('/')}` : '';
  let url: string | undefined =
    `${endpoint}/api/models/${hf.repo}/tree/${encodeURIComponent(hf.revision)}${folder}?recursive=true`;
  const files: TreeEntry[] = [];
  while (url) {
    let response: Response;
    try {
      response = await doFetch(url, {
        headers,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (cause) {
      throw new FilterlabError(
        'FL_ERR_DOWNLOAD',
        `Could not reach ${url}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    if (!response.ok) {
      throw new FilterlabError(
        'FL_ERR_DOWNLOAD',
        `Expected the file list of hf:${hf.repo}@${hf.revision} from ${url} but received HTTP ${response.status}` +
          (response.status === 401 || response.status === 403
            ? ' (a gated or private repository needs HF_TOKEN)'
            : response.status === 404
              ? ' (check the repository, revision and subfolder)'
              : ''),
        { details: { url, status: response.status } },
      );
    }
    const parsed = z.array(TreeEntrySchema).safeParse(await response.json());
    if (!parsed.success) {
      throw new FilterlabError(
        'FL_ERR_DOWNLOAD',
        `Expected a JSON file list from ${url} but it is not one`,
      );
    }
    files.push(...parsed.data.filter((e) => e.type === 'file'));
    url = nextLink(response.headers.get('link'), url);
  }
  return files;
}

/** The rel="next" URL of a Link header, resolved against the current URL. */
function nextLink(header: string | null, current: string): string | undefined {
  const match = header ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(header) : null;
  return match ? new URL(match[1]!, current).toString() : undefined;
}

async function alreadyHave(target: string, file: TreeEntry): Promise<boolean> {
  const info = await stat(target).catch(() => undefined);
  const size = file.lfs?.size ?? file.size;
  if (!info || (size !== undefined && info.size !== size)) return false;
  if (file.lfs) return (await sha256File(target)) === file.lfs.oid;
  return file.oid !== undefined && (await gitBlobSha1(target, info.size)) === file.oid;
}

/** Files kept in git (not LFS) are named by git's blob id: sha1("blob <size>\0" + content). */
async function checkGitOid(target: string, file: TreeEntry, url: string): Promise<void> {
  if (!file.oid) return;
  const size = (await stat(target)).size;
  const actual = await gitBlobSha1(target, size);
  if (actual !== file.oid) {
    await rm(target, { force: true });
    throw new FilterlabError(
      'FL_ERR_DOWNLOAD',
      `Expected git blob id ${file.oid} for ${url} but received ${actual}`,
      { details: { url } },
    );
  }
}

async function gitBlobSha1(file: string, size: number): Promise<string> {
  const hash = createHash('sha1').update(`blob ${size}\0`);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
