import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { FilterlabError } from '../core/errors.js';
import { listBuiltinSpecs, loadSpecFile, type LoadedSpec } from '../core/filters/load.js';
import { didYouMean } from '../core/util/did-you-mean.js';

/**
 * The filters a server offers: the built-ins plus the specs in configured folders. Users pick
 * by id only, so no request can make the server read a file path it was not configured with.
 */
export class FilterCatalog {
  private constructor(private readonly byId: ReadonlyMap<string, LoadedSpec>) {}

  static async load(dirs: readonly string[] = []): Promise<FilterCatalog> {
    const specs = await listBuiltinSpecs();
    for (const dir of dirs) {
      const files = (await readdir(dir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
      for (const f of files) specs.push(await loadSpecFile(path.join(dir, f)));
    }
    return new FilterCatalog(new Map(specs.map((s) => [s.spec.id, s])));
  }

  get(id: string): LoadedSpec {
    const found = this.byId.get(id);
    if (!found) {
      throw new FilterlabError(
        'FL_ERR_UNKNOWN_FILTER',
        `Expected one of ${this.ids().join(', ')} but received ${JSON.stringify(id)}${didYouMean(id, this.ids())}`,
        { details: { filter: id } },
      );
    }
    return found;
  }

  ids(): string[] {
    return [...this.byId.keys()].sort();
  }

  all(): LoadedSpec[] {
    return this.ids().map((id) => this.byId.get(id)!);
  }
}
