/** Small inline SVG charts for self-contained reports (no scripts, no network). */

const COLORS = [
  '#5b4be1',
  '#e07a1f',
  '#0a7d4f',
  '#c0262d',
  '#2b8ac9',
  '#8a5a9c',
  '#7a7a2a',
  '#d14d8a',
];

/** The colour of the i-th series in every chart (reports use it for HTML legends). */
export function seriesColor(i: number): string {
  return COLORS[i % COLORS.length]!;
}

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function extent(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (lo === hi) return [lo - (Math.abs(lo) * 0.05 || 1), hi + (Math.abs(hi) * 0.05 || 1)];
  const pad = (hi - lo) * 0.08;
  return [lo - pad, hi + pad];
}

function tick(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

export interface ScatterPoint {
  label: string;
  x: number;
  y: number;
  highlight?: boolean;
  muted?: boolean;
  /** Marker radius in px (e.g. memory); default 6. */
  r?: number;
}

/** Labelled scatter plot with axes, e.g. quality vs latency per variant. */
export function scatterSvg(
  points: ScatterPoint[],
  axes: { x: string; y: string },
  size = { w: 640, h: 360 },
): string {
  const pts = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const [x0, x1] = extent(pts.map((p) => p.x));
  const [y0, y1] = extent(pts.map((p) => p.y));
  const m = { l: 64, r: 20, t: 16, b: 44 };
  const X = (v: number) => m.l + ((v - x0) / (x1 - x0)) * (size.w - m.l - m.r);
  const Y = (v: number) => size.h - m.b - ((v - y0) / (y1 - y0)) * (size.h - m.t - m.b);
  const ticks = (lo: number, hi: number) =>
    Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * i) / 4);
  const grid = [
    ...ticks(x0, x1).map(
      (v) =>
        `<line x1="${X(v)}" x2="${X(v)}" y1="${m.t}" y2="${size.h - m.b}" stroke="#eee"/><text x="${X(v)}" y="${size.h - m.b + 16}" text-anchor="middle">${tick(v)}</text>`,
    ),
    ...ticks(y0, y1).map(
      (v) =>
        `<line x1="${m.l}" x2="${size.w - m.r}" y1="${Y(v)}" y2="${Y(v)}" stroke="#eee"/><text x="${m.l - 6}" y="${Y(v) + 4}" text-anchor="end">${tick(v)}</text>`,
    ),
  ];
  const dots = pts.map(
    (p, i) =>
      `<circle cx="${X(p.x)}" cy="${Y(p.y)}" r="${p.r ?? 6}" fill="${p.muted ? '#98a2b3' : COLORS[i % COLORS.length]}" stroke="${p.highlight ? '#111' : 'none'}" stroke-width="2" opacity="0.85"><title>${esc(p.label)}: ${tick(p.x)}, ${tick(p.y)}</title></circle>` +
      // labels of points in the right half go to their left, so they stay inside the chart
      (X(p.x) > size.w / 2
        ? `<text x="${X(p.x) - 9}" y="${Y(p.y) - 8}" text-anchor="end">${esc(p.label)}</text>`
        : `<text x="${X(p.x) + 9}" y="${Y(p.y) - 8}">${esc(p.label)}</text>`),
  );
  return `<svg viewBox="0 0 ${size.w} ${size.h}" width="100%" style="max-width:${size.w}px" role="img" aria-label="${esc(axes.y)} vs ${esc(axes.x)}">
${grid.join('')}<line x1="${m.l}" x2="${size.w - m.r}" y1="${size.h - m.b}" y2="${size.h - m.b}" stroke="#999"/><line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${size.h - m.b}" stroke="#999"/>
<text x="${(m.l + size.w - m.r) / 2}" y="${size.h - 6}" text-anchor="middle">${esc(axes.x)}</text>
<text transform="translate(14 ${(m.t + size.h - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(axes.y)}</text>${dots.join('')}</svg>`;
}

/** Overlaid step histograms, one per series, on shared bins. */
export function histogramSvg(
  series: { label: string; values: number[] }[],
  options: { size?: { w: number; h: number }; bins?: number; legend?: boolean } = {},
): string {
  const size = options.size ?? { w: 340, h: options.legend === false ? 120 : 150 };
  const bins = options.bins ?? 16;
  const all = series.flatMap((s) => s.values);
  const [lo, hi] = extent(all);
  const m = { l: 30, r: 8, t: 8, b: options.legend === false ? 18 : 40 };
  const width = (hi - lo) / bins;
  const counts = series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s.values) c[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]!++;
    return c.map((n) => n / Math.max(1, s.values.length));
  });
  const top = Math.max(1e-9, ...counts.flat());
  const X = (i: number) => m.l + (i / bins) * (size.w - m.l - m.r);
  const Y = (f: number) => size.h - m.b - (f / top) * (size.h - m.t - m.b);
  const paths = counts.map((c, si) => {
    let d = `M${X(0)},${Y(0)}`;
    c.forEach((f, i) => (d += ` L${X(i)},${Y(f)} L${X(i + 1)},${Y(f)}`));
    d += ` L${X(bins)},${Y(0)}`;
    return `<path d="${d}" fill="none" stroke="${COLORS[si % COLORS.length]}" stroke-width="1.8"/>`;
  });
  const legend = (options.legend === false ? [] : series).map(
    (s, i) =>
      `<text x="${m.l + (i % 3) * 105}" y="${size.h - 6 - Math.floor(i / 3) * 12}" fill="${COLORS[i % COLORS.length]}">■ ${esc(s.label.slice(0, 16))}</text>`,
  );
  return `<svg viewBox="0 0 ${size.w} ${size.h}" width="100%" role="img" aria-label="distribution">
<line x1="${m.l}" x2="${size.w - m.r}" y1="${size.h - m.b}" y2="${size.h - m.b}" stroke="#999"/>
<text x="${m.l}" y="${size.h - m.b + 13}">${tick(lo)}</text><text x="${size.w - m.r}" y="${size.h - m.b + 13}" text-anchor="end">${tick(hi)}</text>
${paths.join('')}${legend.join('')}</svg>`;
}
