/**
 * Generates the LUTs shipped in filters/luts/ from colour formulas, so every committed .cube file
 * has its recipe here. Run: npx tsx scripts/make-luts.ts
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { skinHueWeight } from '../src/core/steps/tone.js';
import { formatCube, lutFromFunction } from '../src/core/steps/cube-lut.js';

const smooth = (t: number) => t * t * (3 - 2 * t);
const clamp = (v: number) => Math.min(1, Math.max(0, v));

/**
 * Warm print film: soft S-curve, lifted blacks, amber midtones and highlights, calmer saturation.
 * The shadows only lose a little red (no teal): with teal shadows the blue-grey backdrops and
 * dark suits of portraits outweighed the amber and the whole photo ended cooler (issue 12).
 */
function filmWarm(r: number, g: number, b: number): [number, number, number] {
  const l = 0.299 * r + 0.587 * g + 0.114 * b;
  const curve = (v: number) => 0.05 + 0.9 * (0.35 * v + 0.65 * smooth(v));
  const shadow = (1 - l) ** 2;
  // Skin keeps most of its hue (the scene gets the warmth): warming skin as much as the rest
  // turned it orange-yellow (skin ΔH*ab 3.8).
  const scene = 1 - 0.7 * skinHueWeight(r, g, b);
  const mid = 4 * l * (1 - l) * scene;
  const highlight = l ** 2 * scene;
  const sat = 0.88;
  const mix = (v: number) => l + (v - l) * sat;
  return [
    clamp(curve(mix(r)) - 0.01 * shadow + 0.03 * mid + 0.04 * highlight),
    clamp(curve(mix(g)) + 0.01 * mid + 0.02 * highlight),
    clamp(curve(mix(b)) + 0.01 * shadow - 0.035 * mid - 0.045 * highlight),
  ];
}

const out = path.join(import.meta.dirname, '..', 'filters', 'luts');
await writeFile(
  path.join(out, 'film-warm.cube'),
  formatCube(lutFromFunction(17, filmWarm, 'filterlab film-warm')),
);
console.log(`wrote ${out}/film-warm.cube`);
