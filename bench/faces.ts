/**
 * Latency of the chosen face models (tfjs wasm backend, one thread) and of the library calls
 * around them, the end-to-end time of each built-in portrait filter, and the process's peak
 * RSS with all face models loaded.
 *
 *   npm run bench:faces -- [--repeat 20] [--json bench/results/faces.json]
 *
 * "model" rows time TfjsModel.run on a zero input at the model's own size; "call" rows time
 * the library function end to end (pre-processing, every pass, post-processing) on a
 * faces-dev portrait (225x275) and on the same photo resized to 11 MP. Each row is the median
 * of `repeat` runs after two warm-up runs. "filter" rows time Runner.run of each built-in
 * portrait filter (compiled once, models shared) on the same portrait scaled to 1024 px on its
 * long side (838x1024), decode and encode excluded: the median of `repeat` / 4 runs (at least 3).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { format } from 'prettier';
import { createContext, disposeContext } from '../src/core/context.js';
import { compile } from '../src/core/filters/compile.js';
import { loadFilter } from '../src/core/filters/load.js';
import { readImage } from '../src/core/image/decode.js';
import { resizeImage } from '../src/core/image/resize.js';
import type { Image } from '../src/core/image/image.js';
import { alignFace, pasteFace } from '../src/core/faces/face-align.js';
import {
  detectFaces,
  embedFace,
  estimateAttributes,
  faceLandmarks,
  segmentPerson,
} from '../src/core/faces/face-analysis.js';
import { ATTRIBUTE_SPECS } from '../src/core/faces/face-attributes.js';
import { DETECTOR_SPECS } from '../src/core/faces/face-detector.js';
import { EMBEDDER_SPECS } from '../src/core/faces/face-embedder.js';
import { FaceModels } from '../src/core/faces/face-models.js';
import { SEGMENTER_SPECS } from '../src/core/faces/person-segmenter.js';
import { skinMask } from '../src/core/faces/skin-mask.js';
import { TfjsRuntime } from '../src/core/runtime/tfjs.js';

const { values } = parseArgs({
  options: {
    repeat: { type: 'string', default: '20' },
    json: { type: 'string', default: path.join(import.meta.dirname, 'results', 'faces.json') },
  },
});
const REPEAT = Number(values.repeat);
const FACES_DEV = process.env.FILTERLAB_FACES_DEV
  ? path.resolve(process.env.FILTERLAB_FACES_DEV)
  : path.resolve(import.meta.dirname, '../../shared/data/faces-dev');

async function median(fn: () => Promise<unknown> | unknown, repeat = REPEAT): Promise<number> {
  await fn();
  await fn();
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const rows: { what: string; input: string; ms: number }[] = [];
function row(what: string, input: string, ms: number): void {
  rows.push({ what, input, ms: Math.round(ms * 10) / 10 });
  console.log(`${what.padEnd(44)} ${input.padEnd(16)} ${ms.toFixed(1).padStart(8)} ms`);
}

const rssBefore = process.memoryUsage().rss;
const runtime = new TfjsRuntime();
const models = new FaceModels({}, runtime);
const c = models.choice;
const files = {
  [`detector ${c.detector}`]: DETECTOR_SPECS[c.detector].file,
  'landmarks facemesh': 'facemesh.json',
  [`embedder ${c.embedder}`]: EMBEDDER_SPECS[c.embedder].file,
  [`segmenter ${c.segmenter}`]: SEGMENTER_SPECS[c.segmenter].file,
  [`attributes ${c.attributes}`]: ATTRIBUTE_SPECS[c.attributes].file,
};
// Other work on the machine inflates every row; the load average says how much to trust them.
const loadBefore = loadavg()[0]!;
console.log(
  `backend ${JSON.stringify(await runtime.backendInfo())}, median of ${REPEAT}, load average ${loadBefore.toFixed(1)}`,
);
const t0 = performance.now();
await Promise.all([
  models.detector(),
  models.mesh(),
  models.embedder(),
  models.segmenter(),
  models.attributes(),
]);
const loadMs = performance.now() - t0;
const memLoaded = runtime.memory();
const loadedPeakRssMB = process.resourceUsage().maxRSS / 1024;
console.log(`peak RSS with all face models loaded and warmed up: ${loadedPeakRssMB.toFixed(0)} MB`);
console.log(
  `load + warm-up of all face models: ${loadMs.toFixed(0)} ms, ${memLoaded.numTensors} weight tensors, ${(memLoaded.numBytes / 2 ** 20).toFixed(1)} MB`,
);

for (const [what, file] of Object.entries(files)) {
  const model = await runtime.model(path.join(models.modelsDir, file));
  const dims = (model.inputs[0]?.shape ?? []).map((d) => (d > 0 ? d : 1));
  const input = {
    type: 'float32' as const,
    dims,
    data: new Float32Array(dims.reduce((a, b) => a * b, 1)),
  };
  row(`model ${what}`, dims.slice(1, 3).join('x'), await median(() => model.run(input)));
}

const portrait = (await readImage(path.join(FACES_DEV, 'B001231.jpg'))).image;
const big = resizeImage(portrait, 3000, 3667, 'bilinear');
for (const [label, image] of [
  ['225x275', portrait],
  ['3000x3667', big],
] as [string, Image][]) {
  const [face] = await detectFaces(models, image);
  if (!face) throw new Error(`no face in the ${label} bench image`);
  face.landmarks = (await faceLandmarks(models, image, face)).landmarks;
  row('call detectFaces (2 passes)', label, await median(() => detectFaces(models, image)));
  row(
    'call detectFaces (zoom 1 only)',
    label,
    await median(() => detectFaces(models, image, { zooms: [1] })),
  );
  row('call faceLandmarks', label, await median(() => faceLandmarks(models, image, face)));
  row('call embedFace', label, await median(() => embedFace(models, image, face)));
  row(
    'call estimateAttributes',
    label,
    await median(() => estimateAttributes(models, image, face)),
  );
  row(
    'call segmentPerson',
    label,
    await median(() => segmentPerson(models, image), Math.min(REPEAT, 5)),
  );
  row('call skinMask', label, await median(() => skinMask(image, [face]), Math.min(REPEAT, 5)));
  const aligned = alignFace(image, face, { size: 512, margin: 0.25 });
  row(
    'call alignFace 512',
    label,
    await median(() => alignFace(image, face, { size: 512, margin: 0.25 })),
  );
  row(
    'call pasteFace 512',
    label,
    await median(() => pasteFace(image, aligned.image, aligned.toSource), Math.min(REPEAT, 5)),
  );
}

// The built-in filters that use the face and person models, end to end at 1024 px.
const PORTRAIT_FILTERS = [
  'portrait-bokeh',
  'background-replace',
  'soft-skin',
  'auto-enhance',
  'stylize-keep-face',
];
const filterRows: { filter: string; input: string; ms: number; steps: Record<string, number> }[] =
  [];
const ctx = createContext();
// The context shares this bench's models, so the filters do not load a second copy.
await ctx.resources.get('face-models', async () => models);
const at1024 = resizeImage(portrait, 838, 1024, 'lanczos3');
for (const id of PORTRAIT_FILTERS) {
  const { spec, baseDir } = await loadFilter(id);
  const runner = await compile(spec, ctx, { baseDir });
  const steps = new Map<string, number[]>();
  const ms = await median(
    async () => {
      const r = await runner.run(at1024);
      for (const t of r.timings) steps.set(t.type, [...(steps.get(t.type) ?? []), t.ms]);
    },
    Math.max(3, Math.round(REPEAT / 4)),
  );
  const stepMedians = Object.fromEntries(
    [...steps].map(([type, times]) => {
      const sorted = [...times].sort((a, b) => a - b);
      return [type, Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10];
    }),
  );
  filterRows.push({
    filter: id,
    input: '838x1024',
    ms: Math.round(ms * 10) / 10,
    steps: stepMedians,
  });
  row(`filter ${id}`, '838x1024', ms);
  await runner.dispose();
}

// maxRSS is the process's high-water mark, in KiB on Linux.
const peakRssMB = process.resourceUsage().maxRSS / 1024;
const loadAfter = loadavg()[0]!;
console.log(`load average ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)}`);
console.log(
  `peak RSS ${peakRssMB.toFixed(0)} MB (process start ${(rssBefore / 2 ** 20).toFixed(0)} MB; includes the 11 MP test image and its float copies)`,
);
await mkdir(path.dirname(values.json), { recursive: true });
// formatted as `npm run format:check` wants committed files
await writeFile(
  values.json,
  await format(
    JSON.stringify({
      bench: 'faces',
      command: 'npm run bench:faces',
      date: new Date().toISOString(),
      backend: await runtime.backendInfo(),
      repeat: REPEAT,
      loadAverage: [loadBefore, loadAfter],
      loadMs,
      loadedPeakRssMB,
      weightsMB: memLoaded.numBytes / 2 ** 20,
      peakRssMB,
      rows,
      filters: filterRows,
    }),
    { parser: 'json' },
  ),
);
console.log(`wrote ${path.relative(process.cwd(), values.json)}`);
await disposeContext(ctx);
await runtime.dispose();
