/**
 * The contact sheet of the built-in AI styles (docs/ai-styles.png): the first row is the photos,
 * then one row per style (filters tagged `ai`, in id order) at its shipped defaults, on faces-dev
 * portraits of women and men, young and old, darker and lighter skin, bald and long-haired.
 *
 *   npx tsx scripts/make-style-sheet.ts [--photos <dir>] [--out docs/ai-styles.png]
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createContext, disposeContext } from '../src/core/context.js';
import { compile } from '../src/core/filters/compile.js';
import { listBuiltinSpecs } from '../src/core/filters/load.js';
import { readImage } from '../src/core/image/decode.js';
import { encodeImage } from '../src/core/image/encode.js';
import { createImage, type Image } from '../src/core/image/image.js';
import { resizeImage } from '../src/core/image/resize.js';
import { packageRoot } from '../src/core/package-root.js';

/** faces-dev files: F 60+ lighter, M 60+ lighter (bald), M 20-39 darker, F 40-59 darker (long hair), F 20-39 medium, M 40-59 darker. */
const PHOTOS = ['B001231', 'C001068', 'H001066', 'S001185', 'M001188', 'F000043'];
const CELL = { width: 180, height: 220 };
const GAP = 4;

const { values } = parseArgs({
  options: {
    photos: {
      type: 'string',
      default: path.join(packageRoot(), '..', 'shared', 'data', 'faces-dev'),
    },
    out: { type: 'string', default: path.join(packageRoot(), 'docs', 'ai-styles.png') },
  },
});

const ctx = createContext();
const photos = await Promise.all(
  PHOTOS.map(async (p) => (await readImage(path.join(values.photos, `${p}.jpg`))).image),
);
const styles = (await listBuiltinSpecs()).filter((s) => s.spec.tags.includes('ai'));
const rows: Image[][] = [photos];
for (const { spec, baseDir } of styles) {
  const runner = await compile(spec, ctx, { baseDir });
  const row: Image[] = [];
  for (const photo of photos) row.push((await runner.run(photo)).image);
  rows.push(row);
  console.log(`${spec.id}: ${JSON.stringify(runner.resolveParams())}`);
}
await disposeContext(ctx);

const sheet = createImage(
  PHOTOS.length * (CELL.width + GAP) - GAP,
  rows.length * (CELL.height + GAP) - GAP,
);
sheet.data.fill(1);
rows.forEach((row, r) =>
  row.forEach((image, c) =>
    paste(
      sheet,
      resizeImage(image, CELL.width, CELL.height),
      c * (CELL.width + GAP),
      r * (CELL.height + GAP),
    ),
  ),
);
await writeFile(values.out, await encodeImage(sheet, { format: 'png' }));
console.log(`rows: photos, ${styles.map((s) => s.spec.id).join(', ')} -> ${values.out}`);

function paste(target: Image, image: Image, left: number, top: number): void {
  for (let y = 0; y < image.height; y++) {
    const from = y * image.width * 3;
    target.data.set(
      image.data.subarray(from, from + image.width * 3),
      ((top + y) * target.width + left) * 3,
    );
  }
}
