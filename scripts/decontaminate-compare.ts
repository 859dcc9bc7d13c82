/**
 * A person filter (default background-replace) with and without colour decontamination (its
 * blend step's `decontaminate`): the lab's edge_halo metric and the filter's run time per photo
 * (median of 3 runs), and the outputs as PNG to look at.
 * Run: npx tsx scripts/decontaminate-compare.ts [--filter id] <out-dir> <photo>…
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createContext } from '../src/core/context.js';
import { compile } from '../src/core/filters/compile.js';
import { loadFilter } from '../src/core/filters/load.js';
import { readImage } from '../src/core/image/decode.js';
import { encodeImage } from '../src/core/image/encode.js';
import { edgeHalo } from '../src/lab/metrics/edge-halo.js';

const args = process.argv.slice(2);
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? args.splice(filterAt, 2)[1]! : 'background-replace';
const [outDir, ...photos] = args;
if (!outDir || !photos.length)
  throw new Error('usage: decontaminate-compare [--filter id] <out-dir> <photo>…');
await mkdir(outDir, { recursive: true });
const { spec, baseDir } = await loadFilter(filter);
const ctx = createContext();
const variant = (decontaminate: boolean) =>
  compile(
    {
      ...spec,
      steps: spec.steps.map((s) => (s.type === 'blend' ? { ...s, decontaminate } : s)),
    } as typeof spec,
    ctx,
    { baseDir },
  );
const runners = { off: await variant(false), on: await variant(true) };
for (const photo of photos) {
  const input = (await readImage(photo)).image;
  const stem = path.basename(photo).replace(/\.[^.]+$/, '');
  const row: string[] = [stem, `${input.width}x${input.height}`];
  for (const [name, runner] of Object.entries(runners)) {
    const times: number[] = [];
    let result = await runner.run(input);
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      result = await runner.run(input);
      times.push(performance.now() - t);
    }
    const halo = edgeHalo(input, result.image, result.values.mask('person'));
    await writeFile(
      path.join(outDir, `${stem}-${name}.png`),
      await encodeImage(result.image, { format: 'png' }),
    );
    times.sort((a, b) => a - b);
    row.push(
      `${name}: edge_halo ${halo?.excess.toFixed(2)} (out ${halo?.output.toFixed(2)}, in ${halo?.input.toFixed(2)}) ${times[1]!.toFixed(0)} ms`,
    );
  }
  console.log(row.join(' | '));
}
