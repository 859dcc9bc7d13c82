/**
 * The sweep as one self-contained HTML page: an inline SVG chart of latency (x) against quality
 * (y, mean SSIM vs the default config) with each point's peak memory as its marker size, the
 * Pareto front drawn as a line, the budget and minimum quality as dashed lines, and a table.
 */
import type { SweepPointResult, SweepReport } from './sweep-report.js';

const W = 760;
const H = 440;
const PAD = { left: 70, right: 30, top: 30, bottom: 50 };

export function paretoHtml(r: SweepReport): string {
  const title = `${r.filter.id}: latency vs quality`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d2330; }
table { border-collapse: collapse; margin-top: 16px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e3e6ec; text-align: right; }
th:nth-child(2), td:nth-child(2) { text-align: left; }
tr.pareto td { background: #eef6ff; }
tr.recommended td { background: #dff5e3; font-weight: 600; }
.muted { color: #6b7280; }
svg text { font: 12px system-ui, sans-serif; fill: #374151; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="muted">${esc(summary(r))}</p>
${chart(r)}
${table(r)}
<p class="muted">Quality: mean SSIM of each point's outputs against the default config's outputs on
${r.options.qualityPhotos} photo(s) of ${esc(r.options.qualitySet)}. Identity: ${esc(r.identity.note)}
Memory: peak RSS sampled while the point compiled and ran (marker area).
Latency: p50 of ${r.options.runs} runs after ${r.options.warmup} warm-up runs.
Machine: ${esc(Object.values(r.machine).join(', '))}. ${esc(r.date)}.</p>
</body>
</html>
`;
}

function summary(r: SweepReport): string {
  const c = r.options.constraints;
  const limits = [
    c.budgetMs !== undefined ? `budget ${c.budgetMs} ms` : '',
    c.minQuality !== undefined ? `SSIM >= ${c.minQuality}` : '',
    c.minIdentity !== undefined ? `identity >= ${c.minIdentity}` : '',
  ].filter(Boolean);
  const rec = r.recommended !== undefined ? r.points[r.recommended] : undefined;
  return (
    `${r.points.length} points; knobs ${r.options.knobs.map((k) => `${k.name}=${k.values.join(',')}`).join(' ')}. ` +
    (rec
      ? `Recommended (fastest meeting ${limits.join(', ') || 'no constraint'}): ${rec.label}.`
      : `No point meets ${limits.join(', ')}.`)
  );
}

function chart(r: SweepReport): string {
  const pts = r.points.filter((p) => p.latency && p.quality);
  if (!pts.length) return '<p>No point ran.</p>';
  const lat = pts.map((p) => p.latency!.p50);
  const q = pts.map((p) => p.quality!.ssim);
  const c = r.options.constraints;
  const xMax = Math.max(...lat, c.budgetMs ?? 0) * 1.1;
  // The y axis spans the points; a minimum quality far below them would flatten them into a line.
  const qLow = Math.min(...q);
  const pad = Math.max(0.0005, (1 - qLow) * 0.15);
  const yMin = qLow - pad;
  const yMax = 1 + pad / 3;
  const x = (v: number) => PAD.left + (v / xMax) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + ((yMax - v) / (yMax - yMin)) * (H - PAD.top - PAD.bottom);
  const mem = pts.map((p) => p.peakRssMb ?? 0);
  const [memLo, memHi] = [Math.min(...mem), Math.max(...mem)];
  const radius = (p: SweepPointResult) =>
    4 + 12 * Math.sqrt(memHi > memLo ? ((p.peakRssMb ?? 0) - memLo) / (memHi - memLo) : 0.5);
  const front = pts.filter((p) => p.pareto).sort((a, b) => a.latency!.p50 - b.latency!.p50);
  const rec = r.recommended !== undefined ? r.points[r.recommended] : undefined;
  const digits = yMax - yMin < 0.01 ? 4 : 3;
  const parts: string[] = [
    `<rect x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="#fafbfc" stroke="#d1d5db"/>`,
    ...ticks(0, xMax).map(
      (t) => `<text x="${x(t)}" y="${H - PAD.bottom + 18}" text-anchor="middle">${fmt(t)}</text>`,
    ),
    ...ticks(yMin, yMax).map(
      (t) =>
        `<text x="${PAD.left - 8}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(digits)}</text>`,
    ),
    `<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 10}" text-anchor="middle">p50 latency (ms)</text>`,
    `<text transform="translate(16 ${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle">quality (SSIM vs default)</text>`,
    `<text x="${W - PAD.right}" y="${PAD.top - 10}" text-anchor="end">marker area: peak RSS ${fmt(memLo)}–${fmt(memHi)} MB</text>`,
  ];
  if (c.budgetMs !== undefined)
    parts.push(
      dashed(x(c.budgetMs), PAD.top, x(c.budgetMs), H - PAD.bottom, `budget ${c.budgetMs} ms`),
    );
  if (c.minQuality !== undefined) {
    parts.push(
      c.minQuality >= yMin
        ? dashed(PAD.left, y(c.minQuality), W - PAD.right, y(c.minQuality), `min ${c.minQuality}`)
        : `<text x="${W - PAD.right - 4}" y="${H - PAD.bottom - 6}" text-anchor="end" style="fill:#dc2626">min ${c.minQuality}: below every point</text>`,
    );
  }
  if (front.length > 1) {
    const path = front.map((p) => `${x(p.latency!.p50)},${y(p.quality!.ssim)}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="#2563eb" stroke-width="2"/>`);
  }
  for (const p of pts) {
    const fill = p.pareto ? '#2563eb' : '#9ca3af';
    const ring = p === rec ? ' stroke="#16a34a" stroke-width="3"' : ' stroke="#fff"';
    parts.push(
      `<circle cx="${x(p.latency!.p50)}" cy="${y(p.quality!.ssim)}" r="${radius(p).toFixed(1)}" fill="${fill}" fill-opacity="0.75"${ring}>` +
        `<title>${esc(p.label)}: p50 ${fmt(p.latency!.p50)} ms, SSIM ${p.quality!.ssim.toFixed(4)}, peak RSS ${fmt(p.peakRssMb ?? 0)} MB</title></circle>`,
    );
  }
  // Markers carry their row number in the table (short labels do not collide); tooltips the rest.
  for (const p of pts) {
    parts.push(
      `<text x="${x(p.latency!.p50)}" y="${y(p.quality!.ssim) - radius(p) - 3}" text-anchor="middle">${r.points.indexOf(p)}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="latency against quality">${parts.join('')}</svg>`;
}

function table(r: SweepReport): string {
  const rows = r.points.map((p, i) => {
    const cls = i === r.recommended ? 'recommended' : p.pareto ? 'pareto' : '';
    const cells = p.error
      ? [`<td colspan="7" class="muted">${esc(p.error)}</td>`]
      : [
          fmt(p.latency!.p50),
          fmt(p.latency!.p95),
          fmt(p.peakRssMb ?? 0),
          p.quality!.ssim.toFixed(4),
          p.quality!.minSsim.toFixed(4),
          p.quality!.identity !== undefined ? p.quality!.identity.toFixed(4) : '–',
          p.pareto ? 'yes' : '',
        ].map((v) => `<td>${v}</td>`);
    return `<tr class="${cls}"><td>${i}</td><td>${esc(p.label)}${i === r.recommended ? ' (recommended)' : ''}</td><td>${p.size}</td>${cells.join('')}</tr>`;
  });
  return `<table><thead><tr><th>#</th><th>point</th><th>size</th><th>p50 ms</th><th>p95 ms</th><th>peak RSS MB</th><th>SSIM</th><th>min SSIM</th><th>identity</th><th>Pareto</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** A limit line; a vertical one is labelled at its foot, clear of the points near the top. */
function dashed(x1: number, y1: number, x2: number, y2: number, text: string): string {
  const [tx, ty] = x1 === x2 ? [x1 - 4, Math.max(y1, y2) - 6] : [Math.max(x1, x2) - 4, y1 + 14];
  return (
    `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#dc2626" stroke-dasharray="5 4"/>` +
    `<text x="${tx}" y="${ty}" text-anchor="end" style="fill:#dc2626">${esc(text)}</text>`
  );
}

function ticks(lo: number, hi: number, n = 5): number[] {
  return Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
