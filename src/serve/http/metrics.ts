/** Prometheus text exposition, written by hand: a few counters, gauges and one histogram. */
const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export class Metrics {
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly help = new Map<string, string>();
  private readonly buckets = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
  private latencySum = 0;
  private latencyCount = 0;

  count(name: string, labels: Record<string, string> = {}, by = 1, help = ''): void {
    const series = this.counters.get(name) ?? new Map<string, number>();
    const key = labelText(labels);
    series.set(key, (series.get(key) ?? 0) + by);
    this.counters.set(name, series);
    if (help) this.help.set(name, help);
  }

  /** Seconds from upload to result, per finished job. */
  observeJobLatency(seconds: number): void {
    const i = LATENCY_BUCKETS.findIndex((b) => seconds <= b);
    this.buckets[i === -1 ? LATENCY_BUCKETS.length : i]!++;
    this.latencySum += seconds;
    this.latencyCount++;
  }

  render(
    gauges: { name: string; help: string; values: [Record<string, string>, number][] }[],
  ): string {
    const lines: string[] = [];
    for (const g of gauges) {
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
      for (const [labels, v] of g.values) lines.push(`${g.name}${labelText(labels)} ${v}`);
    }
    for (const [name, series] of this.counters) {
      lines.push(`# HELP ${name} ${this.help.get(name) ?? name}`, `# TYPE ${name} counter`);
      for (const [labels, v] of series) lines.push(`${name}${labels} ${v}`);
    }
    const h = 'filterlab_job_latency_seconds';
    lines.push(`# HELP ${h} Seconds from upload to finished job`, `# TYPE ${h} histogram`);
    let cumulative = 0;
    LATENCY_BUCKETS.forEach((b, i) => {
      cumulative += this.buckets[i]!;
      lines.push(`${h}_bucket{le="${b}"} ${cumulative}`);
    });
    lines.push(
      `${h}_bucket{le="+Inf"} ${this.latencyCount}`,
      `${h}_sum ${this.latencySum}`,
      `${h}_count ${this.latencyCount}`,
    );
    return lines.join('\n') + '\n';
  }
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}
