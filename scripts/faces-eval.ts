/**
 * Face models on real photos (../shared/data/faces-dev): detection recall per gender and age
 * band and on every hard case, identity separation (same person = a portrait vs 4 mild edits
 * of itself; different = other portraits), person segmentation coverage, and attribute
 * estimates against the labels. With --compare it also measures the alternatives each choice
 * in FaceModels was picked from.
 *
 *   npx tsx scripts/faces-eval.ts [--compare] [--hard-edits] [--json results.json]
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Image } from '../src/core/image/image.js';
import {
  listFacesDev,
  loadPhoto,
  mildEdits,
  type FacesDevPhoto,
} from '../src/core/faces/__fixtures__/faces-dev.js';
import { ATTRIBUTE_SPECS, FaceAttributes } from '../src/core/faces/face-attributes.js';
import {
  DETECTOR_SPECS,
  FaceDetector,
  type DetectorName,
} from '../src/core/faces/face-detector.js';
import {
  EMBEDDER_SPECS,
  FaceEmbedder,
  compareFaces,
  type EmbedderName,
} from '../src/core/faces/face-embedder.js';
import { FaceMesh } from '../src/core/faces/face-mesh.js';
import { FaceModels } from '../src/core/faces/face-models.js';
import type { Face } from '../src/core/faces/face.js';
import {
  PersonSegmenter,
  SEGMENTER_SPECS,
  type SegmenterName,
} from '../src/core/faces/person-segmenter.js';
import { separation, type Separation } from '../src/core/faces/separation.js';
import { TfjsRuntime } from '../src/core/runtime/tfjs.js';

const { values: args } = parseArgs({
  options: {
    compare: { type: 'boolean', default: false },
    'hard-edits': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const FACES_DEV = process.env.FILTERLAB_FACES_DEV
  ? path.resolve(process.env.FILTERLAB_FACES_DEV)
  : path.resolve(import.meta.dirname, '../../shared/data/faces-dev');

const runtime = new TfjsRuntime();
const models = new FaceModels({}, runtime);
const dir = models.modelsDir;
const report: Record<string, unknown> = { choice: models.choice };
const photos = await listFacesDev(FACES_DEV);
const portraits = photos.filter((p) => p.kind === 'portrait');
const images = new Map<string, Image>();
for (const p of photos) images.set(p.file, await loadPhoto(p));
const img = (p: FacesDevPhoto) => images.get(p.file)!;

// ---------------------------------------------------------------- detection
async function evalDetector(name: DetectorName, zooms: number[]) {
  const det = await FaceDetector.load(
    runtime,
    path.join(dir, DETECTOR_SPECS[name].file),
    DETECTOR_SPECS[name],
  );
  const hits = new Map<string, boolean>();
  const scores: number[] = [];
  const hard: Record<string, string> = {};
  const t0 = performance.now();
  for (const p of photos) {
    const faces = await det.detect(img(p), { zooms });
    if (p.kind === 'portrait') {
      hits.set(p.file, faces.length === 1);
      scores.push(faces[0]?.score ?? 0);
    } else
      hard[p.file] =
        `${faces.length}/${p.expectedFaces}${faces.length ? ` (${faces.map((f) => f.score.toFixed(2)).join(' ')})` : ''}`;
  }
  const ms = (performance.now() - t0) / photos.length;
  const recall = [...hits.values()].filter(Boolean).length / hits.size;
  const hardOk = photos.filter(
    (p) => p.kind !== 'portrait' && hard[p.file]!.startsWith(`${p.expectedFaces}/`),
  ).length;
  const falsePositives = photos.filter(
    (p) => p.expectedFaces === 0 && !hard[p.file]!.startsWith('0/'),
  ).length;
  return {
    name,
    zooms,
    recall,
    minPortraitScore: Math.min(...scores),
    hardOk,
    falsePositives,
    msPerImage: ms,
    hits,
    hard,
  };
}

function bySlice(hits: Map<string, boolean>): Record<string, string> {
  const slices: Record<string, [number, number]> = {};
  for (const p of portraits) {
    for (const key of [
      `gender=${p.gender}`,
      `age=${p.ageBand}`,
      `gender=${p.gender},age=${p.ageBand}`,
    ]) {
      const s = (slices[key] ??= [0, 0]);
      s[0] += hits.get(p.file) ? 1 : 0;
      s[1]++;
    }
  }
  return Object.fromEntries(
    Object.entries(slices)
      .sort()
      .map(([k, [a, n]]) => [k, `${a}/${n} = ${(a / n).toFixed(3)}`]),
  );
}

console.log(
  `faces-dev: ${portraits.length} portraits, ${photos.length - portraits.length} hard cases; models ${JSON.stringify(models.choice)}`,
);
if (args.compare) {
  console.log(
    '\n== detector comparison (exactly one face per portrait; hard cases = right count; false positives on the 4 no-face photos)',
  );
  for (const name of Object.keys(DETECTOR_SPECS) as DetectorName[]) {
    for (const zooms of [[1], [1, 0.5]]) {
      const r = await evalDetector(name, zooms);
      console.log(
        `${name.padEnd(26)} zooms ${zooms.join('+').padEnd(5)} recall ${r.recall.toFixed(3)} min score ${r.minPortraitScore.toFixed(2)} ` +
          `hard ${r.hardOk}/12 false+ ${r.falsePositives}/4 ${r.msPerImage.toFixed(1)} ms/img`,
      );
    }
  }
  await compareFaceBoxes();
}

const chosenDet = await evalDetector(models.choice.detector, [1, 0.5]);
console.log(`\n== detection: ${models.choice.detector}, zooms 1+0.5, minScore 0.5`);
console.log(
  `portrait recall ${chosenDet.recall.toFixed(3)} (${[...chosenDet.hits.values()].filter(Boolean).length}/${portraits.length}), lowest portrait score ${chosenDet.minPortraitScore.toFixed(3)}, ${chosenDet.msPerImage.toFixed(1)} ms/img`,
);
const slices = bySlice(chosenDet.hits);
for (const [k, v] of Object.entries(slices)) console.log(`  ${k.padEnd(24)} ${v}`);
console.log('hard cases (found/expected, scores):');
for (const [f, v] of Object.entries(chosenDet.hard)) console.log(`  ${f.padEnd(34)} ${v}`);
report.detection = {
  recall: chosenDet.recall,
  minPortraitScore: chosenDet.minPortraitScore,
  slices,
  hard: chosenDet.hard,
  msPerImage: chosenDet.msPerImage,
};

// ---------------------------------------------------------------- identity
const mesh = await FaceMesh.load(runtime, path.join(dir, 'facemesh.json'));
const detector = await models.detector();
async function locate(image: Image): Promise<Face> {
  const [face] = await detector.detect(image);
  if (!face) throw new Error('no face');
  face.landmarks = (await mesh.landmarks(image, face)).landmarks;
  return face;
}
interface Sample {
  photo: FacesDevPhoto;
  items: { name: string; image: Image; face: Face }[];
}
const samples: Sample[] = [];
for (const photo of portraits) {
  const edits = args['hard-edits'] ? hardEdits(img(photo)) : await mildEdits(img(photo));
  const items = [{ name: 'original', image: img(photo) }, ...edits];
  samples.push({
    photo,
    items: await Promise.all(items.map(async (e) => ({ ...e, face: await locate(e.image) }))),
  });
}

async function evalEmbedder(name: EmbedderName) {
  const emb = await FaceEmbedder.load(
    runtime,
    path.join(dir, EMBEDDER_SPECS[name].file),
    EMBEDDER_SPECS[name],
  );
  const vectors: Float32Array[][] = [];
  const t0 = performance.now();
  for (const s of samples)
    vectors.push(await Promise.all(s.items.map((it) => emb.embed(it.image, it.face))));
  const ms = (performance.now() - t0) / (samples.length * samples[0]!.items.length);
  const same: number[] = [];
  const sameByGender: Record<string, number[]> = {};
  const different: number[] = [];
  vectors.forEach((v, i) => {
    for (const e of v.slice(1)) {
      const sim = compareFaces(v[0]!, e);
      same.push(sim);
      (sameByGender[samples[i]!.photo.gender ?? '?'] ??= []).push(sim);
    }
    for (let j = i + 1; j < vectors.length; j++)
      different.push(compareFaces(v[0]!, vectors[j]![0]!));
  });
  return { name, ms, all: separation(same, different), sameByGender };
}

const fmt = (s: Separation) =>
  `same ${s.same.mean.toFixed(3)}±${s.same.std.toFixed(3)} [${s.same.min.toFixed(3)}, ${s.same.max.toFixed(3)}]  ` +
  `different ${s.different.mean.toFixed(3)}±${s.different.std.toFixed(3)} [${s.different.min.toFixed(3)}, ${s.different.max.toFixed(3)}]  ` +
  `threshold ${s.threshold.toFixed(3)} overlap ${(100 * s.overlap).toFixed(2)}% error ${(100 * s.errorRate).toFixed(2)}% d' ${s.dPrime.toFixed(2)}`;

const edits = args['hard-edits']
  ? 'greyscale, low light, 4x down/up, JPEG q20'
  : 'mirror, JPEG q60, brightness ±20%';
const embedders = args.compare
  ? (Object.keys(EMBEDDER_SPECS) as EmbedderName[])
  : [models.choice.embedder];
console.log(
  `\n== identity: cosine similarity, same = portrait vs ${edits} (${portraits.length * 4} pairs), different = portrait pairs (${(portraits.length * (portraits.length - 1)) / 2})`,
);
const identity: Record<string, unknown> = {};
for (const name of embedders) {
  const r = await evalEmbedder(name);
  console.log(`${name.padEnd(14)} ${fmt(r.all)}  ${r.ms.toFixed(1)} ms/face`);
  for (const [g, v] of Object.entries(r.sameByGender)) {
    const s = separation(v, [0]).same;
    console.log(
      `  same-person, gender=${g}: mean ${s.mean.toFixed(3)} std ${s.std.toFixed(3)} min ${s.min.toFixed(3)}`,
    );
  }
  identity[name] = {
    ...r.all,
    sameByGender: Object.fromEntries(
      Object.entries(r.sameByGender).map(([g, v]) => [g, separation(v, [0]).same]),
    ),
    msPerFace: r.ms,
  };
}
report.identity = { edits, results: identity };

// ---------------------------------------------------------------- segmentation
async function evalSegmenter(name: SegmenterName, fit: 'letterbox' | 'stretch') {
  const spec = { ...SEGMENTER_SPECS[name], fit };
  const seg = await PersonSegmenter.load(runtime, path.join(dir, spec.file), spec);
  const face: number[] = [];
  const corners: number[] = [];
  const hard: Record<string, string> = {};
  for (const p of photos.filter((q) => q.expectedFaces > 0)) {
    const image = img(p);
    const mask = await seg.segment(image);
    const boxes =
      p.kind === 'portrait'
        ? [samples.find((q) => q.photo === p)!.items[0]!.face.box]
        : (await detector.detect(image)).map((f) => f.box);
    const cover = Math.min(
      ...boxes.map(([x, y, w, h]) =>
        meanIn(mask.data, mask.width, x + 0.2 * w, y + 0.2 * h, x + 0.8 * w, y + 0.8 * h),
      ),
    );
    const c = Math.round(0.08 * Math.min(image.width, image.height));
    const corner = Math.max(
      meanIn(mask.data, mask.width, 0, 0, c, c),
      meanIn(mask.data, mask.width, image.width - c, 0, image.width, c),
    );
    if (p.kind === 'portrait') {
      face.push(cover);
      corners.push(corner);
    } else hard[p.file] = `faces ${cover.toFixed(2)} corner ${corner.toFixed(2)}`;
  }
  return {
    name,
    fit,
    faceMin: Math.min(...face),
    faceMean: mean(face),
    cornerMax: Math.max(...corners),
    cornerMean: mean(corners),
    hard,
  };
}
console.log(
  '\n== person segmentation: mean alpha on the inner face box (lowest face of the photo), and in the worse top corner',
);
const segs: [SegmenterName, 'letterbox' | 'stretch'][] = args.compare
  ? (Object.keys(SEGMENTER_SPECS) as SegmenterName[]).flatMap(
      (n) =>
        [
          [n, 'letterbox'],
          [n, 'stretch'],
        ] as [SegmenterName, 'letterbox' | 'stretch'][],
    )
  : [[models.choice.segmenter, SEGMENTER_SPECS[models.choice.segmenter].fit]];
const segmentation: unknown[] = [];
for (const [name, fit] of segs) {
  const r = await evalSegmenter(name, fit);
  segmentation.push(r);
  console.log(
    `${`${name} ${fit}`.padEnd(18)} portraits: face mean ${r.faceMean.toFixed(3)} min ${r.faceMin.toFixed(3)}, top corner mean ${r.cornerMean.toFixed(3)} max ${r.cornerMax.toFixed(3)}`,
  );
  for (const [f, v] of Object.entries(r.hard)) console.log(`  ${f.padEnd(34)} ${v}`);
}
report.segmentation = segmentation;

// ---------------------------------------------------------------- attributes
console.log('\n== age/gender ESTIMATES vs labels (gender F/M; age at photo date)');
const attrNames = args.compare
  ? (Object.keys(ATTRIBUTE_SPECS) as (keyof typeof ATTRIBUTE_SPECS)[])
  : [models.choice.attributes];
const attributes: unknown[] = [];
for (const name of attrNames) {
  const attr = await FaceAttributes.load(
    runtime,
    path.join(dir, ATTRIBUTE_SPECS[name].file),
    ATTRIBUTE_SPECS[name],
  );
  let agree = 0;
  let unsure = 0;
  const errByBand: Record<string, number[]> = {};
  for (const s of samples) {
    const est = await attr.estimate(s.items[0]!.image, s.items[0]!.face);
    if (est.genderEstimate === undefined) unsure++;
    else if (est.genderEstimate === s.photo.gender) agree++;
    if (s.photo.age !== undefined)
      (errByBand[s.photo.ageBand ?? '?'] ??= []).push(est.ageEstimate - s.photo.age);
  }
  const all = Object.values(errByBand).flat();
  const bands = Object.fromEntries(
    Object.entries(errByBand)
      .sort()
      .map(([b, e]) => [b, { mae: mean(e.map(Math.abs)), bias: mean(e) }]),
  );
  console.log(
    `${name.padEnd(8)} gender agrees ${agree}/${samples.length}, unsure ${unsure}, disagrees ${samples.length - agree - unsure}; age MAE ${mean(all.map(Math.abs)).toFixed(1)} y, bias ${mean(all).toFixed(1)} y`,
  );
  for (const [b, v] of Object.entries(bands))
    console.log(`  age=${b.padEnd(6)} MAE ${v.mae.toFixed(1)} bias ${v.bias.toFixed(1)}`);
  attributes.push({
    name,
    agree,
    unsure,
    n: samples.length,
    ageMae: mean(all.map(Math.abs)),
    ageBias: mean(all),
    bands,
  });
}
report.attributes = attributes;

if (args.json) await writeFile(args.json, JSON.stringify(report, null, 2) + '\n');
await runtime.dispose();

// ---------------------------------------------------------------- helpers
function mean(v: readonly number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

function meanIn(
  data: Float32Array,
  width: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): number {
  let sum = 0;
  let n = 0;
  const height = data.length / width;
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(height, y1); y++) {
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(width, x1); x++) {
      sum += data[y * width + x]!;
      n++;
    }
  }
  return sum / n;
}

/** Harder same-person edits, closer to what strong filters do. */
function hardEdits(image: Image): { name: string; image: Image }[] {
  const map = (f: (v: number, i: number, d: Float32Array) => number) => ({
    ...image,
    data: image.data.map((v, i, d) => f(v, i, d)),
  });
  const grey = map((_, i, d) => {
    const p = i - (i % 3);
    return 0.299 * d[p]! + 0.587 * d[p + 1]! + 0.114 * d[p + 2]!;
  });
  const low = map((v) => Math.pow(v, 1.8) * 0.3);
  const k = 4;
  const down = map((_, i) => {
    const c = i % 3;
    const px = Math.floor(i / 3);
    const x = px % image.width;
    const y = Math.floor(px / image.width);
    let s = 0;
    let n = 0;
    for (let yy = y - (y % k); yy < Math.min(image.height, y - (y % k) + k); yy++) {
      for (let xx = x - (x % k); xx < Math.min(image.width, x - (x % k) + k); xx++) {
        s += image.data[(yy * image.width + xx) * 3 + c]!;
        n++;
      }
    }
    return s / n;
  });
  const noise = map((v, i) =>
    Math.min(1, Math.max(0, v + 0.08 * Math.sin(i * 12.9898) * Math.cos(i * 78.233))),
  );
  return [
    { name: 'grey', image: grey },
    { name: 'lowlight', image: low },
    { name: 'down4', image: down },
    { name: 'noise', image: noise },
  ];
}

/** FaceBoxes (no keypoints, so not selectable) as a detection baseline, at the photo's own size. */
async function compareFaceBoxes(): Promise<void> {
  const model = await runtime.model(path.join(dir, 'faceboxes.json'), {
    warmupShape: [1, 64, 64, 3],
  });
  let hits = 0;
  let hardOk = 0;
  let fp = 0;
  const t0 = performance.now();
  for (const p of photos) {
    const im = img(p);
    const data = Int32Array.from(im.data, (v) => Math.round(v * 255));
    const out = await model.run({ type: 'int32', dims: [1, im.height, im.width, 3], data });
    const n = Array.from(out['scores']!.data as Float32Array).filter((s) => s > 0.5).length;
    if (p.kind === 'portrait') hits += n === 1 ? 1 : 0;
    else {
      hardOk += n === p.expectedFaces ? 1 : 0;
      fp += p.expectedFaces === 0 && n > 0 ? 1 : 0;
    }
  }
  const ms = (performance.now() - t0) / photos.length;
  console.log(
    `${'faceboxes (no keypoints)'.padEnd(26)} zooms -     recall ${(hits / portraits.length).toFixed(3)} hard ${hardOk}/12 false+ ${fp}/4 ${ms.toFixed(1)} ms/img`,
  );
}
