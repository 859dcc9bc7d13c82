/**
 * Per-style verdict of an examples/ai-styles.yaml run, as the markdown table in README.md: of
 * each filter's settings that pass every gate, the most stylised (lowest mean SSIM to the
 * photo), since a style that passes the safety gates should show; a style none of whose
 * settings passes is not shipped, and the gates its closest setting failed are listed.
 *
 *   npx tsx scripts/style-verdict.ts runs/<run-id>/results.json
 */
import { readFile } from 'node:fs/promises';
import type { RunResults, VariantResults } from '../src/lab/run/results.js';

const file = process.argv[2];
if (!file) throw new Error('usage: style-verdict.ts <results.json>');
const results = JSON.parse(await readFile(file, 'utf8')) as RunResults;

const byFilter = new Map<string, VariantResults[]>();
for (const v of results.variants) byFilter.set(v.filter, [...(byFilter.get(v.filter) ?? []), v]);

const fmt = (n: number | undefined, digits = 3) => (n === undefined ? '–' : n.toFixed(digits));
const mean = (v: VariantResults, metric: string) => v.overall[metric]?.mean;
const worst = (v: VariantResults, metric: string) => {
  const w = v.worstSlice[metric];
  return w ? `${w.column}=${w.slice} ${fmt(w.mean, 2)}` : '–';
};

console.log(
  '| style | verdict | strength | keep | SSIM | identity | worst identity slice | skin ΔE | worst ΔE slice | skin ΔL* | gates failed (best setting) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [filter, variants] of byFilter) {
  const passing = variants.filter((v) => v.verdict === 'SHIP');
  const byIdentity = (a: VariantResults, b: VariantResults) =>
    (mean(b, 'identity') ?? -1) - (mean(a, 'identity') ?? -1);
  const byStyle = (a: VariantResults, b: VariantResults) =>
    (mean(a, 'ssim') ?? 1) - (mean(b, 'ssim') ?? 1);
  const fewestFailures = (v: VariantResults) => v.gates.filter((g) => !g.pass).length;
  const pick = passing.length
    ? [...passing].sort(byStyle)[0]!
    : [...variants].sort((a, b) => fewestFailures(a) - fewestFailures(b) || byIdentity(a, b))[0]!;
  const failed = pick.gates
    .filter((g) => !g.pass)
    .map((g) => `${g.label}: ${fmt(g.value, 2)}`)
    .join('; ');
  console.log(
    `| ${filter} | ${passing.length ? `SHIP (${passing.length}/${variants.length} settings pass)` : 'NO-SHIP'} | ${String(pick.params.strength ?? 'default')} | ${String(pick.params.keep ?? 'default')} | ${fmt(mean(pick, 'ssim'), 2)} | ${fmt(mean(pick, 'identity'))} | ${worst(pick, 'identity')} | ${fmt(mean(pick, 'skin_delta_e'), 2)} | ${worst(pick, 'skin_delta_e')} | ${fmt(mean(pick, 'skin_delta_l'), 2)} | ${failed || '–'} |`,
  );
}
