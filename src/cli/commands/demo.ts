import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { createContext, disposeContext } from '../../core/context.js';
import { applyToFile } from '../../core/filters/apply.js';
import { compile } from '../../core/filters/compile.js';
import { listBuiltinSpecs } from '../../core/filters/load.js';
import { samplePortraitsDir } from '../../core/samples.js';
import type { Io } from '../io.js';

export function registerDemo(program: Command, io: Io): void {
  program
    .command('demo')
    .description('Apply every built-in filter to sample photos and write them to a folder')
    .option(
      '--photos <dir>',
      'folder of photos (the shipped sample portraits unless given)',
      samplePortraitsDir(),
    )
    .option('-o, --out <dir>', 'output folder', 'out/demo')
    .option('-n, --count <n>', 'photos per filter', (v) => Number(v), 4)
    .action(async (flags: { photos: string; out: string; count: number }) => {
      const photos = (await readdir(flags.photos))
        .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
        .sort()
        .slice(0, flags.count);
      const ctx = createContext();
      try {
        for (const { spec, baseDir } of await listBuiltinSpecs()) {
          const runner = await compile(spec, ctx, { baseDir }).catch((e: Error) => {
            io.err(`skipping ${spec.id}: ${e.message}`);
            return undefined;
          });
          if (!runner) continue;
          const outDir = path.join(flags.out, spec.id);
          let ok = 0;
          for (const photo of photos) {
            await applyToFile(runner, path.join(flags.photos, photo), outDir).then(
              () => ok++,
              (e: Error) => io.err(`${spec.id} ${photo}: ${e.message}`),
            );
          }
          io.out(`${spec.id}: ${ok}/${photos.length} photos -> ${outDir}/`);
          await runner.dispose();
        }
      } finally {
        await disposeContext(ctx);
      }
      io.out(`demo written to ${path.resolve(flags.out)}`);
    });
}
