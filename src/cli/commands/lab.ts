import type { Command } from 'commander';
import { createContext, disposeContext } from '../../core/context.js';
import { sharedFaceModels } from '../../core/faces/shared.js';
import { readImage } from '../../core/image/decode.js';
import { ciede2000 } from '../../lab/metrics/ciede2000.js';
import { compareRuns, loadRunResults } from '../../lab/compare.js';
import { AUTOTAG_COLUMNS, computeAutoTags } from '../../lab/dataset/autotags.js';
import { loadDataset } from '../../lab/dataset/dataset.js';
import { loadExperiment } from '../../lab/experiment.js';
import { PairAnalysis } from '../../lab/analysis.js';
import { psnr } from '../../lab/metrics/psnr.js';
import { sharpness } from '../../lab/metrics/sharpness.js';
import { skinShift } from '../../lab/metrics/skin-shift.js';
import { ssim } from '../../lab/metrics/ssim.js';
import { fmt } from '../../lab/report/html-report.js';
import { writeContactSheet } from '../../lab/report/contact-sheet.js';
import { runExperiment } from '../../lab/run/runner.js';
import { FilterlabError } from '../../core/errors.js';
import { resizeImage } from '../../core/image/resize.js';
import { EXIT } from '../exit-codes.js';
import { openQueue, openStore } from '../../serve/backends.js';
import { configFromEnv, parseServerConfig } from '../../serve/config.js';
import { QueueLabExecutor } from '../../serve/lab-executor.js';
import type { Io } from '../io.js';
import { ProgressBar } from '../progress.js';

export function registerLab(program: Command, io: Io): void {
  const evalCmd = program
    .command('eval')
    .description('Validate filters on your photos: run, score, gate, report; `eval compare A B`');
  evalCmd
    .command('run', { isDefault: true })
    .description('Run an experiment (the default: `filterlab eval experiment.yaml`)')
    .argument('<experiment.yaml>')
    .option('-o, --out <dir>', 'runs folder (database, cache, one folder per run)', 'runs')
    .option('--fresh', 'start a new run instead of resuming an unfinished one', false)
    .option(
      '--queue <url>',
      "shard the filter runs over this queue's workers (redis://… or sqlite with --data)",
    )
    .option(
      '--storage <url>',
      'blob store the workers use (s3://bucket/prefix or local with --data)',
    )
    .option('--data <dir>', 'server data folder (for the sqlite queue and local storage)')
    .option('--json', 'print the verdict as JSON', false)
    .option('--no-progress', 'no progress bar')
    .option('--contact-sheet <file.png>', 'also write input | each filter for up to 12 photos')
    .action(
      async (
        file: string,
        flags: {
          out: string;
          fresh: boolean;
          json: boolean;
          progress: boolean;
          queue?: string;
          storage?: string;
          data?: string;
          contactSheet?: string;
        },
      ) => {
        const loaded = await loadExperiment(file);
        if (flags.contactSheet)
          io.err(`contact sheet: ${(await writeContactSheet(loaded, flags.contactSheet)).index}`);
        let bar: ProgressBar | undefined;
        let phase = '';
        const sharded = Boolean(flags.queue ?? flags.storage ?? flags.data);
        const result = await runExperiment(loaded, {
          outDir: flags.out,
          fresh: flags.fresh,
          ...(sharded ? { executor: await queueExecutor(flags) } : {}),
          onProgress: (p) => {
            if (p.phase !== phase) {
              bar?.finish();
              phase = p.phase;
              bar =
                p.phase === 'reporting'
                  ? undefined
                  : new ProgressBar(
                      p.total,
                      p.phase,
                      process.stderr,
                      flags.progress && !flags.json,
                      p.done,
                    );
            }
            bar?.update(p.done);
          },
        });
        bar?.finish();
        const v = result.results.verdict;
        if (result.resumed)
          io.err(`resumed run ${result.run.id}: ${result.skipped} results were already scored`);
        if (result.reused)
          io.err(
            `${result.reused} filter output${result.reused === 1 ? '' : 's'} reused from the cache`,
          );
        if (flags.json) {
          io.out(
            JSON.stringify(
              {
                runId: result.run.id,
                resumed: result.resumed,
                skipped: result.skipped,
                reused: result.reused,
                verdict: v.decision,
                variant: v.variant ?? null,
                reason: v.reason,
                failing: v.failing,
                report: result.reportPath,
                results: result.resultsPath,
              },
              null,
              2,
            ),
          );
        } else {
          io.out(`${v.decision}: ${v.reason}`);
          for (const f of v.failing)
            io.out(`  FAIL ${f.variant}: ${f.gate} (value ${fmt(f.value)})`);
          io.out(`report: ${result.reportPath}`);
        }
        io.exitCode = v.decision === 'SHIP' ? EXIT.OK : EXIT.GATE_FAILED;
      },
    );

  evalCmd
    .command('compare')
    .description('What changed between two lab runs (run folders, results.json files or run ids)')
    .argument('<runA>')
    .argument('<runB>')
    .option('--runs <dir>', 'runs folder for run ids', 'runs')
    .option('--json', 'JSON output', false)
    .action(async (a: string, b: string, flags: { runs: string; json: boolean }) =>
      printComparison(io, a, b, flags),
    );

  const dataset = program
    .command('dataset')
    .description('Datasets: a folder of photos plus optional labels');
  dataset
    .command('info')
    .argument('<dir>')
    .option(
      '--tags',
      'compute auto-tags (faces, light, orientation, estimated age band and gender)',
      false,
    )
    .option('--cache <dir>', 'where auto-tags are cached', 'runs/.cache')
    .option('--json', 'JSON output', false)
    .action(async (dir: string, flags: { tags: boolean; cache: string; json: boolean }) => {
      const ds = await loadDataset(dir);
      const ctx = createContext();
      try {
        if (flags.tags) {
          const tags = await computeAutoTags(ds.items, await sharedFaceModels(ctx), flags.cache);
          for (const item of ds.items) Object.assign(item.labels, tags.get(item.file));
        }
      } finally {
        await disposeContext(ctx);
      }
      const columns = [...ds.columns, ...(flags.tags ? AUTOTAG_COLUMNS : [])].filter(
        (c) => !['source', 'license', 'note', 'photo_date'].includes(c),
      );
      const counts: Record<string, Record<string, number>> = {};
      for (const c of columns) {
        counts[c] = {};
        for (const item of ds.items) {
          const v = item.labels[c] || '(none)';
          counts[c][v] = (counts[c][v] ?? 0) + 1;
        }
      }
      if (flags.json) {
        io.out(
          JSON.stringify(
            {
              root: ds.root,
              photos: ds.items.length,
              manifestHash: ds.manifestHash,
              missing: ds.missing,
              columns,
              counts,
            },
            null,
            2,
          ),
        );
        return;
      }
      io.out(
        `${ds.root}: ${ds.items.length} photos, manifest ${ds.manifestHash.slice(0, 16)}${ds.missing.length ? `, ${ds.missing.length} labelled files missing` : ''}`,
      );
      for (const c of columns) {
        const entries = Object.entries(counts[c]!).sort((x, y) => y[1] - x[1]);
        if (entries.length > 12) io.out(`  ${c}: ${entries.length} distinct values`);
        else io.out(`  ${c}: ${entries.map(([k, n]) => `${k} ${n}`).join(', ')}`);
      }
    });

  const metrics = program
    .command('metrics')
    .description('Single-pair metrics, for people and scripts');
  metrics
    .command('ssim')
    .argument('<a>')
    .argument('<b>')
    .option('--json', 'JSON output', false)
    .action(async (a: string, b: string, flags: { json: boolean }) => {
      const [x, y] = await samePair(a, b);
      const value = ssim(x, y).ssim;
      const p = psnr(x, y);
      io.out(
        flags.json
          ? JSON.stringify({
              ssim: value,
              psnr: Number.isFinite(p.psnr) ? p.psnr : null,
              mse: p.mse,
            })
          : String(value),
      );
    });
  metrics
    .command('skin-shift')
    .argument('<before>')
    .argument('<after>')
    .option('--json', 'JSON output', false)
    .action(async (a: string, b: string, flags: { json: boolean }) => {
      const [x, y] = await samePair(a, b);
      const ctx = createContext();
      try {
        const pair = new PairAnalysis(x, y, await sharedFaceModels(ctx));
        const skin = await pair.skin();
        if (!skin)
          throw new FilterlabError(
            'FL_ERR_NO_FACE',
            `Expected a face in ${a} to measure skin tone but found none`,
          );
        const s = skinShift(x, y, skin);
        const out = {
          deltaE: s.deltaE,
          deltaL: s.deltaL,
          skinPixels: Math.round(s.pixels),
          faces: (await pair.inputFaces()).length,
          sharpnessRatio: sharpness(y) / sharpness(x),
        };
        io.out(
          flags.json
            ? JSON.stringify(out)
            : `ΔE00 ${fmt(s.deltaE)}  ΔL* ${fmt(s.deltaL)}  (${out.skinPixels} skin pixels)`,
        );
      } finally {
        await disposeContext(ctx);
      }
    });
  metrics
    .command('ciede2000')
    .description('CIEDE2000 colour difference of two CIELAB colours')
    .arguments('<L1> <a1> <b1> <L2> <a2> <b2>')
    .action((...args: unknown[]) => {
      const nums = args.slice(0, 6).map(Number);
      if (nums.some((n) => !Number.isFinite(n))) {
        throw new FilterlabError(
          'FL_ERR_INVALID_ARGUMENT',
          `Expected six numbers L1 a1 b1 L2 a2 b2 but received ${args.slice(0, 6).join(' ')}`,
        );
      }
      io.out(String(ciede2000([nums[0]!, nums[1]!, nums[2]!], [nums[3]!, nums[4]!, nums[5]!])));
    });
}

async function queueExecutor(flags: {
  queue?: string;
  storage?: string;
  data?: string;
}): Promise<QueueLabExecutor> {
  const config = parseServerConfig({
    ...configFromEnv(),
    ...(flags.queue ? { queue: flags.queue } : {}),
    ...(flags.storage ? { storage: flags.storage } : {}),
    ...(flags.data ? { dataDir: flags.data } : {}),
  });
  return new QueueLabExecutor(await openQueue(config), await openStore(config));
}

async function samePair(a: string, b: string) {
  const [x, y] = await Promise.all([readImage(a), readImage(b)]);
  if (x.image.width === y.image.width && x.image.height === y.image.height)
    return [x.image, y.image] as const;
  return [x.image, resizeImage(y.image, x.image.width, x.image.height)] as const;
}

async function printComparison(
  io: Io,
  a: string,
  b: string,
  flags: { runs: string; json: boolean },
): Promise<void> {
  const cmp = compareRuns(await loadRunResults(a, flags.runs), await loadRunResults(b, flags.runs));
  if (flags.json) {
    io.out(JSON.stringify(cmp, null, 2));
    return;
  }
  io.out(
    `${cmp.a.runId} (${cmp.a.verdict}) -> ${cmp.b.runId} (${cmp.b.verdict})${cmp.sameDataset ? '' : '  [different photos: means are not paired]'}`,
  );
  for (const v of cmp.variants) {
    const version =
      v.versionA === v.versionB ? 'same version' : `version ${v.versionA} -> ${v.versionB}`;
    io.out(`${v.id}: ${v.verdictA} -> ${v.verdictB}, ${version}`);
    for (const m of v.metrics) {
      const paired = m.paired
        ? ` paired Δ ${fmt(m.paired.meanDiff)} [${fmt(m.paired.ci[0])}, ${fmt(m.paired.ci[1])}] n=${m.paired.n}`
        : '';
      io.out(
        `  ${m.id.padEnd(14)} ${fmt(m.meanA)} -> ${fmt(m.meanB)} (Δ ${fmt(m.delta)})${paired}`,
      );
    }
    for (const g of v.gatesChanged)
      io.out(`  gate ${g.passB ? 'now passes' : 'now FAILS'}: ${g.gate}`);
  }
  if (cmp.onlyInA.length) io.out(`only in A: ${cmp.onlyInA.join(', ')}`);
  if (cmp.onlyInB.length) io.out(`only in B: ${cmp.onlyInB.join(', ')}`);
}
