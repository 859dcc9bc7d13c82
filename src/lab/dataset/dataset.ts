import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expected, FilterlabError } from '../../core/errors.js';
import { csvRecords } from './csv.js';
import { sha256Hex } from '../../core/util/content-hash.js';

export interface DatasetItem {
  /** Path relative to the dataset folder: the item's id. */
  file: string;
  path: string;
  sha256: string;
  bytes: number;
  /** Label columns from the label files; any column is a slice. */
  labels: Record<string, string>;
}

export interface Dataset {
  root: string;
  items: DatasetItem[];
  /** Label columns present, in first-seen order. */
  columns: string[];
  /** Files that label rows name but that are not in the folder. */
  missing: string[];
  /** Hash of every (file, sha256) pair: what a run scored, exactly. */
  manifestHash: string;
}

export interface DatasetOptions {
  /** Keep items whose labels match: { kind: 'portrait' } or { gender: ['F', 'M'] }. */
  where?: Record<string, string | string[]>;
  /** Keep items whose file name matches this regular expression. */
  match?: string;
  limit?: number;
}

const IMAGE = /\.(jpe?g|png|webp|avif|tiff?|gif|heic|heif)$/i;
const KEY_COLUMNS = ['file', 'filename', 'image', 'path'];

/**
 * A folder of photos plus optional labels: labels.csv or labels.jsonl, and any other CSV/JSONL
 * in the folder with a `file` column (joined on it), so extra metadata files add slices.
 */
export async function loadDataset(dir: string, options: DatasetOptions = {}): Promise<Dataset> {
  const root = path.resolve(dir);
  const entries = await readdir(root).catch((cause: unknown) => {
    throw new FilterlabError(
      'FL_ERR_DATASET',
      `Expected a dataset folder at ${root} but it cannot be read`,
      { cause },
    );
  });
  const labels = new Map<string, Record<string, string>>();
  const columns: string[] = [];
  for (const name of entries.filter((e) => /\.(csv|jsonl)$/i.test(e)).sort(labelFileOrder)) {
    const text = await readFile(path.join(root, name), 'utf8');
    const records = name.endsWith('.csv') ? csvRecords(text) : parseJsonl(text, name);
    for (const record of records) {
      const keyColumn = KEY_COLUMNS.find((k) => k in record);
      if (!keyColumn) break;
      const file = String(record[keyColumn]);
      const merged = labels.get(file) ?? {};
      for (const [k, v] of Object.entries(record)) {
        if (k === keyColumn) continue;
        if (!columns.includes(k)) columns.push(k);
        merged[k] = String(v ?? '');
      }
      labels.set(file, merged);
    }
  }
  const files = entries.filter((e) => IMAGE.test(e)).sort();
  const match = options.match === undefined ? undefined : fileRegExp(options.match);
  const items: DatasetItem[] = [];
  for (const file of files) {
    const item = { file, labels: labels.get(file) ?? {} };
    if (!matches(item, match, options.where)) continue;
    const abs = path.join(root, file);
    const bytes = await readFile(abs);
    items.push({
      ...item,
      path: abs,
      sha256: sha256Hex(bytes),
      bytes: bytes.length,
    });
    if (options.limit && items.length >= options.limit) break;
  }
  if (!items.length) {
    throw new FilterlabError(
      'FL_ERR_DATASET',
      `Expected photos in ${root}${options.where || options.match ? ' matching the filters' : ''} but found none`,
    );
  }
  return {
    root,
    items,
    columns,
    missing: [...labels.keys()].filter((f) => !files.includes(f)),
    manifestHash: sha256Hex(...items.map((it) => `${it.file}\0${it.sha256}\n`)),
  };
}

function labelFileOrder(a: string, b: string): number {
  const rank = (n: string) => (/^labels\./i.test(n) ? 0 : 1);
  return rank(a) - rank(b) || a.localeCompare(b);
}

function fileRegExp(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      expected('a regular expression', 'match', source),
      { cause },
    );
  }
}

function matches(
  item: { file: string; labels: Record<string, string> },
  match: RegExp | undefined,
  where: DatasetOptions['where'],
): boolean {
  if (match && !match.test(item.file)) return false;
  for (const [k, want] of Object.entries(where ?? {})) {
    const have = item.labels[k] ?? '';
    if (Array.isArray(want) ? !want.includes(have) : have !== want) return false;
  }
  return true;
}

function parseJsonl(text: string, name: string): Record<string, unknown>[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .map((line, i) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        value = undefined;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new FilterlabError(
          'FL_ERR_DATASET',
          `Expected one JSON object per line in ${name} but line ${i + 1} is not a JSON object`,
        );
      return value as Record<string, unknown>;
    });
}
