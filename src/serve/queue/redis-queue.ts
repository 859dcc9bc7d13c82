import { randomBytes } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { FilterlabError } from '../../core/errors.js';
import {
  SYSTEM_OWNER,
  type JobError,
  type JobRecord,
  type JobStatus,
  type NewJob,
} from '../jobs.js';
import {
  queueFull,
  quotaExceeded,
  type ClaimedJob,
  type EnqueueOptions,
  type JobQueue,
  type QueueLimits,
  type ReconcileOptions,
} from './queue.js';
import { afterAttempt, crashed, type AttemptEnd } from './transitions.js';

const QUEUE_NAME = 'filterlab-jobs';

/** Redis keys of one deployment; `prefix` (from ?prefix= in the URL, default "fl") namespaces them. */
function redisKeys(prefix: string) {
  return {
    job: (id: string) => `${prefix}:job:${id}`,
    idem: (owner: string, k: string) => `${prefix}:idem:${owner}:${k}`,
    ownerQueued: (owner: string) => `${prefix}:owner-queued:${owner}`,
    created: (owner: string) => `${prefix}:created:${owner}`,
    rev: `${prefix}:rev`,
    changes: `${prefix}:changes`,
    expiry: `${prefix}:expiry`,
    leases: `${prefix}:leases`,
    counts: `${prefix}:counts`,
    /** Jobs queued in a record whose BullMQ job may not exist yet (score: when). */
    pending: `${prefix}:pending`,
  };
}

/** Creations are kept 2 days for quotas, deleted jobs included. */
const CREATIONS_KEPT_MS = 2 * 86_400_000;

/**
 * One change of a job record, all or nothing. KEYS: rev counter, job hash, changes zset, counts
 * hash, the owner's queued counter, pending zset, leases zset. ARGV: job id, status from, status
 * to, owner-queued delta, pending score ('' none), lease ('' none, '-' drop, else its expiry),
 * then field/value pairs. Returns the change number.
 */
const WRITE_SCRIPT = `
local rev = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], 'rev', rev, unpack(ARGV, 7))
redis.call('ZADD', KEYS[3], rev, ARGV[1])
if ARGV[2] ~= '' then redis.call('HINCRBY', KEYS[4], ARGV[2], -1) end
if ARGV[3] ~= '' then redis.call('HINCRBY', KEYS[4], ARGV[3], 1) end
if ARGV[4] ~= '0' then redis.call('INCRBY', KEYS[5], ARGV[4]) end
if ARGV[5] ~= '' then redis.call('ZADD', KEYS[6], ARGV[5], ARGV[1]) end
if ARGV[6] == '-' then redis.call('ZREM', KEYS[7], ARGV[1])
elseif ARGV[6] ~= '' then redis.call('ZADD', KEYS[7], ARGV[6], ARGV[1]) end
return rev`;

/**
 * A new job, all or nothing: the depth and quota checks, the idempotency key, the record, its
 * counts, its creation (for quotas), its expiry and its pending entry. A process killed at any
 * moment leaves either no trace or a record that the reconciler can hand to BullMQ.
 * KEYS: counts, system's queued counter, owner's creations, idempotency key (or ''), rev, job
 * hash, changes, expiry, owner's queued counter, pending. ARGV: id, now, check depth ('1'/'0'),
 * max depth, quota limit ('' none), quota window start, idempotency TTL ms ('' none), expiresAt,
 * creations kept since, then field/value pairs.
 * Returns {'ok', waiting} | {'full', depth} | {'quota', used} | {'idem', existing id}.
 */
const ENQUEUE_SCRIPT = `
if ARGV[3] == '1' then
  local depth = tonumber(redis.call('HGET', KEYS[1], 'queued') or '0')
    - tonumber(redis.call('GET', KEYS[2]) or '0')
  if depth >= tonumber(ARGV[4]) then return {'full', depth} end
end
if ARGV[5] ~= '' then
  local used = redis.call('ZCOUNT', KEYS[3], ARGV[6], '+inf')
  if used >= tonumber(ARGV[5]) then return {'quota', used} end
end
if ARGV[7] ~= '' then
  local existing = redis.call('GET', KEYS[4])
  if existing then return {'idem', existing} end
  redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[7])
end
local rev = redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[6], 'rev', rev, unpack(ARGV, 10))
redis.call('ZADD', KEYS[7], rev, ARGV[1])
redis.call('HINCRBY', KEYS[1], 'queued', 1)
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[9])
redis.call('ZADD', KEYS[8], ARGV[8], ARGV[1])
local waiting = redis.call('INCR', KEYS[9])
redis.call('ZADD', KEYS[10], ARGV[2], ARGV[1])
return {'ok', waiting}`;

/** Fields of a job hash that change; the rest sits in `spec` as JSON. */
type JobHash = Record<string, string>;

interface BullData {
  id: string;
}

/** What one record change moves besides the record's fields. */
interface WriteEffects {
  status?: { from: JobStatus | undefined; to: JobStatus };
  /** Add to the owner's count of queued jobs (fairness, depth). */
  ownerQueued?: { owner: string; delta: number };
  /** Mark the job as queued in its record, waiting for its BullMQ job (time of the mark). */
  pending?: number;
  /** The lease's new expiry, or 'drop'. */
  lease?: number | 'drop';
}

/**
 * The scale-out queue: BullMQ on Redis does the dispatching (priorities, delays, locks,
 * stalled-job recovery) and a Redis hash per job holds what the API shows (owner, status,
 * attempts, progress, error, result), so any number of API and worker processes share it.
 * Retries follow transitions.ts, as in the SQLite queue: BullMQ never retries by itself, a job
 * to run again is moved to BullMQ's delayed set with the backoff the policy gives, and the
 * record counts attempts, crashed ones included.
 *
 * Enqueue is one Lua step plus BullMQ's own add; a process killed between the two leaves the
 * job in the `pending` set, and `reconcile()` (at server start and every sweep) adds it.
 *
 * Fairness: BullMQ's open-source queue has no per-client groups, so a job's BullMQ priority is
 * its priority level plus how many jobs its API key already has waiting. The n-th waiting job
 * of one key therefore runs after the first waiting job of every other key: round-robin across
 * keys, FIFO within one.
 */
export class RedisQueue implements JobQueue {
  private worker: Worker | undefined;
  private readonly key: ReturnType<typeof redisKeys>;

  private constructor(
    private readonly redis: Redis,
    private readonly queue: Queue<BullData>,
    private readonly url: string,
    private readonly prefix: string,
    private readonly limits: QueueLimits,
  ) {
    this.key = redisKeys(prefix);
  }

  static async connect(rawUrl: string, limits: Partial<QueueLimits> = {}): Promise<RedisQueue> {
    const parsed = new URL(rawUrl);
    const prefix = parsed.searchParams.get('prefix') ?? 'fl';
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(prefix)) {
      throw new FilterlabError(
        'FL_ERR_CONFIG',
        `Expected ?prefix= to be letters, digits, "_" or "-" but received ${JSON.stringify(prefix)}`,
      );
    }
    parsed.searchParams.delete('prefix');
    const url = parsed.toString();
    const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
    try {
      await redis.connect();
    } catch (cause) {
      redis.disconnect();
      throw new FilterlabError(
        'FL_ERR_CONFIG',
        `Expected a reachable Redis at ${url} but could not connect: ${(cause as Error).message}`,
        { cause },
      );
    }
    const queueConnection = redis.duplicate();
    const queue = new Queue<BullData>(QUEUE_NAME, { connection: queueConnection, prefix });
    const instance = new RedisQueue(redis, queue, url, prefix, {
      maxDepth: limits.maxDepth ?? 1000,
    });
    instance.own(queueConnection);
    return instance;
  }

  /** Workers get a BullMQ Worker lazily: API-only processes never take jobs. */
  private async bullWorker(leaseMs: number): Promise<Worker> {
    if (!this.worker) {
      this.worker = new Worker(QUEUE_NAME, null, {
        connection: this.own(new Redis(this.url, { maxRetriesPerRequest: null })),
        prefix: this.prefix,
        lockDuration: leaseMs,
        stalledInterval: Math.max(5000, leaseMs),
        maxStalledCount: 1,
        autorun: false,
      });
      await this.worker.startStalledCheckTimer();
    }
    return this.worker;
  }

  private async write(id: string, fields: JobHash, effects: WriteEffects = {}): Promise<void> {
    // One round trip: number the change, store the fields, log the change, move the counts.
    const flat = Object.entries(fields).flat();
    const { status, ownerQueued, pending, lease } = effects;
    const moved = status && status.from !== status.to;
    const rev = (await this.redis.eval(
      WRITE_SCRIPT,
      7,
      this.key.rev,
      this.key.job(id),
      this.key.changes,
      this.key.counts,
      this.key.ownerQueued(ownerQueued?.owner ?? ''),
      this.key.pending,
      this.key.leases,
      id,
      moved && status.from ? status.from : '',
      moved ? status.to : '',
      String(ownerQueued?.delta ?? 0),
      pending === undefined ? '' : String(pending),
      lease === undefined ? '' : lease === 'drop' ? '-' : String(lease),
      ...flat,
    )) as number;
    if (rev % 1000 === 0) await this.redis.zremrangebyrank(this.key.changes, 0, -50_001);
  }

  async enqueue(job: NewJob, options: EnqueueOptions = {}): Promise<JobRecord> {
    const now = Date.now();
    const { id, ...spec } = job;
    const { quota } = options;
    const fields: JobHash = {
      id,
      spec: JSON.stringify(spec),
      status: 'queued',
      attempts: '0',
      progress: '0',
      cancelRequested: '0',
      createdAt: String(now),
    };
    const idem = job.idempotencyKey ? this.key.idem(job.owner, job.idempotencyKey) : '';
    const [outcome, value] = (await this.redis.eval(
      ENQUEUE_SCRIPT,
      10,
      this.key.counts,
      this.key.ownerQueued(SYSTEM_OWNER),
      this.key.created(job.owner),
      idem || this.key.idem('', ''),
      this.key.rev,
      this.key.job(id),
      this.key.changes,
      this.key.expiry,
      this.key.ownerQueued(job.owner),
      this.key.pending,
      id,
      String(now),
      // the server's own jobs (thumbnails) neither count towards nor are refused by the limit
      job.owner === SYSTEM_OWNER ? '0' : '1',
      String(this.limits.maxDepth),
      quota ? String(quota.limit) : '',
      quota ? String(now - quota.windowMs) : '',
      idem ? String(Math.max(1000, job.expiresAt - now)) : '',
      String(job.expiresAt),
      String(now - CREATIONS_KEPT_MS),
      ...Object.entries(fields).flat(),
    )) as [string, number | string];
    if (outcome === 'full') throw queueFull(Number(value), this.limits.maxDepth);
    if (outcome === 'quota') throw quotaExceeded(quota!, Number(value));
    if (outcome === 'idem')
      throw new FilterlabError(
        'FL_ERR_INVALID_ARGUMENT',
        `A job with idempotency key ${JSON.stringify(job.idempotencyKey)} already exists`,
        { details: { existing: value } },
      );
    const record = (await this.get(id))!;
    try {
      await this.addToBull(record, Number(value));
    } catch (error) {
      // the caller answers with an error and deletes the upload: the job must not run
      await this.remove(id).catch(() => undefined);
      throw error;
    }
    return record;
  }

  /** Give BullMQ the job of a record queued in Redis, then clear its pending mark. */
  private async addToBull(record: JobRecord, waiting: number, runAt = 0): Promise<void> {
    const level = 10 - Math.max(-10, Math.min(10, record.priority)); // 0 (highest) .. 20
    await this.queue.add(
      'filter',
      { id: record.id },
      {
        jobId: record.id,
        priority: 1 + level * 65_536 + Math.min(65_535, Math.max(0, waiting - 1)),
        ...(runAt > Date.now() ? { delay: runAt - Date.now() } : {}),
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
    await this.redis.zrem(this.key.pending, record.id);
  }

  async reconcile(minAgeMs: number, options: ReconcileOptions = {}): Promise<number> {
    let repaired = 0;
    for (;;) {
      const ids = await this.redis.zrangebyscore(
        this.key.pending,
        '-inf',
        Date.now() - minAgeMs,
        'LIMIT',
        0,
        200,
      );
      if (!ids.length) break;
      for (const id of ids) {
        const record = await this.get(id);
        if (record?.status === 'queued' && !(await this.queue.getJob(id))) {
          await this.addToBull(record, await this.waiting(record.owner));
          repaired++;
        } else await this.redis.zrem(this.key.pending, id);
      }
    }
    if (options.everyJob) repaired += await this.repairEveryJob(Date.now() - minAgeMs);
    return repaired;
  }

  /**
   * Versions before the atomic enqueue left jobs queued in their record with no BullMQ job and
   * no pending mark, or with no expiry entry: they never ran and never went away. One pass over
   * every job record gives each its expiry and BullMQ job back.
   */
  private async repairEveryJob(createdBefore: number): Promise<number> {
    let repaired = 0;
    const prefix = this.key.job('');
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const record = await this.get(key.slice(prefix.length));
        if (!record) continue;
        let fixed = false;
        if ((await this.redis.zscore(this.key.expiry, record.id)) === null) {
          await this.redis.zadd(this.key.expiry, record.expiresAt, record.id);
          fixed = true;
        }
        if (
          record.status === 'queued' &&
          record.createdAt <= createdBefore &&
          !(await this.queue.getJob(record.id))
        ) {
          await this.addToBull(record, await this.waiting(record.owner));
          fixed = true;
        }
        if (fixed) repaired++;
      }
    } while (cursor !== '0');
    return repaired;
  }

  private async waiting(owner: string): Promise<number> {
    return Number(await this.redis.get(this.key.ownerQueued(owner)));
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const hash = await this.redis.hgetall(this.key.job(id));
    return hash.spec ? toRecord(hash) : undefined;
  }

  async findByIdempotencyKey(owner: string, k: string): Promise<JobRecord | undefined> {
    const id = await this.redis.get(this.key.idem(owner, k));
    return id ? this.get(id) : undefined;
  }

  async claim(workerId: string, leaseMs: number): Promise<ClaimedJob | undefined> {
    const worker = await this.bullWorker(leaseMs);
    for (;;) {
      const token = randomBytes(12).toString('base64url');
      const bull = (await worker.getNextJob(token, { block: false })) as Job<BullData> | undefined;
      if (!bull) return undefined;
      const record = await this.get(bull.data.id);
      if (!record || !(await this.runnable(record))) {
        await bull
          .moveToFailed(new UnrecoverableError('FL_ERR_ABORTED: not runnable'), token, false)
          .catch(() => undefined);
        continue;
      }
      const now = Date.now();
      await this.write(
        record.id,
        {
          status: 'running',
          // counted here, not by BullMQ: an attempt whose worker died counts too
          attempts: String(record.attempts + 1),
          progress: '0',
          leaseOwner: workerId,
          leaseToken: token,
          leaseExpires: String(now + leaseMs),
          ...(record.startedAt ? {} : { startedAt: String(now) }),
        },
        {
          status: { from: record.status, to: 'running' },
          ...(record.status === 'queued'
            ? { ownerQueued: { owner: record.owner, delta: -1 } }
            : {}),
          lease: now + leaseMs,
        },
      );
      this.held.set(record.id, bull);
      return { job: (await this.get(record.id))!, token };
    }
  }

  /**
   * Whether a job BullMQ handed out should run. A cancelled or finished one is dropped (a cancel
   * that found the job locked ends it here); one still `running` in its record was put back by
   * BullMQ's stalled check after its worker died: that attempt counts, and may have been the last.
   */
  private async runnable(record: JobRecord): Promise<boolean> {
    if (record.status === 'queued' && record.cancelRequested) {
      await this.write(
        record.id,
        { status: 'cancelled', finishedAt: String(Date.now()) },
        {
          status: { from: 'queued', to: 'cancelled' },
          ownerQueued: { owner: record.owner, delta: -1 },
        },
      );
      return false;
    }
    if (record.status === 'queued') return true;
    if (record.status !== 'running') return false;
    const next = afterAttempt(
      record,
      { kind: 'failed', error: crashed('its worker stopped sending heartbeats'), retryable: true },
      Date.now(),
    );
    if (next.status === 'queued') return true;
    await this.write(
      record.id,
      {
        status: next.status,
        ...('error' in next ? { error: JSON.stringify(next.error) } : {}),
        finishedAt: String(Date.now()),
        leaseToken: '',
        leaseOwner: '',
      },
      { status: { from: 'running', to: next.status }, lease: 'drop' },
    );
    return false;
  }

  /** BullMQ jobs this process holds a lock on, so heartbeats and results skip a lookup. */
  private readonly held = new Map<string, Job<BullData>>();

  private async bullJob(id: string): Promise<Job<BullData> | undefined> {
    return this.held.get(id) ?? (await this.queue.getJob(id)) ?? undefined;
  }

  async heartbeat(
    claim: ClaimedJob,
    progress: number,
    leaseMs: number,
  ): Promise<{ lost: boolean; cancelRequested: boolean }> {
    const bull = await this.bullJob(claim.job.id);
    const record = await this.redis.hmget(
      this.key.job(claim.job.id),
      'leaseToken',
      'cancelRequested',
      'status',
    );
    if (!bull || record[0] !== claim.token || record[2] !== 'running')
      return { lost: true, cancelRequested: true };
    try {
      await bull.extendLock(claim.token, leaseMs);
    } catch {
      return { lost: true, cancelRequested: true };
    }
    const expires = Date.now() + leaseMs;
    await this.write(
      claim.job.id,
      { progress: String(progress), leaseExpires: String(expires) },
      { lease: expires },
    );
    return { lost: false, cancelRequested: record[1] === '1' };
  }

  async complete(
    claim: ClaimedJob,
    result: { resultKey: string; meta: Record<string, unknown> },
  ): Promise<void> {
    const bull = await this.bullJob(claim.job.id);
    const token = await this.redis.hget(this.key.job(claim.job.id), 'leaseToken');
    if (!bull || token !== claim.token) return;
    await bull
      .moveToCompleted({ resultKey: result.resultKey }, claim.token, false)
      .catch(async (error: unknown) => {
        // the lock ran out during a long step (BullMQ put the job back to wait) but no other
        // worker has claimed it since: the result stands, the waiting copy goes
        const removed = await bull.remove().then(
          () => true,
          () => false,
        );
        if (!removed) throw error;
      });
    await this.write(
      claim.job.id,
      {
        status: 'succeeded',
        progress: '1',
        resultKey: result.resultKey,
        resultMeta: JSON.stringify(result.meta),
        finishedAt: String(Date.now()),
        leaseToken: '',
        leaseOwner: '',
        error: '',
      },
      { status: { from: 'running', to: 'succeeded' }, lease: 'drop' },
    );
    this.held.delete(claim.job.id);
  }

  async fail(
    claim: ClaimedJob,
    error: JobError,
    retryable: boolean,
  ): Promise<JobRecord | undefined> {
    await this.settle(claim.job.id, claim.token, { kind: 'failed', error, retryable });
    return this.get(claim.job.id);
  }

  async release(claim: ClaimedJob): Promise<JobRecord | undefined> {
    await this.settle(claim.job.id, claim.token, { kind: 'released' });
    return this.get(claim.job.id);
  }

  /**
   * An attempt ended without a result: the policy of transitions.ts decides, the record is
   * written (marked pending when queued again), then BullMQ's job is moved to match: delayed
   * until the retry time, or failed for good. A job BullMQ no longer has is added again.
   */
  private async settle(id: string, token: string, end: AttemptEnd): Promise<void> {
    const record = await this.get(id);
    const held = await this.redis.hget(this.key.job(id), 'leaseToken');
    if (!record || record.status !== 'running' || held !== token) return;
    const now = Date.now();
    const next = afterAttempt(record, end, now);
    const again = next.status === 'queued';
    await this.write(
      id,
      {
        status: next.status,
        attempts: String(next.attempts),
        ...('error' in next && next.error ? { error: JSON.stringify(next.error) } : {}),
        leaseToken: '',
        leaseOwner: '',
        ...(again ? {} : { finishedAt: String(now) }),
      },
      {
        status: { from: 'running', to: next.status },
        lease: 'drop',
        ...(again ? { ownerQueued: { owner: record.owner, delta: 1 }, pending: now } : {}),
      },
    );
    this.held.delete(id);
    const bull = await this.bullJob(id);
    if (!again) {
      const reason = 'error' in next ? `${next.error.code}: ${next.error.message}` : 'cancelled';
      await bull?.moveToFailed(new UnrecoverableError(reason), token, false).catch(() => undefined);
      return;
    }
    const moved = await bull?.moveToDelayed(next.runAt, token).then(
      () => true,
      () => false,
    );
    // BullMQ still has it (moved above, or put back by its stalled check) or gets it again
    if (moved || (await this.queue.getJob(id))) await this.redis.zrem(this.key.pending, id);
    else {
      await this.addToBull((await this.get(id))!, await this.waiting(record.owner), next.runAt);
    }
  }

  async cancel(id: string): Promise<JobRecord | undefined> {
    const record = await this.get(id);
    if (!record) return undefined;
    if (record.status === 'queued') {
      const bull = await this.bullJob(id);
      const removed = bull
        ? await bull.remove().then(
            () => true,
            () => false,
          )
        : true;
      if (removed) {
        await this.write(
          id,
          { status: 'cancelled', cancelRequested: '1', finishedAt: String(Date.now()) },
          {
            status: { from: 'queued', to: 'cancelled' },
            ownerQueued: { owner: record.owner, delta: -1 },
          },
        );
        return this.get(id);
      }
    }
    if (record.status === 'running' || record.status === 'queued')
      await this.write(id, { cancelRequested: '1' });
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    const record = await this.get(id);
    if (!record) return;
    await this.bullJob(id).then((b) => b?.remove().catch(() => undefined));
    const tx = this.redis
      .multi()
      .del(this.key.job(id))
      .zrem(this.key.changes, id)
      .zrem(this.key.expiry, id)
      .zrem(this.key.leases, id)
      .zrem(this.key.pending, id)
      .hincrby(this.key.counts, record.status, -1);
    if (record.idempotencyKey) tx.del(this.key.idem(record.owner, record.idempotencyKey));
    if (record.status === 'queued') tx.decr(this.key.ownerQueued(record.owner));
    await tx.exec();
  }

  async recoverExpiredLeases(): Promise<JobRecord[]> {
    const ids = await this.redis.zrangebyscore(this.key.leases, '-inf', String(Date.now()));
    const error = crashed('its worker stopped sending heartbeats');
    const out: JobRecord[] = [];
    for (const id of ids) {
      const [status, token] = await this.redis.hmget(this.key.job(id), 'status', 'leaseToken');
      if (status !== 'running' || !token) {
        await this.redis.zrem(this.key.leases, id);
        continue;
      }
      await this.settle(id, token, { kind: 'failed', error, retryable: true });
      const record = await this.get(id);
      if (record) out.push(record);
    }
    return out;
  }

  async recoverWorker(workerId: string, end: AttemptEnd): Promise<JobRecord[]> {
    const ids = await this.redis.zrange(this.key.leases, '0', '-1');
    const out: JobRecord[] = [];
    for (const id of ids) {
      const [owner, token] = await this.redis.hmget(this.key.job(id), 'leaseOwner', 'leaseToken');
      if (owner !== workerId || !token) continue;
      await this.settle(id, token, end);
      const record = await this.get(id);
      if (record) out.push(record);
    }
    return out;
  }

  async expired(now: number, limit: number): Promise<JobRecord[]> {
    const ids = await this.redis.zrangebyscore(this.key.expiry, '-inf', now, 'LIMIT', 0, limit);
    return this.records(ids);
  }

  async counts(): Promise<Record<JobStatus, number>> {
    const raw = await this.redis.hgetall(this.key.counts);
    const n = (s: JobStatus) => Math.max(0, Number(raw[s] ?? 0));
    return {
      queued: n('queued'),
      running: n('running'),
      succeeded: n('succeeded'),
      failed: n('failed'),
      cancelled: n('cancelled'),
    };
  }

  async countCreatedSince(owner: string, since: number): Promise<number> {
    return this.redis.zcount(this.key.created(owner), since, '+inf');
  }

  async changedSince(rev: number, limit = 500): Promise<JobRecord[]> {
    const ids = await this.redis.zrangebyscore(
      this.key.changes,
      `(${rev}`,
      '+inf',
      'LIMIT',
      0,
      limit,
    );
    return (await this.records(ids)).sort((a, b) => a.rev - b.rev);
  }

  private async records(ids: string[]): Promise<JobRecord[]> {
    if (!ids.length) return [];
    const tx = this.redis.multi();
    for (const id of ids) tx.hgetall(this.key.job(id));
    const results = (await tx.exec()) ?? [];
    return results
      .map(([, h]) => h as JobHash)
      .filter((h) => h.spec)
      .map(toRecord);
  }

  /** BullMQ does not close connections it was given: the queue owns them and closes them. */
  private readonly connections: Redis[] = [];

  private own(connection: Redis): Redis {
    this.connections.push(connection);
    return connection;
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    for (const c of this.connections) c.disconnect();
    this.redis.disconnect();
  }
}

function toRecord(h: JobHash): JobRecord {
  const spec = JSON.parse(h.spec!) as Omit<NewJob, 'id'>;
  const num = (v: string | undefined) => (v ? Number(v) : undefined);
  return {
    id: h.id!,
    ...(spec.format ? { format: spec.format } : {}),
    owner: spec.owner,
    filter: spec.filter,
    params: spec.params,
    seed: spec.seed,
    priority: spec.priority,
    status: h.status as JobStatus,
    attempts: Number(h.attempts ?? 0),
    maxAttempts: spec.maxAttempts,
    progress: Number(h.progress ?? 0),
    ...(h.error ? { error: JSON.parse(h.error) as JobError } : {}),
    inputKey: spec.inputKey,
    ...(h.resultKey ? { resultKey: h.resultKey } : {}),
    ...(h.resultMeta ? { resultMeta: JSON.parse(h.resultMeta) as Record<string, unknown> } : {}),
    ...(spec.idempotencyKey ? { idempotencyKey: spec.idempotencyKey } : {}),
    cancelRequested: h.cancelRequested === '1',
    createdAt: Number(h.createdAt),
    ...(num(h.startedAt) ? { startedAt: num(h.startedAt)! } : {}),
    ...(num(h.finishedAt) ? { finishedAt: num(h.finishedAt)! } : {}),
    expiresAt: spec.expiresAt,
    rev: Number(h.rev ?? 0),
  };
}
