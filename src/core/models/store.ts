import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FilterlabError } from '../errors.js';
import { packageRoot } from '../package-root.js';
import { placeFiles, type PlaceMode } from './place-files.js';
import {
  MANIFEST_FILE,
  modelHash,
  readManifest,
  sha256File,
  writeManifest,
  type ImageIo,
  type ModelManifest,
} from './manifest.js';

export interface InstalledModel {
  manifest: ModelManifest;
  /** Absolute folder holding model.json and the files. */
  dir: string;
  /** Identity of the model: hash of its files' sha256s. */
  hash: string;
  /** Absolute path of the entry file (the .onnx a runtime loads, or a diffusers folder). */
  entry: string;
}

export interface VerifyResult {
  id: string;
  ok: boolean;
  problems: string[];
}

export interface AddOptions {
  id?: string;
  license?: string;
  version?: string;
  description?: string;
  io?: ImageIo;
  source?: string;
  /** copy (default), move or link the files into the store; placeFiles has the details. */
  mode?: PlaceMode;
}

const VERIFIED_FILE = '.verified.json';

/** Default models folder: $FILTERLAB_MODELS, else $XDG_DATA_HOME/filterlab/models, else ~/.local/share/filterlab/models. */
export function defaultModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FILTERLAB_MODELS) return path.resolve(env.FILTERLAB_MODELS);
  const base = env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'filterlab', 'models');
}

/**
 * Models shipped inside the package (the converted style-transfer networks, with their licence
 * and provenance): found by id, after the models folder, with no download.
 */
export function builtinModelsDir(): string {
  return path.join(packageRoot(), 'models');
}

/** A path reference rather than an id: "./x", "../x", "/x", "C:\x", or anything with a slash. */
export function isPathRef(ref: string): boolean {
  return ref.startsWith('.') || path.isAbsolute(ref) || ref.includes('/') || ref.includes('\\');
}

/**
 * The models folder: one sub-folder per model with a model.json manifest. Loading a model
 * checks every file's sha256 (cached per file size and mtime, so unchanged files are not
 * hashed again), so a changed or corrupted file is caught before it produces wrong pixels.
 */
export class ModelStore {
  private readonly verified = new Map<string, Promise<InstalledModel>>();

  constructor(
    readonly root: string = defaultModelsDir(),
    /** Read-only fallback searched by id after `root`; undefined: none. */
    readonly builtinRoot: string | undefined = builtinModelsDir(),
  ) {}

  /** Installed models (the built-in ones are not listed: they resolve by id). */
  async list(): Promise<InstalledModel[]> {
    let entries: string[];
    try {
      entries = await readdir(this.root);
    } catch {
      return [];
    }
    const models: InstalledModel[] = [];
    for (const name of entries.sort()) {
      const dir = path.join(this.root, name);
      try {
        models.push(await this.describe(dir));
      } catch {
        // not a model folder (or a broken one): `verify` reports those
      }
    }
    return models;
  }

  /**
   * Resolve an id ("anime-gan" or "anime-gan@2") in the store, or a path (relative to
   * `baseDir`) to a model folder, its model.json, or a file inside it. The files are verified.
   */
  async resolve(ref: string, baseDir = process.cwd()): Promise<InstalledModel> {
    const dir = isPathRef(ref)
      ? await folderOf(path.resolve(baseDir, ref))
      : await this.folderOfId(ref);
    let pending = this.verified.get(dir);
    if (!pending) {
      pending = this.loadVerified(dir);
      this.verified.set(dir, pending);
      pending.catch(() => this.verified.delete(dir));
    }
    return pending;
  }

  async verify(ref?: string): Promise<VerifyResult[]> {
    const dirs = ref
      ? [isPathRef(ref) ? await folderOf(path.resolve(ref)) : await this.folderOfId(ref)]
      : (await readdir(this.root).catch(() => [] as string[]))
          .filter((n) => !n.startsWith('.')) // .downloads holds unfinished pulls
          .map((n) => path.join(this.root, n));
    const results: VerifyResult[] = [];
    for (const dir of dirs) {
      if (!(await isDir(dir))) continue;
      try {
        const manifest = await readManifest(dir);
        const problems = await checkFiles(dir, manifest, false);
        results.push({ id: manifest.id, ok: problems.length === 0, problems });
      } catch (error) {
        results.push({ id: path.basename(dir), ok: false, problems: [(error as Error).message] });
      }
    }
    return results;
  }

  /**
   * Copy a model into the store. A folder with a model.json is verified and copied as is;
   * a diffusers folder (model_index.json) or a single .onnx file gets a manifest written.
   */
  async add(source: string, options: AddOptions = {}): Promise<InstalledModel> {
    const abs = path.resolve(source);
    const info = await stat(abs).catch((cause: unknown) => {
      throw new FilterlabError(
        'FL_ERR_IO',
        `Expected a model file or folder at ${abs} but it does not exist`,
        { cause },
      );
    });
    const hasManifest = info.isDirectory() && (await exists(path.join(abs, MANIFEST_FILE)));
    if (hasManifest) {
      const manifest = await readManifest(abs);
      const problems = await checkFiles(abs, manifest, false);
      if (problems.length) throw hashError(manifest.id, problems);
      const target = path.join(this.root, options.id ?? manifest.id);
      await this.copyInto(abs, target, options.mode);
      if (options.id && options.id !== manifest.id) {
        await writeFile(
          path.join(target, MANIFEST_FILE),
          JSON.stringify({ ...manifest, id: options.id }, null, 2) + '\n',
        );
      }
      await recordVerified(target, manifest); // hashed once above, not again by resolve
      return this.resolve(target);
    }
    const isDiffusers = info.isDirectory() && (await exists(path.join(abs, 'model_index.json')));
    if (info.isDirectory() && !isDiffusers) {
      throw new FilterlabError(
        'FL_ERR_MODEL_MANIFEST',
        `Expected ${abs} to hold a model.json, a diffusers model_index.json, or to be an .onnx file, but it holds neither`,
      );
    }
    if (!info.isDirectory() && !abs.endsWith('.onnx')) {
      throw new FilterlabError(
        'FL_ERR_MODEL_MANIFEST',
        `Expected an .onnx file but received ${path.basename(abs)}`,
      );
    }
    const id = options.id ?? slug(path.basename(abs, '.onnx'));
    const target = path.join(this.root, id);
    if (isDiffusers) await this.copyInto(abs, target, options.mode);
    else {
      await rm(target, { recursive: true, force: true });
      await mkdir(target, { recursive: true });
      await placeFiles(abs, path.join(target, 'model.onnx'), options.mode ?? 'copy');
    }
    const files = isDiffusers ? await listFiles(target) : ['model.onnx'];
    const manifest = await writeManifest(target, {
      id,
      version: options.version ?? '1',
      format: isDiffusers ? 'diffusers-onnx' : 'onnx',
      license: options.license ?? 'unknown',
      ...(options.description ? { description: options.description } : {}),
      ...(options.source ? { source: options.source } : {}),
      ...(options.io ? { io: options.io } : {}),
      ...(isDiffusers ? { entry: '.' } : {}),
      files: files.filter((f) => f !== MANIFEST_FILE && f !== VERIFIED_FILE),
    });
    await recordVerified(target, manifest); // writeManifest hashed every file: once is enough
    this.verified.delete(target);
    return this.resolve(target);
  }

  async remove(id: string): Promise<void> {
    const dir = await this.folderOfId(id);
    if (path.dirname(dir) !== path.resolve(this.root)) {
      throw new FilterlabError(
        'FL_ERR_INVALID_ARGUMENT',
        `Expected a model installed in ${this.root} but ${id} is built into filterlab (${dir})`,
      );
    }
    await rm(dir, { recursive: true, force: true });
    this.verified.delete(dir);
  }

  private async copyInto(from: string, target: string, mode: PlaceMode = 'copy'): Promise<void> {
    await placeFiles(from, target, mode);
    this.verified.delete(target);
  }

  private async folderOfId(ref: string): Promise<string> {
    const [id, version] = ref.split('@') as [string, string | undefined];
    let dir = path.join(this.root, id);
    if (!(await exists(path.join(dir, MANIFEST_FILE))) && this.builtinRoot) {
      const builtin = path.join(this.builtinRoot, id);
      if (await exists(path.join(builtin, MANIFEST_FILE))) dir = builtin;
    }
    if (!(await exists(path.join(dir, MANIFEST_FILE)))) {
      const known = (await this.list()).map((m) => m.manifest.id);
      throw new FilterlabError(
        'FL_ERR_MODEL_NOT_FOUND',
        `Expected an installed model "${id}" in ${this.root} but found ${known.length ? known.join(', ') : 'no models'}; ` +
          'add one with `filterlab models add <file-or-dir>` or `filterlab models pull <url>`',
        { details: { model: ref, root: this.root } },
      );
    }
    if (version) {
      const manifest = await readManifest(dir);
      if (manifest.version !== version) {
        throw new FilterlabError(
          'FL_ERR_MODEL_NOT_FOUND',
          `Expected model ${id} at version ${version} but the installed one is version ${manifest.version}`,
        );
      }
    }
    return dir;
  }

  private async describe(dir: string): Promise<InstalledModel> {
    const manifest = await readManifest(dir);
    return { manifest, dir, hash: modelHash(manifest), entry: entryPath(dir, manifest) };
  }

  private async loadVerified(dir: string): Promise<InstalledModel> {
    const model = await this.describe(dir);
    const problems = await checkFiles(dir, model.manifest, true);
    if (problems.length) throw hashError(model.manifest.id, problems);
    return model;
  }
}

export function entryPath(dir: string, manifest: ModelManifest): string {
  return path.join(dir, manifest.entry ?? manifest.files[0]!.path);
}

async function folderOf(abs: string): Promise<string> {
  if (await isDir(abs)) {
    if (await exists(path.join(abs, MANIFEST_FILE))) return abs;
  } else if (await exists(path.join(path.dirname(abs), MANIFEST_FILE))) {
    return path.dirname(abs);
  }
  throw new FilterlabError(
    'FL_ERR_MODEL_NOT_FOUND',
    `Expected a model folder with a ${MANIFEST_FILE} at ${abs} but none was found`,
    { details: { path: abs } },
  );
}

/** Compare files with the manifest; `useCache` skips hashing files unchanged since the last check. */
async function checkFiles(
  dir: string,
  manifest: ModelManifest,
  useCache: boolean,
): Promise<string[]> {
  const cacheFile = path.join(dir, VERIFIED_FILE);
  const cache: Record<string, string> = useCache
    ? await readFile(cacheFile, 'utf8')
        .then((t) => JSON.parse(t) as Record<string, string>)
        .catch(() => ({}))
    : {};
  const problems: string[] = [];
  const next: Record<string, string> = {};
  for (const file of manifest.files) {
    const abs = path.join(dir, file.path);
    const info = await stat(abs).catch(() => undefined);
    if (!info) {
      problems.push(`${file.path}: missing`);
      continue;
    }
    if (info.size !== file.bytes) {
      problems.push(`${file.path}: expected ${file.bytes} bytes but found ${info.size}`);
      continue;
    }
    const stamp = `${info.size}:${info.mtimeMs}:${file.sha256}`;
    if (cache[file.path] === stamp) {
      next[file.path] = stamp;
      continue;
    }
    const actual = await sha256File(abs);
    if (actual !== file.sha256)
      problems.push(`${file.path}: expected sha256 ${file.sha256} but found ${actual}`);
    else next[file.path] = stamp;
  }
  if (problems.length === 0)
    await writeFile(cacheFile, JSON.stringify(next)).catch(() => undefined);
  return problems;
}

/** The stamps checkFiles trusts, for files whose sha256 the caller has just computed. */
async function recordVerified(dir: string, manifest: ModelManifest): Promise<void> {
  const stamps: Record<string, string> = {};
  for (const file of manifest.files) {
    const info = await stat(path.join(dir, file.path));
    stamps[file.path] = `${info.size}:${info.mtimeMs}:${file.sha256}`;
  }
  await writeFile(path.join(dir, VERIFIED_FILE), JSON.stringify(stamps));
}

function hashError(id: string, problems: string[]): FilterlabError {
  return new FilterlabError(
    'FL_ERR_MODEL_HASH',
    `Model ${id} does not match its manifest: ${problems.join('; ')}. Reinstall it with \`filterlab models add\` or \`pull\``,
    { details: { model: id, problems } },
  );
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(root, rel)));
    else out.push(rel);
  }
  return out.sort();
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '') || 'model'
  );
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
