import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createContext, disposeContext, type Context } from '../core/context.js';
import { FilterlabError, toFilterlabError } from '../core/errors.js';
import { applyToFile, type ApplyOptions } from '../core/filters/apply.js';
import { compile, type Runner } from '../core/filters/compile.js';
import { loadFilter } from '../core/filters/load.js';

export interface BatchTask {
  file: string;
  outDir: string;
  outputName: string;
  options: Omit<ApplyOptions, 'signal' | 'onProgress'> & { sidecar?: boolean };
}

export type BatchOutcome =
  | { ok: true; file: string; output: string; ms: number; width: number; height: number }
  | { ok: false; file: string; code: string; message: string };

export interface BatchSetup {
  filter: string;
  modelsDir?: string;
  /** ONNX threads per worker. */
  threads?: number;
}

/** Runs apply tasks in this thread or in a pool of worker threads, one compiled filter each. */
export interface Batch {
  readonly versionId: string;
  run(task: BatchTask): Promise<BatchOutcome>;
  close(): Promise<void>;
}

/** Threads per worker so that workers x threads matches the cores. */
export function threadsPerWorker(workers: number): number {
  return Math.max(1, Math.floor(availableParallelism() / workers));
}

export async function openBatch(setup: BatchSetup, workers: number): Promise<Batch> {
  return workers <= 1 ? InProcessBatch.open(setup) : WorkerBatch.open(setup, workers);
}

export async function runTask(runner: Runner, task: BatchTask): Promise<BatchOutcome> {
  const started = performance.now();
  try {
    const r = await applyToFile(runner, task.file, task.outDir, {
      ...task.options,
      outputName: task.outputName,
    });
    return {
      ok: true,
      file: task.file,
      output: r.output,
      ms: performance.now() - started,
      width: r.result.width,
      height: r.result.height,
    };
  } catch (error) {
    const e = toFilterlabError(error);
    return { ok: false, file: task.file, code: e.code, message: e.message };
  }
}

export async function compileSetup(setup: BatchSetup): Promise<{ ctx: Context; runner: Runner }> {
  const ctx = createContext({
    ...(setup.modelsDir ? { modelsDir: setup.modelsDir } : {}),
    sessionOptions: setup.threads ? { threads: setup.threads } : {},
  });
  try {
    const loaded = await loadFilter(setup.filter);
    const runner = await compile(loaded.spec, ctx, { baseDir: loaded.baseDir });
    return { ctx, runner };
  } catch (error) {
    await disposeContext(ctx);
    throw error;
  }
}

class InProcessBatch implements Batch {
  private constructor(
    private readonly ctx: Context,
    private readonly runner: Runner,
  ) {}

  static async open(setup: BatchSetup): Promise<Batch> {
    const { ctx, runner } = await compileSetup(setup);
    return new InProcessBatch(ctx, runner);
  }

  get versionId(): string {
    return this.runner.versionId;
  }

  run(task: BatchTask): Promise<BatchOutcome> {
    return runTask(this.runner, task);
  }

  async close(): Promise<void> {
    await this.runner.dispose();
    await disposeContext(this.ctx);
  }
}

type WorkerReply =
  | { type: 'ready'; versionId: string }
  | { type: 'error'; code: string; message: string }
  | { type: 'done'; id: number; outcome: BatchOutcome };

class WorkerBatch implements Batch {
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  /** The task each busy worker holds, so a worker that dies fails its task instead of hanging. */
  private readonly current = new Map<
    Worker,
    { task: BatchTask; resolve: (o: BatchOutcome) => void }
  >();
  private alive: number;

  private constructor(
    private readonly workers: Worker[],
    readonly versionId: string,
  ) {
    this.alive = workers.length;
    this.idle.push(...workers);
    for (const w of workers) {
      w.on('message', (msg: WorkerReply) => {
        if (msg.type !== 'done') return;
        this.settle(w, msg.outcome);
        this.release(w);
      });
      w.on('error', (e) => this.onDeath(w, e.message));
      w.on('exit', (code) => this.onDeath(w, `exit code ${code}`));
    }
  }

  private settle(w: Worker, outcome: BatchOutcome): void {
    this.current.get(w)?.resolve(outcome);
    this.current.delete(w);
  }

  private onDeath(w: Worker, reason: string): void {
    const held = this.current.get(w);
    if (held) {
      this.settle(w, {
        ok: false,
        file: held.task.file,
        code: 'FL_ERR_WORKER_CRASHED',
        message: `The worker thread died (${reason}) while processing this file`,
      });
    }
    if (this.workers.includes(w)) {
      this.workers.splice(this.workers.indexOf(w), 1);
      this.alive--;
      this.waiting.shift()?.();
    }
  }

  static async open(setup: BatchSetup, count: number): Promise<Batch> {
    const url = new URL(
      import.meta.url.endsWith('.ts') ? './apply-worker.ts' : './apply-worker.js',
      import.meta.url,
    );
    const workers = Array.from({ length: count }, () => new Worker(url, { workerData: setup }));
    try {
      const versions = await Promise.all(workers.map(waitReady));
      return new WorkerBatch(workers, versions[0]!);
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
  }

  async run(task: BatchTask): Promise<BatchOutcome> {
    const worker = await this.acquire();
    if (!worker)
      return {
        ok: false,
        file: task.file,
        code: 'FL_ERR_WORKER_CRASHED',
        message: 'Every worker thread has died',
      };
    return new Promise<BatchOutcome>((resolve) => {
      this.current.set(worker, { task, resolve });
      worker.postMessage({ id: 0, task });
    });
  }

  async close(): Promise<void> {
    const all = [...this.workers];
    this.workers.length = 0;
    await Promise.all(all.map((w) => w.terminate()));
  }

  private async acquire(): Promise<Worker | undefined> {
    for (;;) {
      const w = this.idle.pop();
      if (w && this.workers.includes(w)) return w;
      if (this.alive <= 0) return undefined;
      if (!w) await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  private release(w: Worker): void {
    this.idle.push(w);
    this.waiting.shift()?.();
  }
}

function waitReady(w: Worker): Promise<string> {
  return new Promise((resolve, reject) => {
    w.once('message', (msg: WorkerReply) => {
      if (msg.type === 'ready') resolve(msg.versionId);
      else if (msg.type === 'error') reject(new FilterlabError(msg.code as never, msg.message));
    });
    w.once('error', (e) => reject(toFilterlabError(e)));
  });
}
