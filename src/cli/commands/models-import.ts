import type { Command } from 'commander';
import { IMPORTERS, importerFor } from '../../core/models/import/registry.js';
import { defaultModelsDir } from '../../core/models/store.js';
import type { Io } from '../io.js';

/** `filterlab models import <family> <checkpoint-dir>`: registered under `models` by registerModels. */
export function registerModelsImport(models: Command, io: Io): void {
  models
    .command('import')
    .description(
      `Convert a published checkpoint into an installed ONNX model (families: ${Object.keys(IMPORTERS).join(', ')})`,
    )
    .argument('<family>', 'checkpoint family, e.g. style-transfer')
    .argument('<checkpoint-dir>', 'folder holding the checkpoint')
    .requiredOption('--id <id>', 'model id to install as')
    .option(
      '--fp16',
      'store the weights as float16 (half the size; arithmetic stays float32)',
      false,
    )
    .action(async (family: string, dir: string, flags: { id: string; fp16: boolean }) => {
      const model = await importerFor(family).import(dir, {
        id: flags.id,
        fp16: flags.fp16,
        modelsDir: io.modelsDir ?? defaultModelsDir(),
      });
      const bytes = model.manifest.files.reduce((a, f) => a + f.bytes, 0);
      io.out(
        `imported ${model.manifest.id} (${family}, ${(bytes / 1e6).toFixed(1)} MB, ${model.manifest.license}) into ${model.dir}`,
      );
    });
}
