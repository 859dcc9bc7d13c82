/**
 * How long past its own timeout a job may run before the supervisor kills its worker: the
 * executor aborts it between steps first; this is for native code that cannot be interrupted.
 */
export const KILL_GRACE_MS = 10_000;

/**
 * What the supervisor's watchdog knows of a worker's job. While its filter's models load the
 * job is held to the server's load limit; once loaded, to its own timeout (the filter's
 * `timeoutMs` or the server's job timeout) plus KILL_GRACE_MS, counted from then.
 */
export interface WatchedJob {
  id: string;
  phase: 'loading' | 'running';
  since: number;
  /** The limit the job was given: the load limit, or its timeout once running. */
  limitMs: number;
}

export function loadingJob(id: string, loadTimeoutMs: number, now = Date.now()): WatchedJob {
  return { id, phase: 'loading', since: now, limitMs: loadTimeoutMs };
}

export function runningJob(id: string, timeoutMs: number, now = Date.now()): WatchedJob {
  return { id, phase: 'running', since: now, limitMs: timeoutMs };
}

/** Why the job's worker must be stopped now, or undefined while it is within its limit. */
export function overrun(job: WatchedJob, now = Date.now()): string | undefined {
  const elapsed = now - job.since;
  if (job.phase === 'loading')
    return elapsed > job.limitMs
      ? `its filter took longer than the ${job.limitMs} ms load limit to load and its worker was stopped`
      : undefined;
  return elapsed > job.limitMs + KILL_GRACE_MS
    ? `the job ran past its ${job.limitMs} ms limit and its worker was stopped`
    : undefined;
}
