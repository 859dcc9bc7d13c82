import { describe, expect, it } from 'vitest';
import { circleFace, maskAt as at, portrait } from './__fixtures__/synthetic-portrait.js';
import { headMask } from './head-mask.js';

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
