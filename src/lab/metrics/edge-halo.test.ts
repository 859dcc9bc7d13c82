import { describe, expect, it } from 'vitest';
import { createImage, createMask, type Image } from '../../core/image/image.js';
import { edgeHalo } from './edge-halo.js';

const N = 80;
const SKIN = [0.8, 0.62, 0.5];
const inside = (x: number, y: number) => Math.hypot(x - 40, y - 44) < 24;
const ringDist = (x: number, y: number) => Math.hypot(x - 40, y - 44) - 24;

/** A person-shaped disc of skin on a backdrop; `halo` paints a 2 px ring just outside it. */
function scene(backdrop: number[], halo?: number[]): Image {
  const image = createImage(N, N);
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const d = ringDist(x, y);
      const rgb = inside(x, y) ? SKIN : halo && d < 2 ? halo : backdrop;
      image.data.set(rgb, (y * N + x) * 3);
    }
  }
  return image;
}

const person = createMask(N, N);
for (let y = 0; y < N; y++)
  for (let x = 0; x < N; x++) person.data[y * N + x] = inside(x, y) ? 1 : 0;

const BLUE = [0.3, 0.45, 0.7];
const GREEN = [0.2, 0.6, 0.3];

describe('edgeHalo', () => {
  it('a clean cut-out onto a new backdrop has no excess', () => {
    const r = edgeHalo(scene(BLUE), scene(GREEN), person)!;
    expect(Math.abs(r.excess)).toBeLessThan(0.5);
    expect(r.pixels).toBeGreaterThan(100);
  });

  it('a light fringe of the old backdrop around the person is a halo of several ΔE00', () => {
    const r = edgeHalo(scene(BLUE), scene(GREEN, [0.85, 0.88, 0.92]), person)!;
    expect(r.excess).toBeGreaterThan(8);
    // The old backdrop bleeding through (its blue, on the new green) counts too.
    expect(edgeHalo(scene(BLUE), scene(GREEN, BLUE), person)!.excess).toBeGreaterThan(8);
  });

  it('a global change (the same look on everything) scores about 0', () => {
    const input = scene(BLUE);
    const output = createImage(
      N,
      N,
      input.data.map((v) => v * 0.8),
    );
    expect(Math.abs(edgeHalo(input, output, person)!.excess)).toBeLessThan(0.5);
  });

  it('does not apply without a person, and checks sizes', () => {
    expect(edgeHalo(scene(BLUE), scene(GREEN), createMask(N, N))).toBeUndefined();
    expect(() => edgeHalo(scene(BLUE), createImage(3, 3), person)).toThrow(/80x80/);
  });
});
