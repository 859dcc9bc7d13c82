import type { Point } from './face.js';

export interface SoftPolygon {
  points: readonly Point[];
  /** Move the edge outwards (positive) or inwards (negative), in pixels. */
  grow: number;
  /** Width of the soft ramp across the edge, in pixels. */
  feather: number;
}

/**
 * Soft coverage of a polygon at pixel centres: 1 well inside, 0 well outside, a smoothstep
 * ramp `feather` pixels wide centred on the (grown) edge. Calls `write(index, value)` only
 * for pixels of the polygon's padded bounding box; the rest are 0.
 */
export function rasterizeSoftPolygon(
  width: number,
  height: number,
  polygon: SoftPolygon,
  write: (index: number, value: number) => void,
): void {
  const { points, grow, feather } = polygon;
  if (points.length < 3) return;
  const pad = Math.max(0, grow) + feather;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of points) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const xa = Math.max(0, Math.floor(x0 - pad));
  const xb = Math.min(width - 1, Math.ceil(x1 + pad));
  const ya = Math.max(0, Math.floor(y0 - pad));
  const yb = Math.min(height - 1, Math.ceil(y1 + pad));
  const ramp = Math.max(1e-6, feather);
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      const d = signedDistance(points, x + 0.5, y + 0.5) + grow;
      write(y * width + x, smoothstep(d / ramp + 0.5));
    }
  }
}

/** Distance to the polygon outline, positive inside (even-odd rule), negative outside. */
export function signedDistance(points: readonly Point[], px: number, py: number): number {
  let best = Infinity;
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [ax, ay] = points[j]!;
    const [bx, by] = points[i]!;
    if (ay > py !== by > py && px < ((bx - ax) * (py - ay)) / (by - ay) + ax) inside = !inside;
    const dx = bx - ax;
    const dy = by - ay;
    const len = dx * dx + dy * dy;
    const t = len > 0 ? Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / len)) : 0;
    const ex = px - ax - t * dx;
    const ey = py - ay - t * dy;
    // Squared distances until the end: Math.hypot is several times slower than this.
    best = Math.min(best, ex * ex + ey * ey);
  }
  const distance = Math.sqrt(best);
  return inside ? distance : -distance;
}

function smoothstep(t: number): number {
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return t * t * (3 - 2 * t);
}
