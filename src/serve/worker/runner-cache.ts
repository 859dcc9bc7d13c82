import type { Context } from '../../core/context.js';
import { compile, type Runner } from '../../core/filters/compile.js';
import type { FilterCatalog } from '../catalog.js';

/**
 * Compiled filters kept loaded in a worker, least recently used first out when the process
 * grows past its memory budget, so several heavy models can be served without running out.
 */
export class RunnerCache {
  private readonly runners = new Map<string, Promise<Runner>>();

  constructor(
    private readonly ctx: Context,
    private readonly catalog: FilterCatalog,
    private readonly budgetBytes: number,
  ) {}

  async get(filterId: string): Promise<Runner> {
    let pending = this.runners.get(filterId);
    if (pending) {
      this.runners.delete(filterId); // re-insert: Map order is recency order
      this.runners.set(filterId, pending);
      return pending;
    }
    const loaded = this.catalog.get(filterId);
    pending = compile(loaded.spec, this.ctx, { baseDir: loaded.baseDir });
    this.runners.set(filterId, pending);
    pending.catch(() => this.runners.delete(filterId));
    const runner = await pending;
    await this.enforceBudget(filterId);
    return runner;
  }

  has(filterId: string): boolean {
    return this.runners.has(filterId);
  }

  get loaded(): string[] {
    return [...this.runners.keys()];
  }

  private async enforceBudget(keep: string): Promise<void> {
    for (const id of [...this.runners.keys()]) {
      if (process.memoryUsage().rss <= this.budgetBytes) return;
      if (id === keep) continue;
      const runner = await this.runners.get(id)?.catch(() => undefined);
      this.runners.delete(id);
      await runner?.dispose();
      this.ctx.logger.info({ filter: id }, 'unloaded filter to stay within the memory budget');
    }
  }

  async dispose(): Promise<void> {
    const all = [...this.runners.values()];
    this.runners.clear();
    for (const r of all) await (await r.catch(() => undefined))?.dispose();
  }
}
