import { describe, expect, it } from 'vitest';
import { KILL_GRACE_MS, loadingJob, overrun, runningJob } from './job-watch.js';

describe('the supervisor watchdog', () => {
  it('holds a loading job to the load limit, not to the job timeout', () => {
    const job = loadingJob('job-1', 600_000, 0);
    // far past the default job timeout (120 s) plus its grace: still loading, left alone
    expect(overrun(job, 300_000)).toBeUndefined();
    expect(overrun(job, 600_000)).toBeUndefined();
    expect(overrun(job, 600_001)).toMatch(/took longer than the 600000 ms load limit to load/);
  });

  it('counts a running job from when its filter was loaded, with its own timeout', () => {
    // loaded after 5 minutes; the filter's timeout is 300 s
    const job = runningJob('job-1', 300_000, 300_000);
    expect(overrun(job, 300_000 + 300_000 + KILL_GRACE_MS)).toBeUndefined();
    expect(overrun(job, 300_000 + 300_001 + KILL_GRACE_MS)).toMatch(/ran past its 300000 ms limit/);
  });

  it('stops a job whose filter sets a shorter timeout than the server at that limit', () => {
    const job = runningJob('job-1', 5000, 0);
    expect(overrun(job, 5000 + KILL_GRACE_MS + 1)).toMatch(/ran past its 5000 ms limit/);
  });
});
