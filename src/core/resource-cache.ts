/**
 * Keyed, lazily created, shared resources (a loaded model, a runtime). Creation happens once
 * per key even under concurrent requests; dispose() releases everything that has a dispose().
 */
export class ResourceCache {
  private readonly entries = new Map<string, Promise<unknown>>();

  get<T>(key: string, create: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key) as Promise<T> | undefined;
    if (!entry) {
      entry = create();
      this.entries.set(key, entry);
      entry.catch(() => this.entries.delete(key));
    }
    return entry;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  async delete(key: string): Promise<void> {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    await release(await entry?.catch(() => undefined));
  }

  async dispose(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const entry of all.reverse()) await release(await entry.catch(() => undefined));
  }
}

async function release(value: unknown): Promise<void> {
  const dispose = (value as { dispose?: () => unknown } | undefined)?.dispose;
  if (typeof dispose === 'function') await dispose.call(value);
}
