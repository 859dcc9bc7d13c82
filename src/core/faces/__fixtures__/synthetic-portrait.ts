/**
 * Synthetic faces and portraits for the mask tests: landmarks whose face oval is a circle, and
 * a small portrait whose skin runs beyond that oval (crown, neck), where the answer is known.
 */
import { createImage, createMask, type Image, type Mask } from '../../image/image.js';
import type { Point3 } from '../face.js';
import { MESH } from '../mesh-indices.js';

/** The mask value at pixel (x, y). */
export const maskAt = (m: Pick<Mask, 'width' | 'data'>, x: number, y: number): number =>
  m.data[y * m.width + x]!;

/** 468 landmarks whose face oval is a circle of radius r around (cx, cy). */
export function circleFace(cx: number, cy: number, r: number): { landmarks: Point3[] } {
  const landmarks: Point3[] = Array.from({ length: 468 }, () => [cx, cy, 0]);
  const n = MESH.faceOval.length;
  MESH.faceOval.forEach((id, k) => {
    const a = (2 * Math.PI * k) / n;
    landmarks[id] = [cx + r * Math.sin(a), cy - r * Math.cos(a), 0];
  });
  return { landmarks };
}

export type Rgb = [number, number, number];
const BACKDROP: Rgb = [0.35, 0.5, 0.7];
const SHIRT: Rgb = [0.15, 0.2, 0.45];

/**
 * A 160x200 portrait: a face (oval radius 30 at (80, 80)) whose skin runs up to a bald crown at
 * y 25 and down a neck to y 150, a shirt below, a blue backdrop, and a skin-coloured patch on
 * the backdrop (a wooden frame, say) that is not the person.
 */
export function portrait(skin: Rgb): { image: Image; person: Mask } {
  const image = createImage(160, 200);
  const person = createMask(160, 200);
  for (let y = 0; y < 200; y++) {
    for (let x = 0; x < 160; x++) {
      const head = Math.hypot((x - 80) / 40, (y - 75) / 50) <= 1;
      const neck = Math.abs(x - 80) < 20 && y >= 100 && y < 150;
      const shirt = y >= 150 && Math.abs(x - 80) < 60;
      const patch = x < 20 && y < 40;
      const i = y * 160 + x;
      person.data[i] = head || neck || shirt ? 1 : 0;
      const rgb = head || neck || patch ? skin : shirt ? SHIRT : BACKDROP;
      // A little texture, so the skin model sees a spread like a real face's.
      const t = ((x * 7 + y * 13) % 5) * 0.004;
      image.data.set([rgb[0] + t, rgb[1] + t, rgb[2] + t], i * 3);
    }
  }
  return { image, person };
}
