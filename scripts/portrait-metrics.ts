/**
 * The portrait metrics of saved filter outputs, per perceived tone: for each filter folder under
 * OUTPUTS (files named like the photos, any image extension), scores every photo of DATASET
 * against its output with the lab's metrics and prints the mean per perceived_tone. Used for the
 * before/after numbers of issue 12 (outputs of `filterlab apply --format png`, 8-bit as users
 * get them).
 * Run: npx tsx scripts/portrait-metrics.ts <dataset> <outputs> [filter…] [--json file]
 */
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createContext, disposeContext } from '../src/core/context.js';
import { analyzeFaces } from '../src/core/faces/face-analysis.js';
import { sharedFaceModels } from '../src/core/faces/shared.js';
import { readImage } from '../src/core/image/decode.js';
import { PairAnalysis } from '../src/lab/analysis.js';
import { loadDataset } from '../src/lab/dataset/dataset.js';
import { metricById } from '../src/lab/metrics/registry.js';

const METRICS = [
  'skin_delta_e',
  'person_skin_delta_e',
  'person_skin_delta_l',
  'person_skin_delta_h',
  'person_skin_chroma',
  'tone_gap_delta_l',
  'tone_gap_delta_e',
  'edge_halo',
  'skin_breaks',
  'sharpness',
];

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : undefined;
const [datasetDir, outputsDir, ...only] = args;
if (!datasetDir || !outputsDir)
  throw new Error('usage: portrait-metrics <dataset> <outputs> [filter…]');

const ctx = createContext();
const models = await sharedFaceModels(ctx);
const dataset = await loadDataset(datasetDir, { where: { kind: 'portrait' } });
const filters = only.length ? only : (await readdir(outputsDir)).sort();
const inputs = new Map<
  string,
  { image: Awaited<ReturnType<typeof readImage>>['image']; faces: ReturnType<typeof analyzeFaces> }
>();
const report: Record<string, Record<string, Record<string, number>>> = {};
for (const filter of filters) {
  const rows: { tone: string; values: Record<string, number | undefined> }[] = [];
  for (const item of dataset.items) {
    const stem = item.file.replace(/\.[^.]+$/, '');
    const out = ['png', 'jpg', 'webp']
      .map((e) => path.join(outputsDir, filter, `${stem}.${e}`))
      .find(existsSync);
    if (!out) continue;
    let input = inputs.get(item.file);
    if (!input) {
      const image = (await readImage(item.path)).image;
      input = { image, faces: analyzeFaces(models, image) };
      inputs.set(item.file, input);
    }
    const output = (await readImage(out)).image;
    const pair = new PairAnalysis(input.image, output, models, input.faces);
    const values: Record<string, number | undefined> = {};
    for (const id of METRICS)
      values[id] = await metricById(id).compute({ pair, latencyMs: 0, peakRssMb: 0 });
    rows.push({ tone: item.labels.perceived_tone || '(none)', values });
  }
  report[filter] = {};
  for (const tone of ['darker', 'medium', 'lighter', 'all']) {
    const sel = rows.filter((r) => tone === 'all' || r.tone === tone);
    const means: Record<string, number> = { n: sel.length };
    for (const id of METRICS) {
      const vs = sel
        .map((r) => r.values[id])
        .filter((v): v is number => v !== undefined && Number.isFinite(v));
      means[id] = vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : NaN;
      if (id === 'skin_breaks' || id === 'edge_halo') means[`${id}_p95`] = p95(vs);
    }
    report[filter][tone] = means;
  }
  console.log(`\n${filter}`);
  console.table(
    Object.fromEntries(
      Object.entries(report[filter]).map(([t, m]) => [
        t,
        Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v.toFixed(2))])),
      ]),
    ),
  );
}
if (jsonFile) await writeFile(jsonFile, JSON.stringify(report, null, 2));
await disposeContext(ctx);

function p95(vs: number[]): number {
  if (!vs.length) return NaN;
  const s = [...vs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(0.95 * (s.length - 1) + 0.5))]!;
}
