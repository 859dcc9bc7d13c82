import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { FilterlabError } from '../../core/errors.js';
import {
  detectFaces,
  embedFace,
  estimateAttributes,
  faceLandmarks,
} from '../../core/faces/face-analysis.js';
import { findPerson } from '../../core/faces/find-person.js';
import { SAME_PERSON_THRESHOLD, compareFaces } from '../../core/faces/face-embedder.js';
import { DEFAULT_MIN_SCORE } from '../../core/faces/face-detector.js';
import { FaceModels } from '../../core/faces/face-models.js';
import { mainFaceIndex, type Face } from '../../core/faces/face.js';
import { readImage } from '../../core/image/decode.js';
import { encodeMask } from '../../core/image/encode.js';
import type { OutputFormat } from '../../core/image/formats.js';
import { writeAtomic } from '../../core/util/atomic-write.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';

interface DetectFlags {
  json: boolean;
  minSize: number;
  minScore: number;
  attributes: boolean;
}

export function registerFaces(program: Command, io: Io): void {
  const faces = program.command('faces').description('Find and compare faces in photos');
  faces
    .command('detect')
    .description('List every face in each photo: box [x, y, width, height], score and keypoints')
    .argument('<photos...>', 'input photos')
    .option('--min-size <px>', 'drop faces narrower than this many pixels', numberOption, 0)
    .option(
      '--min-score <x>',
      'drop detections less confident than this (0-1)',
      numberOption,
      DEFAULT_MIN_SCORE,
    )
    .option('--attributes', 'add apparent age and gender ESTIMATES (for dataset tags)', false)
    .option(
      '--json',
      'print {"file":…,"faces":[{"box":[x,y,w,h],"score":…,"keypoints":[[x,y],…]},…]}, one line per photo',
      false,
    )
    .action((photos: string[], flags: DetectFlags) =>
      withModels((m) => detectEach(m, photos, flags, io)),
    );
  faces
    .command('compare')
    .description('Identity similarity (cosine) of the main (largest) faces of two photos')
    .argument('<a>', 'first photo')
    .argument('<b>', 'second photo')
    .option('--json', 'print {"similarity":…,"threshold":…,"samePerson":…}', false)
    .action((a: string, b: string, flags: { json: boolean }) =>
      withModels((m) => compare(m, a, b, flags, io)),
    );
  program
    .command('segment')
    .description('Write the soft person mask of a photo as a greyscale image (white = person)')
    .argument('<photo>', 'input photo')
    .option('-o, --out <file>', 'mask file (.png, .webp or .jpg; default <photo name>-person.png)')
    .option('--json', 'print {"out":…,"width":…,"height":…,"personShare":…}', false)
    .action((photo: string, flags: { out?: string; json: boolean }) =>
      withModels((m) => segment(m, photo, flags, io)),
    );
}

async function withModels(work: (models: FaceModels) => Promise<void>): Promise<void> {
  const models = new FaceModels();
  try {
    await work(models);
  } finally {
    await models.dispose();
  }
}

/** One photo's error is reported with its name and the others are still read (exit 1 at the end). */
async function detectEach(
  models: FaceModels,
  files: string[],
  flags: DetectFlags,
  io: Io,
): Promise<void> {
  if (files.length === 1) return detect(models, files[0]!, flags, io);
  for (const file of files) {
    try {
      await detect(models, file, flags, io);
    } catch (error) {
      if (!(error instanceof FilterlabError)) throw error;
      io.err(`${file}: ${error.code}: ${error.message}`);
      io.exitCode = EXIT.FAILED;
    }
  }
}

async function detect(models: FaceModels, file: string, flags: DetectFlags, io: Io): Promise<void> {
  const { image } = await readImage(file);
  const faces = await detectFaces(models, image, {
    minSize: flags.minSize,
    minScore: flags.minScore,
  });
  const rows = [];
  for (const face of faces) {
    const row: Record<string, unknown> = {
      box: face.box.map(round1),
      score: Math.round(face.score * 1000) / 1000,
      keypoints: face.keypoints.map((p) => p.map(round1)),
    };
    if (flags.attributes) {
      face.landmarks = (await faceLandmarks(models, image, face)).landmarks;
      const a = await estimateAttributes(models, image, face);
      row.ageEstimate = round1(a.ageEstimate);
      row.femaleEstimate = Math.round(a.femaleEstimate * 1000) / 1000;
      row.genderEstimate = a.genderEstimate ?? null;
    }
    rows.push(row);
  }
  if (flags.json) {
    io.out(JSON.stringify({ file, width: image.width, height: image.height, faces: rows }));
    return;
  }
  io.out(
    `${file}: ${faces.length} face${faces.length === 1 ? '' : 's'} (${image.width}x${image.height})`,
  );
  rows.forEach((r, i) => {
    const [x, y, w, h] = r.box as number[];
    const tags = flags.attributes
      ? `, age ~${r.ageEstimate}, gender ${r.genderEstimate ?? 'unsure'} (estimates)`
      : '';
    io.out(`  #${i} box ${x},${y} ${w}x${h} score ${r.score}${tags}`);
  });
}

async function compare(
  models: FaceModels,
  a: string,
  b: string,
  flags: { json: boolean },
  io: Io,
): Promise<void> {
  const ea = await mainFaceEmbedding(models, a);
  const eb = await mainFaceEmbedding(models, b);
  const similarity = compareFaces(ea, eb);
  const samePerson = similarity >= SAME_PERSON_THRESHOLD;
  if (flags.json) {
    io.out(JSON.stringify({ similarity, threshold: SAME_PERSON_THRESHOLD, samePerson }));
    return;
  }
  io.out(
    `similarity ${similarity.toFixed(3)}: ${samePerson ? 'same person' : 'different people'} (threshold ${SAME_PERSON_THRESHOLD})`,
  );
}

/** The embedding of the largest face, aligned by its landmarks (as faces-eval measured it). */
async function mainFaceEmbedding(models: FaceModels, file: string): Promise<Float32Array> {
  const { image } = await readImage(file);
  const faces = await detectFaces(models, image);
  const face: Face | undefined = faces[mainFaceIndex(faces)];
  if (!face) {
    throw new FilterlabError(
      'FL_ERR_NO_FACE',
      `No face found in ${file} (${image.width}x${image.height}): faces compare needs one in each photo`,
      { details: { file } },
    );
  }
  face.landmarks = (await faceLandmarks(models, image, face)).landmarks;
  return embedFace(models, image, face);
}

async function segment(
  models: FaceModels,
  file: string,
  flags: { out?: string; json: boolean },
  io: Io,
): Promise<void> {
  const { image } = await readImage(file);
  const out = flags.out ?? `${path.parse(file).name}-person.png`;
  const format = maskFormat(out);
  const { found, mask } = await findPerson(models, image);
  await writeAtomic(out, await encodeMask(mask, { format }));
  const personShare = mask.data.reduce((s, v) => s + v, 0) / mask.data.length;
  if (flags.json) {
    io.out(
      JSON.stringify({ out, width: mask.width, height: mask.height, person: found, personShare }),
    );
    return;
  }
  io.out(
    `wrote ${out} (${mask.width}x${mask.height}, ${found ? `person ${(100 * personShare).toFixed(0)}% of the photo` : 'no person'})`,
  );
}

function maskFormat(file: string): OutputFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.png' || ext === '') return 'png';
  if (ext === '.webp') return 'webp';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  throw new FilterlabError(
    'FL_ERR_INVALID_ARGUMENT',
    `Expected --out to end in .png, .webp or .jpg but received ${JSON.stringify(file)}`,
  );
}

function numberOption(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError(
      `Expected a non-negative number but received ${JSON.stringify(value)}`,
    );
  return n;
}

const round1 = (v: number) => Math.round(v * 10) / 10;
