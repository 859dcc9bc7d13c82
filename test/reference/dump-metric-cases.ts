/**
 * Writes the metric reference cases as raw 8-bit RGB for the Python reference scripts:
 *   npx tsx test/reference/dump-metric-cases.ts /tmp/metric-cases
 * produces cases.json ([{name, description, width, height, a, b}] with file names) and the
 * .rgb files beside it. See ssim_reference.py for the whole recipe.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildMetricCases } from './metric-cases.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: tsx test/reference/dump-metric-cases.ts OUT_DIR');
await mkdir(dir, { recursive: true });
const cases = await buildMetricCases();
const index = [];
for (const c of cases) {
  await writeFile(path.join(dir, `${c.name}.a.rgb`), c.a);
  await writeFile(path.join(dir, `${c.name}.b.rgb`), c.b);
  index.push({
    name: c.name,
    description: c.description,
    width: c.width,
    height: c.height,
    a: `${c.name}.a.rgb`,
    b: `${c.name}.b.rgb`,
  });
}
await writeFile(path.join(dir, 'cases.json'), JSON.stringify(index, null, 2) + '\n');
