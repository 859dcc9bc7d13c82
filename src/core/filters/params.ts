import { FilterlabError, describe } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';
import type { ParamSpec } from './spec.js';

export type ParamValue = number | boolean | string;
export type ParamValues = Record<string, ParamValue>;

/** Parameter defaults of a filter. */
export function defaultParams(specs: Record<string, ParamSpec>): ParamValues {
  return Object.fromEntries(Object.entries(specs).map(([k, p]) => [k, p.default]));
}

/**
 * Validate user overrides against the parameter specs and merge them over the defaults.
 * Strings are coerced (they come from the CLI and HTML forms): "0.6" -> 0.6, "true" -> true.
 */
export function resolveParams(
  specs: Record<string, ParamSpec>,
  overrides: Record<string, unknown> = {},
  filterId = 'filter',
): ParamValues {
  const values = defaultParams(specs);
  for (const [name, raw] of Object.entries(overrides)) {
    const spec = specs[name];
    if (!spec) {
      const names = Object.keys(specs);
      throw paramError(
        name,
        `Unknown parameter "${name}" for ${filterId}: expected one of ${names.length ? names.join(', ') : '(none: this filter has no parameters)'}` +
          didYouMean(name, names),
      );
    }
    values[name] = coerce(name, spec, raw);
  }
  return values;
}

function coerce(name: string, spec: ParamSpec, raw: unknown): ParamValue {
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      const integer = spec.type === 'integer';
      if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
        throw paramError(
          name,
          `Expected ${integer ? 'an integer' : 'a number'} for ${name} but received ${describe(raw)}`,
        );
      }
      if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
        throw paramError(
          name,
          `Expected ${name} in [${spec.min ?? '-inf'}, ${spec.max ?? 'inf'}] but received ${v}`,
        );
      }
      return v;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw paramError(name, `Expected true or false for ${name} but received ${describe(raw)}`);
    }
    case 'enum': {
      if (typeof raw === 'string' && spec.values.includes(raw)) return raw;
      throw paramError(
        name,
        `Expected one of ${spec.values.join(', ')} for ${name} but received ${describe(raw)}`,
      );
    }
    case 'color': {
      if (typeof raw === 'string' && /^#[0-9a-fA-F]{6}$/.test(raw)) return raw.toLowerCase();
      throw paramError(name, `Expected a #rrggbb colour for ${name} but received ${describe(raw)}`);
    }
    case 'string': {
      if (typeof raw !== 'string')
        throw paramError(name, `Expected text for ${name} but received ${describe(raw)}`);
      if (spec.maxLength !== undefined && raw.length > spec.maxLength) {
        throw paramError(
          name,
          `Expected at most ${spec.maxLength} characters for ${name} but received ${raw.length}`,
        );
      }
      return raw;
    }
  }
}

function paramError(name: string, message: string): FilterlabError {
  return new FilterlabError('FL_ERR_PARAM_INVALID', message, { details: { param: name } });
}

/** Parse CLI `--param name=value` pairs. */
export function parseParamPairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new FilterlabError(
        'FL_ERR_PARAM_INVALID',
        `Expected --param name=value but received ${JSON.stringify(pair)}`,
      );
    }
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return out;
}

/** A value that refers to a parameter: "$strength". "$$x" escapes a literal "$x". */
export function paramRef(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('$') || value.startsWith('$$'))
    return undefined;
  return value.slice(1);
}

/** Deep-replace "$name" strings in step options with parameter values. */
export function substituteParams(value: unknown, params: ParamValues): unknown {
  const ref = paramRef(value);
  if (ref !== undefined) return params[ref];
  if (typeof value === 'string' && value.startsWith('$$')) return value.slice(1);
  if (Array.isArray(value)) return value.map((v) => substituteParams(v, params));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substituteParams(v, params)]),
    );
  }
  return value;
}

/** Every "$name" reference in a value, with its path. */
export function findParamRefs(
  value: unknown,
  path: (string | number)[] = [],
): { name: string; path: (string | number)[] }[] {
  const ref = paramRef(value);
  if (ref !== undefined) return [{ name: ref, path }];
  if (Array.isArray(value)) return value.flatMap((v, i) => findParamRefs(v, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => findParamRefs(v, [...path, k]));
  }
  return [];
}
