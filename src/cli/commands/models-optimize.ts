import type { Command } from 'commander';
import { compareModels, type ModelComparison } from '../../bench/optimize/compare-models.js';
import { optimizeModel, type Precision } from '../../bench/optimize/optimize-model.js';
import { atLongSide, defaultBenchPhoto, loadPhoto } from '../../bench/photos.js';
import { ms, textTable } from '../../bench/text-table.js';
import { createContext, disposeContext } from '../../core/context.js';
import { FilterlabError } from '../../core/errors.js';
import { defaultModelsDir } from '../../core/models/store.js';
import { intOption, type Io } from '../io.js';

interface OptimizeFlags {
  fp16: boolean;
  int8: boolean;
  weightsOnly: boolean;
  integer: boolean;
  perTensor: boolean;
  out: string;
  id?: string;
  compare: boolean;
  photo?: string;
  size: number;
  runs: number;
  json: boolean;
}

/** `filterlab models optimize`: registered under `models` by registerModels. */
export function registerModelsOptimize(models: Command, io: Io): void {
  models
    .command('optimize')
    .description(
      'Write a float16 or int8 copy of an ONNX model (new folder + model.json) and report size, speed and output difference',
    )
    .argument('<model>', 'installed model id or a model folder')
    .option('--fp16', 'float16 weights and arithmetic (graph inputs/outputs stay float32)', false)
    .option(
      '--weights-only',
      'with --fp16: float16 storage, float32 arithmetic (fast on CPU)',
      false,
    )
    .option('--int8', 'int8 weights of Conv/MatMul/Gemm with DequantizeLinear', false)
    .option(
      '--integer',
      'with --int8: ConvInteger/MatMulInteger on dynamically quantized inputs',
      false,
    )
    .option(
      '--per-tensor',
      'with --int8: one scale per weight instead of per output channel',
      false,
    )
    .requiredOption('--out <dir>', 'folder to write the model to')
    .option('--id <id>', 'id of the new model (default <id>-<precision>)')
    .option('--no-compare', 'skip the size / speed / difference report')
    .option('--photo <file>', 'photo to compare outputs on (default: faces-dev/B001231.jpg)')
    .option('--size <px>', 'long side of the comparison photo', intOption, 512)
    .option('--runs <n>', 'timed runs per model', intOption, 10)
    .option('--json', 'JSON output', false)
    .action(async (ref: string, flags: OptimizeFlags) => {
      const precision = precisionOf(flags);
      const ctx = createContext({ modelsDir: io.modelsDir ?? defaultModelsDir() });
      try {
        const original = await ctx.models.resolve(ref);
        const written = await optimizeModel(original, {
          precision,
          outDir: flags.out,
          perChannel: !flags.perTensor,
          ...(flags.id ? { id: flags.id } : {}),
        });
        const comparison = flags.compare
          ? await compareModels(
              ctx,
              original,
              [{ label: precision, model: await ctx.models.resolve(written.dir) }],
              atLongSide(await loadPhoto(flags.photo ?? defaultBenchPhoto()), flags.size),
              { runs: flags.runs },
            )
          : undefined;
        if (flags.json) {
          io.out(
            JSON.stringify(
              { precision, dir: written.dir, manifest: written.manifest, comparison },
              null,
              2,
            ),
          );
          return;
        }
        io.out(`wrote ${written.manifest.id} (${precision}) to ${written.dir}`);
        if (comparison) for (const line of comparisonTable(comparison)) io.out(line);
      } finally {
        await disposeContext(ctx);
      }
    });
}

function precisionOf(f: OptimizeFlags): Exclude<Precision, 'fp32'> {
  if (f.fp16 === f.int8) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected exactly one of --fp16 or --int8 but received ${f.fp16 ? 'both' : 'neither'}`,
    );
  }
  if ((f.weightsOnly && !f.fp16) || ((f.integer || f.perTensor) && !f.int8)) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      'Expected --weights-only only with --fp16, and --integer / --per-tensor only with --int8',
    );
  }
  if (f.fp16) return f.weightsOnly ? 'fp16-weights' : 'fp16';
  return f.integer ? 'int8-integer' : 'int8';
}

function comparisonTable(c: ModelComparison): string[] {
  const kb = (b: number) => String(b);
  return textTable(
    [
      'model',
      'file bytes',
      'weight bytes',
      'p50 ms',
      'size ratio',
      'speed ratio',
      'max |diff|',
      'SSIM',
    ],
    [
      [
        c.original.label,
        kb(c.original.fileBytes),
        kb(c.original.weightBytes),
        ms(c.original.latency.p50),
        '1.00',
        '1.00',
        '0',
        '1.0000',
      ],
      ...c.variants.map((v) => [
        v.label,
        kb(v.fileBytes),
        kb(v.weightBytes),
        ms(v.latency.p50),
        v.weightRatio.toFixed(2),
        v.latencyRatio.toFixed(2),
        v.maxAbsDiff.toExponential(2),
        v.ssim.toFixed(4),
      ]),
    ],
  ).concat(
    `on a ${c.photo.width}x${c.photo.height} photo; ratios are optimized / float32 (weights bytes, p50)`,
  );
}
