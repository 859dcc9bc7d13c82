import path from 'node:path';
import type { Command } from 'commander';
import { compareRuns, loadRunResults } from '../../lab/compare.js';
import { loadExperiment } from '../../lab/experiment.js';
import { fmt } from '../../lab/format.js';
import { writeContactSheet } from '../../lab/report/contact-sheet.js';
import { runExperiment } from '../../lab/run/runner.js';
import { openQueue, openStore } from '../../serve/backends.js';
import { configFromEnv, parseServerConfig } from '../../serve/config.js';
import { QueueLabExecutor } from '../../serve/lab-executor.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import { ProgressBar } from '../progress.js';

/** `filterlab eval <experiment.yaml>` and `filterlab eval compare A B`. */
export function registerEval(program: Command, io: Io): void {
  const evalCmd = program
    .command('eval')
    .description('Validate filters on your photos: run, score, gate, report; `eval compare A B`');
  evalCmd
    .command('run', { isDefault: true })
    .description('Run an experiment (the default: `filterlab eval experiment.yaml`)')
    .argument('<experiment.yaml>', 'experiment config (see examples/portrait-looks.yaml)')
    .option('-o, --out <dir>', 'runs folder (database, cache, one folder per run)', 'runs')
    .option('--dataset <dir>', "run on this folder of photos instead of the experiment's dataset")
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
          dataset?: string;
          contactSheet?: string;
        },
      ) => {
        const loaded = await loadExperiment(file);
        if (flags.dataset) loaded.experiment.dataset.path = path.resolve(flags.dataset);
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
    .argument('<runA>', 'the earlier run')
    .argument('<runB>', 'the later run')
    .option('--runs <dir>', 'runs folder for run ids', 'runs')
    .option('--json', 'JSON output', false)
    .action(async (a: string, b: string, flags: { runs: string; json: boolean }) =>
      printComparison(io, a, b, flags),
    );
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
