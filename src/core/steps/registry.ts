import { FilterlabError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';
import type { StepDefinition } from './step.js';

/**
 * A frozen map of step type -> definition. The default registry holds the built-in steps;
 * applications can build their own with more (`createStepRegistry([...BUILTIN_STEPS, mine])`).
 */
export class StepRegistry {
  private readonly byType: ReadonlyMap<string, StepDefinition<unknown>>;

  constructor(definitions: readonly StepDefinition<any>[]) {
    const map = new Map<string, StepDefinition<unknown>>();
    for (const def of definitions) {
      if (map.has(def.type)) throw new Error(`Step type ${def.type} is registered twice`);
      map.set(def.type, def as StepDefinition<unknown>);
    }
    this.byType = map;
    Object.freeze(this);
  }

  get(type: string, where = 'type'): StepDefinition<unknown> {
    const def = this.byType.get(type);
    if (!def) {
      throw new FilterlabError(
        'FL_ERR_UNKNOWN_STEP',
        `${where}: Expected one of ${this.types().join(', ')} but received ${JSON.stringify(type)}` +
          didYouMean(type, this.types()),
        { details: { path: where, type } },
      );
    }
    return def;
  }

  has(type: string): boolean {
    return this.byType.has(type);
  }

  types(): string[] {
    return [...this.byType.keys()].sort();
  }

  all(): StepDefinition<unknown>[] {
    return this.types().map((t) => this.byType.get(t)!);
  }
}
