import { readdir } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { FilterlabError } from '../errors.js';
import { packageRoot } from '../package-root.js';
import { didYouMean } from '../util/did-you-mean.js';
import { parseWith } from '../util/parse-with.js';
import { readText } from '../util/read-file.js';
import { FilterSpecSchema, type FilterSpec } from './spec.js';

export interface LoadedSpec {
  spec: FilterSpec;
  /** Folder that relative paths in the spec resolve against. */
  baseDir: string;
  /** Where it came from: a file path, or "builtin:<id>". */
  source: string;
}

export function builtinFiltersDir(): string {
  return path.join(packageRoot(), 'filters');
}

/** Parse and validate spec text (YAML or JSON — JSON is YAML). */
export function parseSpec(text: string, source = 'spec'): FilterSpec {
  let data: unknown;
  try {
    data = YAML.parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_SPEC_PARSE',
      `Expected YAML or JSON in ${source}: ${(cause as Error).message}`,
      {
        cause,
        details: { file: source },
      },
    );
  }
  return validateSpec(data, source);
}

export function validateSpec(data: unknown, source = 'spec'): FilterSpec {
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new FilterlabError(
      'FL_ERR_SPEC_INVALID',
      `Expected a mapping with id, version and steps in ${source}`,
      {
        details: { file: source },
      },
    );
  }
  return parseWith(FilterSpecSchema, data, 'FL_ERR_SPEC_INVALID', `Invalid filter spec ${source}`, {
    details: { file: source },
  });
}

export async function loadSpecFile(file: string): Promise<LoadedSpec> {
  const abs = path.resolve(file);
  const text = await readText(abs, 'a filter spec file');
  return { spec: parseSpec(text, abs), baseDir: path.dirname(abs), source: abs };
}

/** The built-in filters shipped in the package's filters/ folder. */
export async function listBuiltinSpecs(): Promise<LoadedSpec[]> {
  const dir = builtinFiltersDir();
  const files = (await readdir(dir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  return Promise.all(
    files.map(async (f) => ({
      ...(await loadSpecFile(path.join(dir, f))),
      source: `builtin:${path.parse(f).name}`,
    })),
  );
}

/**
 * Resolve what a user typed after --filter: a path to a spec file (anything with a slash or a
 * .yaml/.yml/.json suffix) or the id of a built-in filter.
 */
export async function loadFilter(ref: string): Promise<LoadedSpec> {
  if (/[\\/]/.test(ref) || /\.(ya?ml|json)$/.test(ref)) return loadSpecFile(ref);
  const builtins = await listBuiltinSpecs();
  const found = builtins.find((b) => b.spec.id === ref);
  if (found) return found;
  const ids = builtins.map((b) => b.spec.id);
  throw new FilterlabError(
    'FL_ERR_UNKNOWN_FILTER',
    `Expected a built-in filter (${ids.join(', ')}) or a spec file path but received ${JSON.stringify(ref)}` +
      didYouMean(ref, ids),
    { details: { filter: ref } },
  );
}
