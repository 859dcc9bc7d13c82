import os from 'node:os';

/** What a number measured here depends on, recorded beside it. */
export function describeMachine() {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryMb: Math.round(os.totalmem() / 1024 / 1024),
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    loadAverage: Number(os.loadavg()[0]!.toFixed(2)),
  };
}
