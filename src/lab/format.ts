/** Number formatting shared by the lab's text output (CLI) and its HTML report. */

/** A metric value for people: 3 decimals, fewer for large values, "–" for none. */
export function fmt(v: number | undefined | null, digits = 3): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(0) : a >= 100 ? v.toFixed(1) : v.toFixed(digits);
}
