import { describe, expect, it } from 'vitest';
import { createImage, createMask, type Image, type Mask } from '../image/image.js';
import type { Point3 } from './face.js';
import { headMask } from './head-mask.js';
import { MESH } from './mesh-indices.js';

/** 468 landmarks whose face oval is a circle of radius r around (cx, cy). */
function circleFace(cx: number, cy: number, r: number): { landmarks: Point3[] } {
  const landmarks: Point3[] = Array.from({ length: 468 }, () => [cx, cy, 0]);
  const n = MESH.faceOval.length;
  MESH.faceOval.forEach((id, k) => {
    const a = (2 * Math.PI * k) / n;
    landmarks[id] = [cx + r * Math.sin(a), cy - r * Math.cos(a), 0];
  });
  return { landmarks };
}

type Rgb = [number, number, number];
const BACKDROP: Rgb = [0.35, 0.5, 0.7];
const SHIRT: Rgb = [0.15, 0.2, 0.45];

/**
 * A 160x200 portrait: a face (oval radius 30 at (80, 80)) whose skin runs up to a bald crown at
 * y 25 and down a neck to y 150, a shirt below, a blue backdrop, and a skin-coloured patch on
 * the backdrop (a wooden frame, say) that is not the person.
 */
function portrait(skin: Rgb): { image: Image; person: Mask } {
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

const at = (m: Mask, x: number, y: number) => m.data[y * m.width + x]!;

describe('headMask', () => {
  for (const [tone, skin] of [
    ['lighter', [0.85, 0.68, 0.58]],
    ['darker', [0.36, 0.23, 0.17]],
  ] as const) {
    it(`covers the crown and neck of ${tone} skin, and only the person`, () => {
      const { image, person } = portrait([...skin]);
      const m = headMask(image, [circleFace(80, 80, 30)], person, { feather: 0.08 });
      expect(at(m, 80, 80)).toBe(1);
      // Bare crown above the oval (which ends at y 50), and the neck below it (oval ends at 110).
      expect(at(m, 80, 35)).toBeGreaterThan(0.9);
      expect(at(m, 80, 135)).toBeGreaterThan(0.9);
      // The skin-coloured patch on the backdrop and the backdrop itself stay out.
      expect(at(m, 8, 20)).toBe(0);
      expect(at(m, 150, 100)).toBe(0);
      // The shirt, well below the head, stays out.
      expect(at(m, 30, 190)).toBeLessThan(0.05);
    });
  }

  it('keeps only the face oval where the skin colour does not match, without hair', () => {
    const { image, person } = portrait([0.85, 0.68, 0.58]);
    // Repaint the crown grey (hair): not skin, and hair: false leaves it out.
    for (let y = 20; y < 45; y++) image.data.fill(0.3, y * 160 * 3, (y + 1) * 160 * 3);
    const m = headMask(image, [circleFace(80, 80, 30)], person, { hair: false });
    expect(at(m, 80, 35)).toBeLessThan(0.1);
    const withHair = headMask(image, [circleFace(80, 80, 30)], person);
    expect(at(withHair, 80, 35)).toBeGreaterThan(0.9);
  });

  it('is empty without faces and needs landmarks', () => {
    const { image, person } = portrait([0.85, 0.68, 0.58]);
    expect(Math.max(...headMask(image, [], person).data)).toBe(0);
    expect(() => headMask(image, [{}], person)).toThrow(/468 mesh landmarks/);
  });
});
