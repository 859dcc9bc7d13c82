import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic } from '../../core/util/atomic-write.js';
import { decodeImage, readImage } from '../../core/image/decode.js';
import { encodeImage } from '../../core/image/encode.js';
import type { Image } from '../../core/image/image.js';
import { fitSize, resizeImage } from '../../core/image/resize.js';
import type { Dataset } from '../dataset/dataset.js';
import { renderReport, type Thumbnails } from '../report/html-report.js';
import type { OutputCache } from './output-cache.js';
import type { RunResults } from './results.js';

const THUMB = 192;

/** results.json and the self-contained report.html (thumbnails inlined as data URIs). */
export async function writeRunFiles(
  dir: string,
  results: RunResults,
  cache: OutputCache,
  dataset: Dataset,
): Promise<{ reportPath: string; resultsPath: string }> {
  await mkdir(dir, { recursive: true });
  const resultsPath = path.join(dir, 'results.json');
  await writeAtomic(
    resultsPath,
    JSON.stringify(
      results,
      (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
      2,
    ) + '\n',
  );
  const thumbs: Thumbnails = { inputs: {}, outputs: {} };
  for (const item of dataset.items) {
    const img = await readImage(item.path).catch(() => undefined);
    if (img) thumbs.inputs[item.file] = await thumbnail(img.image);
  }
  for (const image of results.images) {
    for (const row of Object.values(image.variants)) {
      if (!row.outputKey || thumbs.outputs[row.outputKey]) continue;
      const bytes = await cache.bytes(row.outputKey);
      if (bytes) thumbs.outputs[row.outputKey] = await thumbnail((await decodeImage(bytes)).image);
    }
  }
  const reportPath = path.join(dir, 'report.html');
  await writeAtomic(reportPath, renderReport(results, thumbs));
  return { reportPath, resultsPath };
}

async function thumbnail(image: Image): Promise<string> {
  const size = fitSize(image.width, image.height, THUMB, THUMB);
  const small =
    size.width === image.width && size.height === image.height
      ? image
      : resizeImage(image, size.width, size.height);
  return `data:image/jpeg;base64,${(await encodeImage(small, { format: 'jpeg', quality: 78 })).toString('base64')}`;
}
