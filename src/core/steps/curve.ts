import { z } from 'zod';

export const CurveSchema = z
  .array(z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]))
  .min(2, 'a curve needs at least 2 points')
  .refine((pts) => pts.every((p, i) => i === 0 || p[0] > pts[i - 1]![0]), {
    message: 'curve points must have strictly increasing inputs',
  });
export type Curve = z.infer<typeof CurveSchema>;

const TABLE_SIZE = 1024;

/**
 * Sample a monotone cubic (Fritsch–Carlson 1980) through the points into a table: curves never
 * overshoot between points, so a curve that rises everywhere cannot invert tones.
 */
export function curveTable(points: Curve): Float32Array {
  const n = points.length;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const d = xs.slice(1).map((x, i) => (ys[i + 1]! - ys[i]!) / (x - xs[i]!));
  const m = xs.map((_, i) => (i === 0 ? d[0]! : i === n - 1 ? d[n - 2]! : (d[i - 1]! + d[i]!) / 2));
  for (let i = 0; i < n - 1; i++) {
    if (d[i] === 0) {
      m[i] = 0;
      m[i + 1] = 0;
      continue;
    }
    const a = m[i]! / d[i]!;
    const b = m[i + 1]! / d[i]!;
    const s = a * a + b * b;
    if (s > 9) {
      const t = 3 / Math.sqrt(s);
      m[i] = t * a * d[i]!;
      m[i + 1] = t * b * d[i]!;
    }
  }
  const table = new Float32Array(TABLE_SIZE + 1);
  let k = 0;
  for (let j = 0; j <= TABLE_SIZE; j++) {
    const x = j / TABLE_SIZE;
    if (x <= xs[0]!) {
      table[j] = ys[0]!;
      continue;
    }
    if (x >= xs[n - 1]!) {
      table[j] = ys[n - 1]!;
      continue;
    }
    while (x > xs[k + 1]!) k++;
    const h = xs[k + 1]! - xs[k]!;
    const t = (x - xs[k]!) / h;
    const t2 = t * t;
    const t3 = t2 * t;
    table[j] =
      (2 * t3 - 3 * t2 + 1) * ys[k]! +
      (t3 - 2 * t2 + t) * h * m[k]! +
      (-2 * t3 + 3 * t2) * ys[k + 1]! +
      (t3 - t2) * h * m[k + 1]!;
  }
  return table;
}

export function applyTable(table: Float32Array, v: number): number {
  if (v <= 0) return table[0]!;
  if (v >= 1) return table[TABLE_SIZE]!;
  const x = v * TABLE_SIZE;
  const i = x | 0;
  return table[i]! + (table[i + 1]! - table[i]!) * (x - i);
}
