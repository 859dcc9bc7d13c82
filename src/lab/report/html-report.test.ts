import { describe, expect, it } from 'vitest';
import { createImage } from '../../core/image/image.js';
import { encodeImage } from '../../core/image/encode.js';
import { build, experiment, failed, rows } from '../__fixtures__/scored-run.js';
import type { RunResults } from '../run/results.js';
import { fmt, renderReport, type Thumbnails } from './html-report.js';

/** A real, tiny JPEG per photo and output, as write-run inlines them. */
async function thumbnails(r: RunResults): Promise<Thumbnails> {
  const uri = async (grey: number) => {
    const image = createImage(8, 6, new Float32Array(8 * 6 * 3).fill(grey));
    return `data:image/jpeg;base64,${(await encodeImage(image, { format: 'jpeg' })).toString('base64')}`;
  };
  const thumbs: Thumbnails = { inputs: {}, outputs: {} };
  for (const image of r.images) {
    thumbs.inputs[image.file] = await uri(0.5);
    for (const v of Object.values(image.variants))
      if (v.outputKey) thumbs.outputs[v.outputKey] = await uri(0.7);
  }
  return thumbs;
}

/** Every `src=`/`href=` value and CSS url() in the page. */
function references(html: string): string[] {
  return [
    ...[...html.matchAll(/\b(?:src|href)\s*=\s*["']?([^"'\s>]*)/gi)].map((m) => m[1]!),
    ...[...html.matchAll(/url\(\s*["']?([^"')]*)/gi)].map((m) => m[1]!),
  ];
}

describe('renderReport', () => {
  const e = experiment({
    name: 'Looks <b>&</b> "quotes"',
    description: 'Does it keep people recognisable?',
    gates: [
      { metric: 'identity', per: 'gender', min: 0.8, minCount: 2 },
      { metric: 'identity', gap: 'gender', max: 0.06, minCount: 2 },
    ],
  });
  const withErrors = rows(e, (r) =>
    r.file === 'm3.jpg' && r.variant === 'film-warm[strength=1]'
      ? failed(r, 'FL_ERR_INFERENCE')
      : r,
  );
  const results = build(e, withErrors);

  it('is one self-contained file: no script, stylesheet or image from the network', async () => {
    const html = renderReport(results, await thumbnails(results));
    const refs = references(html);
    expect(refs.length).toBeGreaterThan(20);
    expect(refs.filter((r) => !r.startsWith('data:image/'))).toEqual([]);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|@import/i);
  });

  it('leads with the verdict and the gates of every candidate', async () => {
    const html = renderReport(results, await thumbnails(results));
    expect(results.verdict.decision).toBe('SHIP');
    const verdict = html.indexOf('id="verdict"');
    expect(verdict).toBeGreaterThan(0);
    expect(verdict).toBeLessThan(html.indexOf('id="gates"'));
    expect(html.indexOf('id="gates"')).toBeLessThan(html.indexOf('id="summary"'));
    expect(html).toContain('<div class="decision">SHIP</div>');
    expect(html).toContain('Recommended: <strong>film-warm[strength=0.5]</strong>');
    expect(html).toContain('mean identity for every gender &gt;= 0.8');
    expect(html).toContain('gap in mean identity across gender &lt;= 0.06');
    expect(html).toContain('no filter errors on readable photos');
    // strength=1 fails: men 0.75 < 0.8 (m3 failed, so n=2) and one filter error
    expect(html).toMatch(
      /<tr class="fail"><td>FAIL<\/td><td>mean identity for every gender &gt;= 0.8<\/td><td>0\.750<\/td>/,
    );
    expect(html).toContain('<span class="chip">M: 0.750 (n=2)</span>');
    expect(html).toMatch(
      /<tr class="pass"><td>PASS<\/td><td>gap in mean identity across gender &lt;= 0.06<\/td><td>0\.050<\/td>/,
    );
  });

  it('escapes text from the config and the photos', async () => {
    const html = renderReport(results, await thumbnails(results));
    expect(html).toContain('Looks &lt;b&gt;&amp;&lt;/b&gt; &quot;quotes&quot;');
    expect(html).not.toContain('<b>&</b>');
  });

  it('shows grids input | baseline | candidate, worst identity first', async () => {
    const html = renderReport(results, await thumbnails(results));
    const grids = html.slice(html.indexOf('id="grids"'), html.indexOf('id="images"'));
    const rowsOf = (id: string) => {
      const start = grids.indexOf(`<h3>${id}</h3>`);
      const section = grids.slice(start, grids.indexOf('<h3>', start + 4) >>> 0);
      return [
        ...section.matchAll(
          /<div class="gridrow">(.*?)<\/div><\/figure><\/div>|<div class="gridrow">.*?(?=<div class="gridrow">|$)/gs,
        ),
      ].map((m) => m[0]);
    };
    const first = rowsOf('film-warm[strength=0.5]');
    expect(first).toHaveLength(6);
    // men (0.85) before women (0.9)
    expect(first[0]).toContain('input · m1.jpg');
    expect(first[5]).toContain('input · f3.jpg');
    expect(first[0]!.match(/<img /g)).toHaveLength(3);
    expect(first[0]).toContain('baseline · identity 0.900');
    expect(first[0]).toContain('film-warm · identity 0.850');
    // the failed photo has no output and shows its error code
    const second = rowsOf('film-warm[strength=1]');
    const m3 = second.find((r) => r.includes('m3.jpg'))!;
    expect(m3).toContain('no output');
    expect(m3).toContain('FL_ERR_INFERENCE');
  });

  it('has a drill-down per photo with every variant and metric', async () => {
    const html = renderReport(results, await thumbnails(results));
    const drill = html.slice(html.indexOf('id="images"'), html.indexOf('id="metrics"'));
    expect(drill.match(/<details id="photo-[^"]+">/g)).toHaveLength(6);
    const f1 = drill.slice(
      drill.indexOf('f1.jpg'),
      drill.indexOf('</details>', drill.indexOf('f1.jpg')),
    );
    expect(f1).toContain('gender=F');
    expect(f1.match(/<tr><th>(?!variant)/g)).toHaveLength(3);
    expect(f1).toContain('<td>0.950</td>');
  });

  it('shows per-slice tables, distributions and the metric references', async () => {
    const html = renderReport(results, await thumbnails(results));
    expect(html).toContain('<caption>identity by gender</caption>');
    expect(html).toContain('<figcaption>identity <small>(cosine)</small></figcaption>');
    expect(html).toContain('Wang et al. 2004');
  });

  it('lists the failing gates under a NO-SHIP verdict', async () => {
    const strict = build(experiment({ gates: [{ metric: 'identity', min: 0.99 }] }));
    const html = renderReport(strict, await thumbnails(strict));
    expect(html).toContain('<div class="decision">NO-SHIP</div>');
    expect(html).toContain(
      '<ul class="failing"><li><strong>film-warm[strength=0.5]</strong>: mean identity &gt;= 0.99 (0.875)</li>',
    );
    expect(html).not.toContain('Recommended:');
  });

  it('marks a photo whose input could not be read', async () => {
    const thumbs = await thumbnails(results);
    delete thumbs.inputs['m2.jpg'];
    const html = renderReport(results, thumbs);
    expect(html).toContain('<div class="missing mini">unreadable</div>');
    expect(html).not.toContain('src=""');
  });
});

describe('fmt', () => {
  it('formats by magnitude and shows a dash for no value', () => {
    expect(fmt(0.123456)).toBe('0.123');
    expect(fmt(123.456)).toBe('123.5');
    expect(fmt(12345.6)).toBe('12346');
    expect(fmt(NaN)).toBe('–');
    expect(fmt(undefined)).toBe('–');
    expect(fmt(null)).toBe('–');
  });
});

describe('renderReport: worst cases per portrait metric', () => {
  it('links the worst photos of each portrait metric to their drill-down', async () => {
    const e = experiment({ metrics: ['identity', 'skin_breaks'] });
    const r = build(
      e,
      rows(e, (row) => ({
        ...row,
        metrics: { ...row.metrics, skin_breaks: row.file.startsWith('m') ? 9 : 0.5 },
      })),
    );
    const html = renderReport(r, await thumbnails(r));
    const section = html.slice(
      html.indexOf('<section id="worst">'),
      html.indexOf('</section>', html.indexOf('<section id="worst">')),
    );
    expect(section).toContain('skin_breaks');
    const links = [...section.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    // The worst (highest) skin_breaks are the men's photos, and each link has its target.
    expect(section).toMatch(/href="#photo-m[^"]*">m[^<]*<\/a> 9/);
    for (const id of links) expect(html).toContain(`<details id="${id}">`);
  });
});
