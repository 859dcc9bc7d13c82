import type { Command } from 'commander';
import { createContext, disposeContext } from '../../core/context.js';
import { sharedFaceModels } from '../../core/faces/shared.js';
import { AUTOTAG_COLUMNS, computeAutoTags } from '../../lab/dataset/autotags.js';
import { loadDataset } from '../../lab/dataset/dataset.js';
import type { Io } from '../io.js';
import { ProgressBar } from '../progress.js';

/** `filterlab dataset info <dir> [--tags]`. */
export function registerDataset(program: Command, io: Io): void {
  const dataset = program
    .command('dataset')
    .description('Datasets: a folder of photos plus optional labels');
  dataset
    .command('info')
    .description('Photos and label counts per slice of a dataset folder; --tags adds auto-tags')
    .argument('<dir>', 'folder of photos, with optional labels.csv / labels.jsonl')
    .option(
      '--tags',
      'compute auto-tags (faces, light, orientation, estimated age band and gender)',
      false,
    )
    .option('--cache <dir>', 'where auto-tags are cached', 'runs/.cache')
    .option('--json', 'JSON output', false)
    .option('--no-progress', 'no progress bar')
    .action(
      async (
        dir: string,
        flags: { tags: boolean; cache: string; json: boolean; progress: boolean },
      ) => {
        const ds = await loadDataset(dir);
        const ctx = createContext();
        try {
          if (flags.tags) {
            const bar = new ProgressBar(
              ds.items.length,
              'auto-tags',
              process.stderr,
              flags.progress && !flags.json,
            );
            const faces = await sharedFaceModels(ctx);
            const tags = await computeAutoTags(ds.items, faces, flags.cache, (done) =>
              bar.update(done),
            );
            bar.finish();
            for (const item of ds.items) Object.assign(item.labels, tags.get(item.file));
          }
        } finally {
          await disposeContext(ctx);
        }
        const columns = [...ds.columns, ...(flags.tags ? AUTOTAG_COLUMNS : [])].filter(
          (c) => !['source', 'license', 'note', 'photo_date'].includes(c),
        );
        const counts: Record<string, Record<string, number>> = {};
        for (const c of columns) {
          counts[c] = {};
          for (const item of ds.items) {
            const v = item.labels[c] || '(none)';
            counts[c][v] = (counts[c][v] ?? 0) + 1;
          }
        }
        if (flags.json) {
          io.out(
            JSON.stringify(
              {
                root: ds.root,
                photos: ds.items.length,
                manifestHash: ds.manifestHash,
                missing: ds.missing,
                columns,
                counts,
              },
              null,
              2,
            ),
          );
          return;
        }
        io.out(
          `${ds.root}: ${ds.items.length} photos, manifest ${ds.manifestHash.slice(0, 16)}${ds.missing.length ? `, ${ds.missing.length} labelled files missing` : ''}`,
        );
        for (const c of columns) {
          const entries = Object.entries(counts[c]!).sort((x, y) => y[1] - x[1]);
          if (entries.length > 12) io.out(`  ${c}: ${entries.length} distinct values`);
          else io.out(`  ${c}: ${entries.map(([k, n]) => `${k} ${n}`).join(', ')}`);
        }
      },
    );
}
