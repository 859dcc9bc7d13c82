import type { Command } from 'commander';
import { listBuiltinSpecs, loadFilter } from '../../core/filters/load.js';
import { filterSpecJsonSchema } from '../../core/filters/spec.js';
import { defaultSteps } from '../../core/filters/builtin-steps.js';
import type { Io } from '../io.js';

export function registerFilters(program: Command, io: Io): void {
  const filters = program.command('filters').description('Built-in filters and filter specs');

  filters
    .command('list')
    .description('List the built-in filters')
    .option('--json', 'JSON output', false)
    .action(async (flags: { json: boolean }) => {
      const specs = await listBuiltinSpecs();
      if (flags.json) {
        io.out(
          JSON.stringify(
            specs.map(({ spec }) => ({
              id: spec.id,
              version: spec.version,
              name: spec.name,
              description: spec.description,
              tags: spec.tags,
              params: spec.params,
            })),
            null,
            2,
          ),
        );
        return;
      }
      const width = Math.max(...specs.map((s) => s.spec.id.length));
      for (const { spec } of specs) {
        const params = Object.keys(spec.params);
        io.out(
          `${spec.id.padEnd(width)}  ${spec.description ?? spec.name ?? ''}${params.length ? `  [${params.join(', ')}]` : ''}`,
        );
      }
    });

  filters
    .command('show')
    .description(
      'Print a filter spec (built-in id or file) after validation, with defaults filled in',
    )
    .argument('<filter>')
    .action(async (ref: string) => {
      const { spec } = await loadFilter(ref);
      io.out(JSON.stringify(spec, null, 2));
    });

  filters
    .command('schema')
    .description('Print the JSON Schema of filter specs (for editors)')
    .action(() => io.out(JSON.stringify(filterSpecJsonSchema(), null, 2)));

  program
    .command('steps')
    .description('List the step types a filter spec can use')
    .action(() => {
      const all = defaultSteps().all();
      const width = Math.max(...all.map((s) => s.type.length));
      for (const s of all) io.out(`${s.type.padEnd(width)}  ${s.summary}`);
    });
}
