/**
 * `filterlab` in a child process, for tests that need a real process (to kill it, or to run a
 * server and workers apart): from source through tsx by default, or the built dist/ CLI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';
import { WAIT_MS } from './wait.js';

/** What `filterlab serve` prints once it listens; group 1 is its URL. */
export const SERVING = /^filterlab serving (http:\/\/\S+)/m;
/** What `filterlab worker` prints once it takes jobs. */
export const WORKER_READY = /worker ready|worker started/;

export interface CliProcess {
  child: ChildProcess;
  /** Settles when the process has exited, with its exit code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it has printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Its stderr so far. */
  stderr(): string;
  /**
   * Resolves with the first match of `pattern` in its output; rejects if it exits first or
   * prints no match within `timeoutMs`.
   */
  ready(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Send `signal` (SIGTERM by default) unless it has exited, and wait until it has. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface SpawnCliOptions {
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Run dist/src/cli/bin.js (after `npm run build`) instead of the sources. */
  built?: boolean;
  /** Run this built bin.js (another build, to compare) instead of the sources. */
  bin?: string;
}

export function spawnCli(args: readonly string[], options: SpawnCliOptions = {}): CliProcess {
  const entry = options.bin
    ? [options.bin]
    : options.built
      ? [path.join(REPO_ROOT, 'dist', 'src', 'cli', 'bin.js')]
      : ['--import', 'tsx', path.join(REPO_ROOT, 'src', 'cli', 'bin.ts')];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    output: () => output,
    stderr: () => stderr,
    ready(pattern, timeoutMs = WAIT_MS) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `filterlab ${args[0]} printed no ${pattern} in ${timeoutMs} ms:\n${output}`,
              ),
            ),
          timeoutMs,
        );
        const check = () => {
          const match = pattern.exec(output);
          if (!match) return;
          clearTimeout(timer);
          child.stdout!.off('data', check);
          child.stderr!.off('data', check);
          resolve(match);
        };
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        check();
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(
            new Error(
              `filterlab ${args[0]} exited (${signal ?? code}) before printing ${pattern}:\n${output}`,
            ),
          );
        });
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
