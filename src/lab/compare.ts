import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { FilterlabError } from '../core/errors.js';
import type { RunResults } from './run/results.js';
import { pairedComparison, type PairedComparison } from './stats/summary.js';

export interface RunComparison {
  a: { runId: string; verdict: string; manifestHash: string };
  b: { runId: string; verdict: string; manifestHash: string };
  sameDataset: boolean;
  variants: {
    id: string;
    versionA: string;
    versionB: string;
    verdictA: string;
    verdictB: string;
    metrics: {
      id: string;
      meanA: number;
      meanB: number;
      delta: number;
      paired: PairedComparison | undefined;
    }[];
    gatesChanged: { gate: string; passA: boolean; passB: boolean }[];
  }[];
  onlyInA: string[];
  onlyInB: string[];
}

/** Load a run's results.json from a run folder, a results.json path, or a run id under `runsDir`. */
export async function loadRunResults(ref: string, runsDir = 'runs'): Promise<RunResults> {
  const candidates = [ref, path.join(ref, 'results.json'), path.join(runsDir, ref, 'results.json')];
  for (const c of candidates) {
    const info = await stat(c).catch(() => undefined);
    if (info?.isFile()) return JSON.parse(await readFile(c, 'utf8')) as RunResults;
  }
  throw new FilterlabError(
    'FL_ERR_NOT_FOUND',
    `Expected a run folder, a results.json or a run id in ${runsDir} but found nothing at ${JSON.stringify(ref)}`,
  );
}

/** What changed between two runs: verdicts, version ids, metric means (paired by photo when the photos are the same), gates. */
export function compareRuns(a: RunResults, b: RunResults): RunComparison {
  const idsA = a.variants.map((v) => v.id);
  const idsB = b.variants.map((v) => v.id);
  const metricDefs = b.metrics;
  // The same file name on different photos is not a pair: pair only on the same manifest.
  const sameDataset = a.dataset.manifestHash === b.dataset.manifestHash;
  const variants = idsA
    .filter((id) => idsB.includes(id))
    .map((id) => {
      const va = a.variants.find((v) => v.id === id)!;
      const vb = b.variants.find((v) => v.id === id)!;
      const metrics = metricDefs
        .filter((m) => va.overall[m.id] && vb.overall[m.id])
        .map((m) => {
          const perImage = (r: RunResults) =>
            new Map(
              r.images.flatMap((i) =>
                Number.isFinite(i.variants[id]?.metrics[m.id])
                  ? [[i.file, i.variants[id]!.metrics[m.id]!] as const]
                  : [],
              ),
            );
          const paired = sameDataset
            ? pairedComparison(perImage(b), perImage(a), m.direction)
            : undefined;
          const meanA = va.overall[m.id]!.mean;
          const meanB = vb.overall[m.id]!.mean;
          return {
            id: m.id,
            meanA,
            meanB,
            delta: meanB - meanA,
            paired: paired?.n ? paired : undefined,
          };
        });
      // Gates in both runs only: a gate added or removed has no "before" to change from.
      const gatesChanged = vb.gates.flatMap((g) => {
        const before = va.gates.find((x) => x.label === g.label);
        return before && before.pass !== g.pass
          ? [{ gate: g.label, passA: before.pass, passB: g.pass }]
          : [];
      });
      return {
        id,
        versionA: va.versionId,
        versionB: vb.versionId,
        verdictA: va.verdict,
        verdictB: vb.verdict,
        metrics,
        gatesChanged,
      };
    });
  return {
    a: { runId: a.runId, verdict: a.verdict.decision, manifestHash: a.dataset.manifestHash },
    b: { runId: b.runId, verdict: b.verdict.decision, manifestHash: b.dataset.manifestHash },
    sameDataset,
    variants,
    onlyInA: idsA.filter((id) => !idsB.includes(id)),
    onlyInB: idsB.filter((id) => !idsA.includes(id)),
  };
}
