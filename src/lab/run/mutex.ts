/**
 * One-at-a-time section for CPU work on the main thread. The lab times filters by wall clock,
 * so a filter must not share the thread with another photo's face analysis; remote work (a
 * sharded run waiting on workers) runs outside it and still overlaps.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
