import { access, constants, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { FilterlabError } from '../../core/errors.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../../core/image/formats.js';
import { loadFilter } from '../../core/filters/load.js';
import { parseParamPairs, resolveParams } from '../../core/filters/params.js';
import { openBatch, threadsPerWorker, type BatchOutcome, type BatchTask } from '../apply-pool.js';
import { EXIT } from '../exit-codes.js';
import { formatSeconds, ProgressBar } from '../progress.js';
import { collect, intOption, type Io } from '../io.js';

interface ApplyFlags {
  filter: string;
  out: string;
  param: string[];
  seed?: number;
  format?: string;
  quality?: number;
  workers: number;
  threads?: number;
  sidecar: boolean;
  maxPixels?: number;
  json: boolean;
  progress: boolean;
}

export function registerApply(program: Command, io: Io): void {
  program
    .command('apply')
    .description(
      'Apply a filter to photos and write the results (plus a .json sidecar each) to --out',
    )
    .argument('<files...>', 'input photos')
    .requiredOption(
      '-f, --filter <id-or-file>',
      'built-in filter id or a spec file (.yaml/.json); one per run',
      oneFilter,
    )
    .option('-o, --out <dir>', 'output folder', 'out')
    .option('-p, --param <name=value>', 'set a filter parameter (repeatable)', collect, [])
    .option('--seed <n>', 'seed for random steps (default 0)', intOption)
    .option(
      '--format <format>',
      `output format: ${OUTPUT_FORMATS.join(', ')} (default: the filter's)`,
    )
    .option('--quality <n>', 'encoder quality 1-100', intOption)
    .option('-w, --workers <n>', 'parallel workers', intOption, 1)
    .option(
      '--threads <n>',
      'ONNX Runtime threads per worker (default: cores / workers)',
      intOption,
    )
    .option('--max-pixels <n>', 'refuse images larger than this many pixels', intOption)
    .option('--no-sidecar', 'do not write the .json sidecar')
    .option('--json', 'print one JSON summary instead of text', false)
    .option('--no-progress', 'no progress bar')
    .action(async (files: string[], flags: ApplyFlags) => {
      io.exitCode = await apply(files, flags, io);
    });
}

async function apply(files: string[], flags: ApplyFlags, io: Io): Promise<number> {
  const format = flags.format as OutputFormat | undefined;
  if (format && !OUTPUT_FORMATS.includes(format)) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected --format to be one of ${OUTPUT_FORMATS.join(', ')} but received ${flags.format}`,
    );
  }
  const params = parseParamPairs(flags.param);
  // A bad filter or parameter fails once, up front, rather than once per photo.
  const { spec } = await loadFilter(flags.filter);
  resolveParams(spec.params, params, spec.id);
  await ensureWritable(flags.out);
  const workers = Math.max(1, Math.min(flags.workers, files.length));
  const batch = await openBatch(
    {
      filter: flags.filter,
      threads: flags.threads ?? threadsPerWorker(workers),
      ...(io.modelsDir ? { modelsDir: io.modelsDir } : {}),
    },
    workers,
  );
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const bar = new ProgressBar(files.length, 'apply', process.stderr, flags.progress && !flags.json);
  const started = performance.now();
  const outcomes: BatchOutcome[] = [];
  const names = outputNames(files);
  let next = 0;
  const lane = async () => {
    while (next < files.length && !controller.signal.aborted) {
      const i = next++;
      const task: BatchTask = {
        file: files[i]!,
        outDir: flags.out,
        outputName: names[i]!,
        options: {
          params,
          ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
          ...(format ? { format } : {}),
          ...(flags.quality ? { quality: flags.quality } : {}),
          ...(flags.maxPixels ? { limits: { maxPixels: flags.maxPixels } } : {}),
          sidecar: flags.sidecar,
        },
      };
      const outcome = await batch.run(task);
      outcomes[i] = outcome;
      bar.tick(outcome.ok);
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, lane));
  } finally {
    bar.finish();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await batch.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const done = outcomes.filter(Boolean);
  const failed = done.filter((o): o is Extract<BatchOutcome, { ok: false }> => !o.ok);
  const ok = done.length - failed.length;
  if (flags.json) {
    io.out(
      JSON.stringify(
        {
          filter: flags.filter,
          versionId: batch.versionId,
          out: flags.out,
          ok,
          failed: failed.length,
          skipped: files.length - done.length,
          seconds,
          results: done,
        },
        null,
        2,
      ),
    );
  } else {
    for (const f of failed) io.err(`${f.file}: ${f.code}: ${f.message}`);
    const skipped = files.length - done.length;
    io.out(
      `${flags.filter} (${batch.versionId}): ${ok} of ${files.length} photos written to ${flags.out}/ in ${formatSeconds(seconds)}` +
        ` (${(done.length / Math.max(seconds, 1e-3)).toFixed(1)}/s, ${workers} worker${workers > 1 ? 's' : ''})` +
        (failed.length ? `, ${failed.length} failed` : '') +
        (skipped ? `, ${skipped} not started (interrupted)` : ''),
    );
  }
  if (controller.signal.aborted) return EXIT.INTERRUPTED;
  return failed.length ? EXIT.FAILED : EXIT.OK;
}

/** A second --filter is refused rather than silently replacing the first. */
function oneFilter(value: string, previous: string | undefined): string {
  if (previous !== undefined) {
    throw new InvalidArgumentError(
      `apply runs one filter, but --filter was given twice (${previous}, then ${value}). Run apply once per filter, or write a spec whose steps chain both looks.`,
    );
  }
  return value;
}

/** Output base names: the input's name, made unique when two inputs share one. */
export function outputNames(files: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const base = path.parse(f).name;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}-${n + 1}`;
  });
}

async function ensureWritable(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_IO',
      `Expected a writable output folder at ${path.resolve(dir)} but it cannot be written: ${(cause as NodeJS.ErrnoException).code ?? cause}`,
      { cause, details: { file: dir } },
    );
  }
}
