/** The CLI run in-process, for tests: what it printed and the exit code it returned. */
import { EXIT } from '../../src/cli/exit-codes.js';
import type { Io } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';

export interface CliRun extends Io {
  /** One entry per out() / err() call, in order. */
  stdout: string[];
  stderr: string[];
  code: number;
}

export async function cli(...argv: string[]): Promise<CliRun> {
  const io: CliRun = {
    stdout: [],
    stderr: [],
    code: -1,
    out: (s) => io.stdout.push(s),
    err: (s) => io.stderr.push(s),
    exitCode: EXIT.OK,
  };
  io.code = await runCli(argv, io);
  return io;
}
