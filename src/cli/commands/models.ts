import type { Command } from 'commander';
import { ModelStore } from '../../core/models/store.js';
import { isHfRef, pullHfSnapshot, type HfPullOptions } from '../../core/models/hf-pull.js';
import { pullModel } from '../../core/models/pull.js';
import { ImageIoSchema } from '../../core/models/manifest.js';
import { FilterlabError } from '../../core/errors.js';
import { defaultModelsDir } from '../../core/models/store.js';
import { parseWith } from '../../core/util/parse-with.js';
import { EXIT } from '../exit-codes.js';
import { registerModelsImport } from './models-import.js';
import { registerModelsOptimize } from './models-optimize.js';
import type { Io } from '../io.js';

interface AddFlags {
  id?: string;
  license?: string;
  io?: string;
  move?: boolean;
  link?: boolean;
}

export function registerModels(program: Command, io: Io): void {
  const store = () => new ModelStore(io.modelsDir ?? defaultModelsDir());
  const models = program
    .command('models')
    .description('Installed models (folder: $FILTERLAB_MODELS or ~/.local/share/filterlab/models)');

  models
    .command('list')
    .description('List the models installed in the models folder: id, format, version, licence')
    .option('--json', 'JSON output', false)
    .action(async (flags: { json: boolean }) => {
      const list = await store().list();
      if (flags.json) {
        io.out(
          JSON.stringify(
            list.map((m) => ({ ...m.manifest, dir: m.dir, hash: m.hash })),
            null,
            2,
          ),
        );
        return;
      }
      if (!list.length) io.out(`no models in ${store().root}`);
      for (const m of list) {
        const bytes = m.manifest.files.reduce((a, f) => a + f.bytes, 0);
        io.out(
          `${m.manifest.id}@${m.manifest.version}  ${m.manifest.format}  ${(bytes / 1e6).toFixed(1)} MB  ${m.manifest.license}  ${m.hash.slice(0, 12)}`,
        );
      }
    });

  models
    .command('add')
    .description(
      'Install a model: an .onnx file, a folder with model.json, or a diffusers ONNX folder',
    )
    .argument('<file-or-dir>')
    .option('--id <id>', 'model id (default: from the manifest or file name)')
    .option('--license <license>', 'licence to record in the manifest')
    .option(
      '--io <json>',
      'I/O contract as JSON, e.g. \'{"input":{"range":[-1,1]},"size":{"kind":"multiple","of":8}}\'',
    )
    .option('--move', 'move the files into the models folder instead of copying them')
    .option('--link', 'link to the files where they are instead of copying them')
    .action(async (source: string, flags: AddFlags) => {
      if (flags.move && flags.link) {
        throw new FilterlabError(
          'FL_ERR_INVALID_ARGUMENT',
          'Expected at most one of --move and --link but received both',
        );
      }
      const model = await store().add(source, {
        mode: flags.move ? 'move' : flags.link ? 'link' : 'copy',
        ...(flags.id ? { id: flags.id } : {}),
        ...(flags.license ? { license: flags.license } : {}),
        ...(flags.io ? { io: parseIo(flags.io) } : {}),
      });
      io.out(
        `added ${model.manifest.id}@${model.manifest.version} (${model.manifest.files.length} files) to ${model.dir}`,
      );
    });

  models
    .command('verify')
    .description('Re-hash installed model files and compare them with their manifests')
    .argument('[id]')
    .action(async (id: string | undefined) => {
      const results = await store().verify(id);
      for (const r of results)
        io.out(
          `${r.ok ? 'ok  ' : 'FAIL'} ${r.id}${r.problems.length ? `: ${r.problems.join('; ')}` : ''}`,
        );
      if (results.some((r) => !r.ok)) io.exitCode = EXIT.FAILED;
    });

  models
    .command('pull')
    .description(
      'Download a model (an .onnx URL, a model.json URL, or hf:owner/repo[@revision][/subfolder]): resumable, checksum-checked',
    )
    .argument('<url-or-hf-ref>')
    .option('--sha256 <hex>', 'expected sha256 of a single-file download')
    .option('--id <id>', 'model id')
    .option('--license <license>', 'licence to record')
    .action(async (url: string, flags: { sha256?: string } & AddFlags) => {
      let last = 0;
      const pull = isHfRef(url)
        ? (s: ModelStore, ref: string, o: HfPullOptions) =>
            pullHfSnapshot(s, ref, {
              ...o,
              ...(process.env.FILTERLAB_HF_ENDPOINT
                ? { endpoint: process.env.FILTERLAB_HF_ENDPOINT }
                : {}),
              ...(process.env.HF_TOKEN ? { token: process.env.HF_TOKEN } : {}),
            })
        : pullModel;
      const model = await pull(store(), url, {
        ...(flags.sha256 ? { sha256: flags.sha256 } : {}),
        ...(flags.id ? { id: flags.id } : {}),
        ...(flags.license ? { license: flags.license } : {}),
        onProgress: (p) => {
          const now = performance.now();
          if (now - last < 200 && p.received !== p.total) return;
          last = now;
          const pct = p.total ? ` ${((100 * p.received) / p.total).toFixed(0)}%` : '';
          process.stderr.write(`\r${p.file}: ${(p.received / 1e6).toFixed(1)} MB${pct}\x1b[K`);
        },
      });
      process.stderr.write('\n');
      io.out(`pulled ${model.manifest.id} into ${model.dir}`);
    });

  registerModelsOptimize(models, io);
  registerModelsImport(models, io);
}

function parseIo(text: string) {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected JSON for --io but received ${JSON.stringify(text)}`,
    );
  }
  return parseWith(ImageIoSchema, json, 'FL_ERR_INVALID_ARGUMENT', 'Invalid --io');
}
