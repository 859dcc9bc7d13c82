import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/support/paths.js';
import { defaultSteps } from '../filters/builtin-steps.js';
import { StepRegistry } from './registry.js';
import { toneStep } from './tone.js';

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(file)));
    else if (entry.name.endsWith('.ts') && file !== import.meta.filename) out.push(file);
  }
  return out;
}

/** Step type -> the name of the constant that defines it ("tone" -> "toneStep"). */
function definitionNames(sources: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const pattern = /export const (\w+)\s*=\s*defineStep\(\{\s*type:\s*'([^']+)'/g;
  for (const text of sources) for (const m of text.matchAll(pattern)) names.set(m[2]!, m[1]!);
  return names;
}

describe('the default step registry', () => {
  it('documents every step in one line', () => {
    for (const def of defaultSteps().all()) {
      expect(def.summary.trim(), def.type).not.toBe('');
      expect(def.summary, def.type).not.toContain('\n');
    }
  });

  it('has a test that runs each step by its type or uses its definition', async () => {
    const files = await sourceFiles(path.join(REPO_ROOT, 'src'));
    const read = async (f: string) => readFile(f, 'utf8');
    const tests = (await Promise.all(files.filter((f) => f.endsWith('.test.ts')).map(read))).join(
      '\n',
    );
    const names = definitionNames(
      await Promise.all(files.filter((f) => !f.endsWith('.test.ts')).map(read)),
    );
    const untested = defaultSteps()
      .types()
      .filter((type) => {
        const name = names.get(type);
        return (
          !tests.includes(`type: '${type}'`) && !(name && new RegExp(`\\b${name}\\b`).test(tests))
        );
      });
    expect(untested).toEqual([]);
  });

  it('fails on an unknown type with the valid names and a suggestion', () => {
    expect(() => defaultSteps().get('vignete', 'steps[3].type')).toThrow(
      /^steps\[3\]\.type: Expected one of blend, blur, .* but received "vignete" \(did you mean "vignette"\?\)$/,
    );
    expect(() => defaultSteps().get('zzzzzzzzz')).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_UNKNOWN_STEP',
        message: expect.not.stringContaining('did you mean'),
      }),
    );
  });

  it('is frozen and refuses a type registered twice', () => {
    expect(Object.isFrozen(defaultSteps())).toBe(true);
    expect(() => new StepRegistry([toneStep, toneStep])).toThrow(/registered twice/);
  });
});
