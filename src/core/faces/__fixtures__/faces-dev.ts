/**
 * The shared faces-dev photo set (../shared/data/faces-dev, see its README) as the faces tests
 * and scripts/faces-eval.ts read it: labels joined with extra_meta, and the mild edits that
 * define "the same person" for the identity checks.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeImage, readImage } from '../../image/decode.js';
import { encodeImage } from '../../image/encode.js';
import type { Image } from '../../image/image.js';

export interface FacesDevPhoto {
  file: string;
  path: string;
  /** 'portrait' or the hard case's kind. */
  kind: string;
  gender: 'F' | 'M' | undefined;
  ageBand: string | undefined;
  age: number | undefined;
  expectedFaces: number;
}

export async function listFacesDev(dir: string): Promise<FacesDevPhoto[]> {
  const labels = byFile(parseCsv(await readFile(path.join(dir, 'labels.csv'), 'utf8')));
  const meta = parseCsv(await readFile(path.join(dir, 'extra_meta.csv'), 'utf8'));
  return meta.map((m) => {
    const l = labels.get(m.file ?? '') ?? {};
    const gender = l.gender === 'F' || l.gender === 'M' ? l.gender : undefined;
    return {
      file: m.file!,
      path: path.join(dir, m.file!),
      kind: m.kind!,
      gender,
      ageBand: l.age_band || undefined,
      age: m.age_at_photo ? Number(m.age_at_photo) : undefined,
      expectedFaces: Number(m.expected_faces),
    };
  });
}

export async function loadPhoto(photo: FacesDevPhoto): Promise<Image> {
  return (await readImage(photo.path)).image;
}

export interface Edit {
  name: string;
  image: Image;
}

/** The four mild edits of one photo: mirror, JPEG quality 60, brightness +20% and -20%. */
export async function mildEdits(image: Image): Promise<Edit[]> {
  const jpeg = (await decodeImage(await encodeImage(image, { format: 'jpeg', quality: 60 }))).image;
  return [
    { name: 'mirror', image: mirror(image) },
    { name: 'jpeg60', image: jpeg },
    { name: 'bright+20', image: scale(image, 1.2) },
    { name: 'bright-20', image: scale(image, 0.8) },
  ];
}

export function mirror(image: Image): Image {
  const { width: w, height: h, data } = image;
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + (w - 1 - x)) * 3;
      const d = (y * w + x) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { width: w, height: h, data: out };
}

function scale(image: Image, k: number): Image {
  return { ...image, data: image.data.map((v) => Math.min(1, v * k)) };
}

function byFile(rows: Record<string, string>[]): Map<string, Record<string, string>> {
  return new Map(rows.map((r) => [r.file ?? '', r]));
}

/** RFC 4180 CSV with a header row (quoted fields may hold commas and doubled quotes). */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ''])));
}
