import { Command, CommanderError } from 'commander';
import { isFilterlabError } from '../core/errors.js';
import { FILTERLAB_VERSION } from '../core/version.js';
import { registerApply } from './commands/apply.js';
import { registerBench } from './commands/bench.js';
import { registerDataset } from './commands/dataset.js';
import { registerDemo } from './commands/demo.js';
import { registerDiffusion } from './commands/diffusion.js';
import { registerEval } from './commands/eval.js';
import { registerFaces } from './commands/faces.js';
import { registerFilters } from './commands/filters.js';
import { registerMetrics } from './commands/metrics.js';
import { registerModels } from './commands/models.js';
import { registerServe } from './commands/serve.js';
import { EXIT } from './exit-codes.js';
import type { Io } from './io.js';

/** Build the command tree. Commands print through `io`, so tests can run them in-process. */
export function buildProgram(io: Io): Command {
  const program = new Command('filterlab')
    .description('AI photo filters: integrate, validate, optimize and serve image models')
    .version(FILTERLAB_VERSION)
    .option(
      '--models-dir <dir>',
      'models folder (default $FILTERLAB_MODELS or ~/.local/share/filterlab/models)',
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .hook('preAction', (cmd) => {
      const dir = cmd.opts<{ modelsDir?: string }>().modelsDir;
      if (dir) io.modelsDir = dir;
    });
  registerApply(program, io);
  registerFilters(program, io);
  registerModels(program, io);
  registerDemo(program, io);
  registerDiffusion(program, io);
  registerServe(program, io);
  registerEval(program, io);
  registerDataset(program, io);
  registerMetrics(program, io);
  registerBench(program, io);
  registerFaces(program, io);
  return program;
}

/** Run a command line; returns the exit code. Errors print as "code: message", never a stack. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return io.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (isFilterlabError(error)) {
      io.err(`error ${error.code}: ${error.message}`);
      return error.code === 'FL_ERR_ABORTED' ? EXIT.INTERRUPTED : EXIT.FAILED;
    }
    io.err(`error FL_ERR_INTERNAL: ${(error as Error).message ?? String(error)}`);
    if (process.env.FILTERLAB_DEBUG) io.err((error as Error).stack ?? '');
    return EXIT.FAILED;
  }
}
