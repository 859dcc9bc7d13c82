/**
 * A regression gallery: one PNG with a row per photo and a column per filter (input first),
 * every cell the same size, so a change in a filter's look shows in a diff of the file. The
 * columns and rows are listed in a Markdown file beside it (the PNG has no text).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createContext, disposeContext, type Context } from '../../core/context.js';
import { toFilterlabError } from '../../core/errors.js';
import { compile } from '../../core/filters/compile.js';
import { loadFilter } from '../../core/filters/load.js';
import { readImage } from '../../core/image/decode.js';
import { encodeImage } from '../../core/image/encode.js';
import { createImage, type Image } from '../../core/image/image.js';
import { fitSize, resizeImage } from '../../core/image/resize.js';
import { loadDataset } from '../dataset/dataset.js';
import { expandVariants, type LoadedExperiment } from '../experiment.js';
import { resolveFilterRef } from '../run/runner.js';

export interface ContactSheetOptions {
  /** Default: a new Context, disposed at the end. */
  ctx?: Context;
  /** Cell size in pixels; photos are fitted inside it on a light grey ground. */
  cellWidth?: number;
  cellHeight?: number;
  /** At most this many photos (the dataset's first, in its order). */
  maxPhotos?: number;
}

const GROUND = 0.94;
const GAP = 4;

/** Writes `file` (PNG, or JPEG/WebP by its extension) and a .md beside it: input | each variant. */
export async function writeContactSheet(
  loaded: LoadedExperiment,
  file: string,
  { ctx: given, cellWidth = 150, cellHeight = 184, maxPhotos = 12 }: ContactSheetOptions = {},
): Promise<{ png: string; index: string; photos: number; columns: string[] }> {
  const ctx = given ?? createContext();
  try {
    return await drawSheet(loaded, file, ctx, { cellWidth, cellHeight, maxPhotos });
  } finally {
    if (!given) await disposeContext(ctx);
  }
}

async function drawSheet(
  loaded: LoadedExperiment,
  file: string,
  ctx: Context,
  { cellWidth, cellHeight, maxPhotos }: Required<Omit<ContactSheetOptions, 'ctx'>>,
): Promise<{ png: string; index: string; photos: number; columns: string[] }> {
  const { experiment: exp, baseDir } = loaded;
  const dataset = await loadDataset(path.resolve(baseDir, exp.dataset.path), {
    ...(exp.dataset.where ? { where: exp.dataset.where } : {}),
    ...(exp.dataset.match ? { match: exp.dataset.match } : {}),
    limit: Math.min(exp.dataset.limit ?? maxPhotos, maxPhotos),
  });
  const variants = expandVariants(exp);
  const runners = await Promise.all(
    variants.map(async (v) => {
      const { spec, baseDir: specDir } = await loadFilter(resolveFilterRef(v.filter, baseDir));
      return compile(spec, ctx, { baseDir: specDir });
    }),
  );
  const columns = ['input', ...variants.map((v) => v.id)];
  const sheet = createImage(
    columns.length * (cellWidth + GAP) - GAP,
    dataset.items.length * (cellHeight + GAP) - GAP,
  );
  sheet.data.fill(1);
  const notes: string[] = [];
  for (const [row, item] of dataset.items.entries()) {
    const input = (await readImage(item.path)).image;
    const cells: (Image | undefined)[] = [input];
    for (const [k, runner] of runners.entries()) {
      try {
        cells.push(
          (await runner.run(input, { params: variants[k]!.params, seed: exp.seeds[0] })).image,
        );
      } catch (cause) {
        // A photo a filter refuses (no face for a face-only filter) stays an empty cell.
        cells.push(undefined);
        notes.push(`${item.file} × ${variants[k]!.id}: ${toFilterlabError(cause).code}`);
      }
    }
    cells.forEach((cell, col) =>
      paste(sheet, cell, col * (cellWidth + GAP), row * (cellHeight + GAP), cellWidth, cellHeight),
    );
  }
  await Promise.all(runners.map((r) => r.dispose()));
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const format = /\.jpe?g$/i.test(file) ? 'jpeg' : /\.webp$/i.test(file) ? 'webp' : 'png';
  await writeFile(file, await encodeImage(sheet, { format, quality: 88 }));
  const index = file.replace(/\.(png|jpe?g|webp)$/i, '') + '.md';
  await writeFile(
    index,
    [
      `# ${exp.name}: contact sheet`,
      '',
      `![contact sheet](${path.basename(file)})`,
      '',
      `Columns, left to right: ${columns.map((c) => `\`${c}\``).join(' | ')}.`,
      '',
      `Rows, top to bottom: ${dataset.items.map((i) => `\`${i.file}\``).join(', ')}.`,
      ...(notes.length ? ['', 'Empty cells:', ...notes.map((n) => `- ${n}`)] : []),
      '',
    ].join('\n'),
  );
  return { png: file, index, photos: dataset.items.length, columns };
}

/** Fit `cell` into the w x h box at (x, y) on a grey ground (an empty box without a cell). */
function paste(sheet: Image, cell: Image | undefined, x: number, y: number, w: number, h: number) {
  for (let j = 0; j < h; j++)
    sheet.data.fill(GROUND, ((y + j) * sheet.width + x) * 3, ((y + j) * sheet.width + x + w) * 3);
  if (!cell) return;
  const size = fitSize(cell.width, cell.height, w, h, true);
  const small = resizeImage(cell, size.width, size.height);
  const ox = x + Math.floor((w - size.width) / 2);
  const oy = y + Math.floor((h - size.height) / 2);
  for (let j = 0; j < size.height; j++) {
    const src = small.data.subarray(j * size.width * 3, (j + 1) * size.width * 3);
    sheet.data.set(src, ((oy + j) * sheet.width + ox) * 3);
  }
}
