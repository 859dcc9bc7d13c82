import { describe, expect, it } from 'vitest';
import { circleFace, maskAt as at, portrait } from './__fixtures__/synthetic-portrait.js';
import { MESH } from './mesh-indices.js';
import { visibleSkinMask } from './visible-skin-mask.js';

describe('visibleSkinMask', () => {
  it('is the skin of the whole person: crown and neck too, not the backdrop or the shirt', () => {
    const { image, person } = portrait([0.36, 0.23, 0.17]);
    const m = visibleSkinMask(image, [circleFace(80, 80, 30)], person);
    // A cheek (the synthetic face's eyes and mouth all sit at its centre, a hole).
    expect(at(m, 62, 95)).toBeGreaterThan(0.9);
    expect(at(m, 80, 35)).toBeGreaterThan(0.9);
    expect(at(m, 80, 135)).toBeGreaterThan(0.9);
    expect(at(m, 8, 20)).toBe(0);
    expect(at(m, 30, 190)).toBe(0);
  });

  it('leaves out the eyes inside the oval, even in skin colour', () => {
    const face = circleFace(80, 80, 30);
    // An eye: a small polygon left of centre, painted in skin colour, still excluded.
    MESH.rightEye.forEach((id, k) => {
      const a = (2 * Math.PI * k) / MESH.rightEye.length;
      face.landmarks[id] = [68 + 5 * Math.cos(a), 72 + 3 * Math.sin(a), 0];
    });
    const { image, person } = portrait([0.85, 0.68, 0.58]);
    expect(at(visibleSkinMask(image, [face], person), 68, 72)).toBeLessThan(0.1);
  });

  it('is empty without faces', () => {
    const { image, person } = portrait([0.85, 0.68, 0.58]);
    expect(Math.max(...visibleSkinMask(image, [], person).data)).toBe(0);
  });
});
