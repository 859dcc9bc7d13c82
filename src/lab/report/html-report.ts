import type { GateResult } from '../gates.js';
import type { ImageResult, RunResults, VariantResults } from '../run/results.js';
import type { Summary } from '../stats/summary.js';
import { histogramSvg, scatterSvg, seriesColor } from './svg.js';

export interface Thumbnails {
  /** file -> data URI */
  inputs: Record<string, string>;
  /** output cache key -> data URI */
  outputs: Record<string, string>;
}

const esc = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export function fmt(v: number | undefined | null, digits = 3): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(0) : a >= 100 ? v.toFixed(1) : v.toFixed(digits);
}

const ci = (s: Summary | undefined) =>
  s && s.n > 1 ? `<div class="ci">[${fmt(s.ci[0])}, ${fmt(s.ci[1])}]</div>` : '';

/** Per-photo cost, not quality: left out of the per-slice views. */
const COST_METRICS = ['latency_ms', 'peak_rss_mb'];

/**
 * One self-contained HTML file (no network: styles, charts and thumbnails are inline), read
 * top to bottom: the verdict and gates first, then tables, charts, image grids (worst first)
 * and a per-photo drill-down.
 */
export function renderReport(r: RunResults, thumbs: Thumbnails): string {
  const candidates = r.variants.filter((v) => !v.isBaseline);
  const baseline = r.variants.find((v) => v.isBaseline);
  const primary =
    r.metrics.find((m) => m.id === 'identity') ??
    r.metrics.find((m) => m.id === 'ssim') ??
    r.metrics[0]!;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(r.name)} — filterlab report</title>
<style>${STYLE}</style></head><body>
<header><h1>${esc(r.name)}</h1>
<p class="meta">Run <code>${esc(r.runId)}</code> · ${esc(r.createdAt)} · ${r.dataset.photos} photos from <code>${esc(r.dataset.root)}</code>
(manifest <code>${esc(r.dataset.manifestHash.slice(0, 12))}</code>) · seeds ${r.seeds.join(', ')}</p>
${r.description ? `<p>${esc(r.description)}</p>` : ''}</header>
<section id="verdict" class="verdict ${r.verdict.decision === 'SHIP' ? 'ship' : 'noship'}">
<div class="decision">${r.verdict.decision}</div><div><p class="reason">${esc(r.verdict.reason)}</p>
${r.verdict.variant ? `<p>Recommended: <strong>${esc(r.verdict.variant)}</strong></p>` : ''}${failingList(r)}</div></section>
<section id="gates"><h2>Gates</h2>${candidates.map(gateTable).join('')}</section>
<section id="summary"><h2>Summary</h2>${summaryTable(r)}</section>
<section id="chart"><h2>Quality vs latency</h2>${qualityLatency(r, primary.id)}</section>
<section id="slices"><h2>Per slice</h2>${r.sliceColumns.map((c) => sliceTables(r, c)).join('')}</section>
<section id="distributions"><h2>Distributions</h2>${legend(r)}<div class="dists">${r.metrics.map((m) => distribution(r, m.id, m.unit)).join('')}</div></section>
<section id="grids"><h2>Image grids (worst ${esc(primary.id)} first)</h2>${candidates.map((c) => grid(r, c, baseline, primary.id, primary.direction, thumbs)).join('')}</section>
${worstCases(r, candidates)}
<section id="images"><h2>Every photo</h2>${drilldown(r, thumbs)}</section>
<section id="metrics"><h2>Metrics</h2><table><tr><th>metric</th><th>unit</th><th>better</th><th>what</th><th>reference</th></tr>
${r.metrics.map((m) => `<tr><td><code>${esc(m.id)}</code></td><td>${esc(m.unit)}</td><td>${m.direction}</td><td>${esc(m.description)}</td><td>${esc(m.reference)}</td></tr>`).join('')}</table></section>
<footer>filterlab · every number here was measured in this run; intervals are 95% percentile bootstrap of the mean (2000 resamples, seeded).</footer>
</body></html>`;
}

function gateTable(v: VariantResults): string {
  if (!v.gates.length) return `<p>${esc(v.id)}: no gates.</p>`;
  const rows = v.gates.map(
    (g) =>
      `<tr class="${g.pass ? 'pass' : 'fail'}"><td>${g.pass ? 'PASS' : 'FAIL'}</td><td>${esc(g.label)}</td><td>${g.gate.metric === 'errors' ? String(g.value) : fmt(g.value)}</td><td>${gateSlices(g)}${g.note ? ` <em>${esc(g.note)}</em>` : ''}</td></tr>`,
  );
  return `<h3>${esc(v.id)} <span class="badge ${v.verdict === 'SHIP' ? 'ship' : 'noship'}">${v.verdict}</span> <code class="vid">${esc(v.versionId)}</code></h3>
<table class="gates"><tr><th></th><th>gate</th><th>value</th><th>slices</th></tr>${rows.join('')}</table>`;
}

function gateSlices(g: GateResult): string {
  return (g.slices ?? [])
    .map(
      (s) =>
        `<span class="chip${s.gated ? '' : ' muted'}">${esc(s.slice)}: ${fmt(s.value)} (n=${s.n})</span>`,
    )
    .join(' ');
}

function summaryTable(r: RunResults): string {
  const head = r.metrics
    .map((m) => `<th>${esc(m.id)}<br><small>${esc(m.unit)}</small></th>`)
    .join('');
  const rows = r.variants.map((v) => {
    const cells = r.metrics.map((m) => {
      const s = v.overall[m.id];
      const d = v.vsBaseline[m.id];
      const delta =
        d && d.n
          ? `<div class="delta">Δ ${fmt(d.meanDiff)} <span class="ci">[${fmt(d.ci[0])}, ${fmt(d.ci[1])}]</span></div>`
          : '';
      return `<td><div>${fmt(s?.mean)}</div>${ci(s)}${delta}</td>`;
    });
    const outcomes = `${v.outcomes.ok} ok${v.outcomes.no_face ? `, ${v.outcomes.no_face} no face` : ''}${v.outcomes.error ? `, ${v.outcomes.error} errors` : ''}`;
    return `<tr><th>${esc(v.id)}${v.isBaseline ? ' <span class="badge">baseline</span>' : ''}<br><small>${outcomes}</small></th>${cells.join('')}</tr>`;
  });
  return `<div class="scroll"><table class="summary"><tr><th>variant</th>${head}</tr>${rows.join('')}</table></div>
<p class="note">Mean [95% CI]; Δ is the paired difference from the baseline on the same photos.</p>${worstTable(r)}`;
}

/** Per candidate and metric, the slice (of 3 or more photos) where it does worst. */
function worstTable(r: RunResults): string {
  const metrics = r.metrics.filter(
    (m) =>
      !COST_METRICS.includes(m.id) && r.variants.some((v) => !v.isBaseline && v.worstSlice[m.id]),
  );
  if (!metrics.length) return '';
  const rows = r.variants
    .filter((v) => !v.isBaseline)
    .map((v) => {
      const cells = metrics.map((m) => {
        const w = v.worstSlice[m.id];
        return w
          ? `<td>${esc(w.column)}=<strong>${esc(w.slice)}</strong> ${fmt(w.mean)} <small>n=${w.n}</small></td>`
          : '<td>–</td>';
      });
      return `<tr><th>${esc(v.id)}</th>${cells.join('')}</tr>`;
    });
  return `<h3>Worst slice</h3><div class="scroll"><table class="summary"><tr><th>variant</th>${metrics.map((m) => `<th>${esc(m.id)}</th>`).join('')}</tr>${rows.join('')}</table></div>`;
}

function failingList(r: RunResults): string {
  if (r.verdict.decision === 'SHIP' || !r.verdict.failing.length) return '';
  const shown = r.verdict.failing.slice(0, 8);
  const more = r.verdict.failing.length - shown.length;
  return `<ul class="failing">${shown.map((f) => `<li><strong>${esc(f.variant)}</strong>: ${esc(f.gate)} (${fmt(f.value)})</li>`).join('')}${more > 0 ? `<li>… and ${more} more in the gates below</li>` : ''}</ul>`;
}

/** One legend for every distribution, in the histograms' colours, with the full variant names. */
function legend(r: RunResults): string {
  return `<p class="legend">${r.variants.map((v, i) => `<span><i style="background:${seriesColor(i)}"></i>${esc(v.id)}</span>`).join('')}</p>`;
}

function sliceTables(r: RunResults, column: string): string {
  const values = [...new Set(r.variants.flatMap((v) => Object.keys(v.slices[column] ?? {})))];
  const tables = r.metrics
    .filter((m) => !COST_METRICS.includes(m.id))
    .map((m) => {
      const rows = r.variants.map((v) => {
        const worst = v.worstSlice[m.id];
        const cells = values.map((val) => {
          const s = v.slices[column]?.[val]?.[m.id];
          const isWorst = worst && worst.column === column && worst.slice === val;
          return `<td class="${isWorst ? 'worst' : ''}">${fmt(s?.mean)} <small>n=${s?.n ?? 0}</small></td>`;
        });
        return `<tr><th>${esc(v.id)}</th>${cells.join('')}</tr>`;
      });
      return `<table class="slice"><caption>${esc(m.id)} by ${esc(column)}</caption><tr><th></th>${values.map((v) => `<th>${esc(v)}</th>`).join('')}</tr>${rows.join('')}</table>`;
    });
  return `<h3>${esc(column)}</h3><div class="slicegrid">${tables.join('')}</div>`;
}

function qualityLatency(r: RunResults, quality: string): string {
  const points = r.variants.map((v) => ({
    label: v.id,
    x: v.overall['latency_ms']?.median ?? NaN,
    y: v.overall[quality]?.mean ?? NaN,
    highlight: v.id === r.verdict.variant,
    muted: v.isBaseline,
  }));
  if (!points.some((p) => Number.isFinite(p.x) && Number.isFinite(p.y)))
    return '<p>Needs the latency_ms metric and a quality metric.</p>';
  return scatterSvg(points, { x: 'median latency (ms)', y: `mean ${quality}` });
}

function distribution(r: RunResults, metric: string, unit: string): string {
  const series = r.variants.map((v) => ({
    label: v.id,
    values: r.images
      .map((i) => i.variants[v.id]?.metrics[metric])
      .filter((x): x is number => x !== undefined && x !== null && Number.isFinite(x)),
  }));
  if (!series.some((s) => s.values.length)) return '';
  return `<figure><figcaption>${esc(metric)} <small>(${esc(unit)})</small></figcaption>${histogramSvg(series, { legend: false })}</figure>`;
}

function grid(
  r: RunResults,
  c: VariantResults,
  baseline: VariantResults | undefined,
  metric: string,
  direction: string,
  thumbs: Thumbnails,
): string {
  const score = (i: ImageResult) => i.variants[c.id]?.metrics[metric];
  const rows = r.images
    .filter((i) => i.variants[c.id])
    .sort((a, b) => {
      const sa = score(a) ?? Infinity;
      const sb = score(b) ?? Infinity;
      return direction === 'lower' ? sb - sa : sa - sb;
    })
    .slice(0, 24);
  const cell = (uri: string | undefined, caption: string) =>
    `<figure>${uri ? `<img src="${uri}" alt="${esc(caption)}">` : '<div class="missing">no output</div>'}<figcaption>${caption}</figcaption></figure>`;
  return `<h3>${esc(c.id)}</h3><div class="grid">${rows
    .map((i) => {
      const mine = i.variants[c.id]!;
      const base = baseline ? i.variants[baseline.id] : undefined;
      return `<div class="gridrow">${cell(thumbs.inputs[i.file], `input · ${esc(i.file)}`)}${base ? cell(base.outputKey ? thumbs.outputs[base.outputKey] : undefined, `baseline · ${esc(metric)} ${fmt(base.metrics[metric])}`) : ''}${cell(mine.outputKey ? thumbs.outputs[mine.outputKey] : undefined, `${esc(c.label)} · ${esc(metric)} ${fmt(mine.metrics[metric])}${mine.error ? ` · ${esc(mine.error.code)}` : ''}`)}</div>`;
    })
    .join('')}</div>`;
}

/** The portrait metrics a person sees (issue 12), whose worst photos the report links. */
const PORTRAIT_METRICS = [
  'person_skin_delta_e',
  'person_skin_delta_h',
  'person_skin_chroma',
  'person_skin_delta_l',
  'tone_gap_delta_l',
  'edge_halo',
  'skin_breaks',
];
const WORST_LINKS = 3;

const photoAnchor = (file: string) => `photo-${file.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** Per candidate and portrait metric, links to its worst photos in the drill-down. */
function worstCases(r: RunResults, candidates: VariantResults[]): string {
  const metrics = r.metrics.filter((m) => PORTRAIT_METRICS.includes(m.id));
  if (!metrics.length) return '';
  const badness = (v: number, direction: string) =>
    direction === 'higher' ? -v : direction === 'lower' ? v : Math.abs(v);
  const rows = candidates.flatMap((c) =>
    metrics.map((m) => {
      const worst = r.images
        .map((i) => ({ file: i.file, v: i.variants[c.id]?.metrics[m.id] }))
        .filter((x): x is { file: string; v: number } => x.v !== undefined && Number.isFinite(x.v))
        .sort((a, b) => badness(b.v, m.direction) - badness(a.v, m.direction))
        .slice(0, WORST_LINKS)
        .map((x) => `<a href="#${photoAnchor(x.file)}">${esc(x.file)}</a> ${fmt(x.v)}`);
      return `<tr><td>${esc(c.id)}</td><td>${esc(m.id)}</td><td>${worst.join(' · ') || '—'}</td></tr>`;
    }),
  );
  return `<section id="worst"><h2>Worst cases per portrait metric</h2>
<table><tr><th>variant</th><th>metric</th><th>worst photos (open in "Every photo")</th></tr>${rows.join('')}</table></section>`;
}

function drilldown(r: RunResults, thumbs: Thumbnails): string {
  return r.images
    .map((i) => {
      const tags = Object.entries(i.slices)
        .map(([k, v]) => `<span class="chip">${esc(k)}=${esc(v)}</span>`)
        .join(' ');
      const rows = r.variants.map((v) => {
        const row = i.variants[v.id];
        if (!row) return '';
        const metrics = r.metrics.map((m) => `<td>${fmt(row.metrics[m.id])}</td>`).join('');
        const uri = row.outputKey ? thumbs.outputs[row.outputKey] : undefined;
        return `<tr><th>${esc(v.id)}</th><td>${uri ? `<img class="mini" src="${uri}" alt="">` : esc(row.error?.code ?? row.outcome)}</td>${metrics}</tr>`;
      });
      const input = thumbs.inputs[i.file];
      return `<details id="${photoAnchor(i.file)}"><summary>${esc(i.file)} ${tags}</summary><div class="drill">${input ? `<img class="mini" src="${input}" alt="input">` : '<div class="missing mini">unreadable</div>'}
<table><tr><th>variant</th><th>output</th>${r.metrics.map((m) => `<th>${esc(m.id)}</th>`).join('')}</tr>${rows.join('')}</table></div></details>`;
    })
    .join('');
}

const STYLE = `
:root{--fg:#1b1d23;--muted:#667085;--line:#e4e7ec;--ship:#0a7d4f;--noship:#c0262d;--accent:#5b4be1;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif}
body{margin:0 auto;max-width:1200px;padding:24px;color:var(--fg);line-height:1.45}
h1{margin:0 0 4px}h2{margin-top:36px;border-bottom:1px solid var(--line);padding-bottom:6px}
.meta,.note,footer{color:var(--muted);font-size:14px}
.verdict{display:flex;gap:24px;align-items:center;border-radius:14px;padding:18px 24px;margin-top:18px}
.verdict.ship{background:#e7f6ee;border:2px solid var(--ship)}.verdict.noship{background:#fdecec;border:2px solid var(--noship)}
.decision{font-size:40px;font-weight:800;letter-spacing:1px}.ship .decision{color:var(--ship)}.noship .decision{color:var(--noship)}
.reason{font-size:18px;margin:0}
table{border-collapse:collapse;margin:8px 0 16px;font-size:14px}th,td{border:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f7f8fa}tr.pass td:first-child{color:var(--ship);font-weight:700}tr.fail td:first-child{color:var(--noship);font-weight:700}
tr.fail{background:#fff6f6}.ci{color:var(--muted);font-size:12px;white-space:nowrap}.delta{font-size:12px;color:var(--accent)}.scroll{overflow-x:auto}
.badge{font-size:12px;padding:2px 8px;border-radius:10px;background:#eef;color:#334}.badge.ship{background:var(--ship);color:#fff}.badge.noship{background:var(--noship);color:#fff}
.chip{display:inline-block;font-size:12px;background:#f2f4f7;border-radius:8px;padding:1px 6px;margin:1px}.chip.muted{opacity:.5}
.vid{font-size:12px;color:var(--muted)}td.worst{background:#fff1e6;font-weight:600}
.slicegrid{display:flex;flex-wrap:wrap;gap:12px}caption{text-align:left;font-weight:600;padding:4px 0}
.dists{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:12px}figure{margin:0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:10px 24px}
.gridrow{display:flex;gap:8px;padding:8px;border:1px solid var(--line);border-radius:10px}.gridrow figure{flex:1;min-width:0}
.gridrow img{width:100%;max-width:192px;border-radius:6px;display:block}.gridrow figcaption{font-size:12px;color:var(--muted);overflow-wrap:anywhere}
.missing{width:100%;max-width:192px;aspect-ratio:4/5;background:#f2f4f7;display:grid;place-items:center;border-radius:6px;color:var(--muted)}
.missing.mini{width:96px;height:96px;aspect-ratio:auto}
table.summary{width:100%}table.summary th:first-child{white-space:nowrap}.failing{margin:6px 0 0;padding-left:20px}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:13px}.legend i{display:inline-block;width:14px;height:4px;margin-right:6px;vertical-align:middle;border-radius:2px}
details{border:1px solid var(--line);border-radius:8px;margin:6px 0;padding:6px 10px}summary{cursor:pointer}
.drill{display:flex;gap:12px;align-items:flex-start;flex-wrap:wrap;margin-top:8px}img.mini{width:96px;border-radius:6px}
svg text{font-size:11px;fill:#475467}code{background:#f2f4f7;padding:1px 4px;border-radius:4px}
`;
