/**
 * A one-line progress bar on stderr with count, rate and ETA. On a non-TTY (CI logs, pipes) it
 * prints a line every 10% instead of redrawing.
 */
export class ProgressBar {
  private done = 0;
  private failed = 0;
  private readonly started = performance.now();
  private lastDecile = -1;
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    enabled = true,
    private readonly initial = 0,
  ) {
    this.done = initial;
    this.tty = enabled && Boolean(stream.isTTY);
    this.enabled = enabled;
  }

  private readonly enabled: boolean;

  tick(ok: boolean): void {
    this.done++;
    if (!ok) this.failed++;
    this.render();
  }

  /** Set the count (for work measured elsewhere, e.g. a resumed run). */
  update(done: number): void {
    if (done === this.done) return;
    this.done = done;
    this.render();
  }

  finish(): void {
    if (this.tty) this.stream.write('\n');
  }

  private render(): void {
    if (!this.enabled) return;
    const elapsed = (performance.now() - this.started) / 1000;
    const rate = (this.done - this.initial) / Math.max(elapsed, 1e-3);
    const eta = rate > 0 ? (this.total - this.done) / rate : 0;
    const pct = this.total ? this.done / this.total : 1;
    const fails = this.failed ? `, ${this.failed} failed` : '';
    const text = `${this.label} ${this.done}/${this.total}${fails} ${rate.toFixed(1)}/s ETA ${formatSeconds(eta)}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round(pct * width);
      this.stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}\x1b[K`);
      return;
    }
    const decile = Math.floor(pct * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      this.stream.write(`${text}\n`);
    }
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}
