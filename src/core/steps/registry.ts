import { FilterlabError } from '../errors.js';
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
      const hint = closest(type, this.types());
      throw new FilterlabError(
        'FL_ERR_UNKNOWN_STEP',
        `${where}: Expected one of ${this.types().join(', ')} but received ${JSON.stringify(type)}` +
          (hint ? ` (did you mean "${hint}"?)` : ''),
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

/** The known name nearest to a misspelt one (edit distance <= 3). */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
