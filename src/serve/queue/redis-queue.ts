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
import type { ClaimedJob, JobQueue, QueueLimits } from './queue.js';
import { crashed } from './sqlite-queue.js';

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
  };
}

/**
 * KEYS: rev counter, job hash, changes zset, counts hash; ARGV: job id, status from, status to,
 * then field/value pairs. Returns the new change number.
 */
const WRITE_SCRIPT = `
local rev = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], 'rev', rev, unpack(ARGV, 4))
redis.call('ZADD', KEYS[3], rev, ARGV[1])
if ARGV[2] ~= '' then redis.call('HINCRBY', KEYS[4], ARGV[2], -1) end
if ARGV[3] ~= '' then redis.call('HINCRBY', KEYS[4], ARGV[3], 1) end
return rev`;

/** Fields of a job hash that change; the rest sits in `spec` as JSON. */
type JobHash = Record<string, string>;

interface BullData {
  id: string;
}

/**
 * The scale-out queue: BullMQ on Redis does the dispatching (priorities, retries with backoff,
 * locks, stalled-job recovery) and a Redis hash per job holds what the API shows (owner,
 * status, progress, error, result), so any number of API and worker processes share it.
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

  private async write(
    id: string,
    fields: JobHash,
    status?: { from: JobStatus | undefined; to: JobStatus },
  ): Promise<void> {
    // One round trip: number the change, store the fields, log the change, move the counts.
    const flat = Object.entries(fields).flat();
    const moved = status && status.from !== status.to;
    const rev = (await this.redis.eval(
      WRITE_SCRIPT,
      4,
      this.key.rev,
      this.key.job(id),
      this.key.changes,
      this.key.counts,
      id,
      moved && status.from ? status.from : '',
      moved ? status.to : '',
      ...flat,
    )) as number;
    if (rev % 1000 === 0) await this.redis.zremrangebyrank(this.key.changes, 0, -50_001);
  }

  async enqueue(job: NewJob): Promise<JobRecord> {
    if (job.owner !== SYSTEM_OWNER) {
      // the server's own jobs (thumbnails) neither count towards nor are refused by the limit
      const [queued, system] = await Promise.all([
        this.redis.hget(this.key.counts, 'queued'),
        this.redis.get(this.key.ownerQueued(SYSTEM_OWNER)),
      ]);
      const depth = Number(queued ?? 0) - Number(system ?? 0);
      if (depth >= this.limits.maxDepth) {
        throw new FilterlabError(
          'FL_ERR_QUEUE_FULL',
          `Expected fewer than ${this.limits.maxDepth} queued jobs but the queue holds ${depth}`,
          { details: { depth, maxDepth: this.limits.maxDepth } },
        );
      }
    }
    if (job.idempotencyKey) {
      const idem = this.key.idem(job.owner, job.idempotencyKey);
      const claimed = await this.redis.set(
        idem,
        job.id,
        'PX',
        Math.max(1000, job.expiresAt - Date.now()),
        'NX',
      );
      if (claimed === null) {
        // another request with this key won: wait (briefly) until its job is visible, then say so
        const winner = await this.redis.get(idem);
        for (let i = 0; i < 40 && winner && !(await this.redis.exists(this.key.job(winner))); i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new FilterlabError(
          'FL_ERR_INVALID_ARGUMENT',
          `A job with idempotency key ${JSON.stringify(job.idempotencyKey)} already exists`,
          {
            details: { existing: winner },
          },
        );
      }
    }
    const now = Date.now();
    const { id, ...spec } = job;
    await this.write(
      id,
      {
        id,
        spec: JSON.stringify(spec),
        status: 'queued',
        attempts: '0',
        progress: '0',
        cancelRequested: '0',
        createdAt: String(now),
      },
      { from: undefined, to: 'queued' },
    );
    await this.redis
      .multi()
      .zadd(this.key.created(job.owner), now, id)
      // creations are kept 2 days for quotas, deleted jobs included
      .zremrangebyscore(this.key.created(job.owner), '-inf', String(now - 2 * 86_400_000))
      .zadd(this.key.expiry, job.expiresAt, id)
      .exec();
    const waiting = await this.redis.incr(this.key.ownerQueued(job.owner));
    const level = 10 - Math.max(-10, Math.min(10, job.priority)); // 0 (highest) .. 20
    await this.queue.add(
      'filter',
      { id },
      {
        jobId: id,
        priority: 1 + level * 65_536 + Math.min(65_535, waiting - 1),
        attempts: job.maxAttempts,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
    return (await this.get(id))!;
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
      if (!record || record.status === 'cancelled' || record.cancelRequested) {
        await bull
          .moveToFailed(new UnrecoverableError('FL_ERR_ABORTED: cancelled'), token, false)
          .catch(() => undefined);
        continue;
      }
      const now = Date.now();
      await this.redis.decr(this.key.ownerQueued(record.owner));
      await this.write(
        record.id,
        {
          status: 'running',
          attempts: String(bull.attemptsMade + 1),
          progress: '0',
          leaseOwner: workerId,
          leaseToken: token,
          leaseExpires: String(now + leaseMs),
          ...(record.startedAt ? {} : { startedAt: String(now) }),
        },
        { from: record.status, to: 'running' },
      );
      await this.redis.zadd(this.key.leases, now + leaseMs, record.id);
      this.held.set(record.id, bull);
      return { job: (await this.get(record.id))!, token };
    }
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
    await this.write(claim.job.id, {
      progress: String(progress),
      leaseExpires: String(Date.now() + leaseMs),
    });
    await this.redis.zadd(this.key.leases, Date.now() + leaseMs, claim.job.id);
    return { lost: false, cancelRequested: record[1] === '1' };
  }

  async complete(
    claim: ClaimedJob,
    result: { resultKey: string; meta: Record<string, unknown> },
  ): Promise<void> {
    const bull = await this.bullJob(claim.job.id);
    const token = await this.redis.hget(this.key.job(claim.job.id), 'leaseToken');
    if (!bull || token !== claim.token) return;
    await bull.moveToCompleted({ resultKey: result.resultKey }, claim.token, false);
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
      { from: 'running', to: 'succeeded' },
    );
    await this.redis.zrem(this.key.leases, claim.job.id);
    this.held.delete(claim.job.id);
  }

  async fail(
    claim: ClaimedJob,
    error: JobError,
    retryable: boolean,
  ): Promise<JobRecord | undefined> {
    await this.settle(claim.job.id, claim.token, error, retryable);
    return this.get(claim.job.id);
  }

  /** One failed attempt: BullMQ retries it after its backoff, or it fails (or ends cancelled). */
  private async settle(
    id: string,
    token: string,
    error: JobError,
    retryable: boolean,
  ): Promise<void> {
    const record = await this.get(id);
    if (!record) return;
    const bull = await this.bullJob(id);
    const again = retryable && !record.cancelRequested && record.attempts < record.maxAttempts;
    const reason = `${error.code}: ${error.message}`;
    if (bull)
      await bull
        .moveToFailed(again ? new Error(reason) : new UnrecoverableError(reason), token, false)
        .catch(() => undefined);
    const status: JobStatus = record.cancelRequested ? 'cancelled' : again ? 'queued' : 'failed';
    await this.write(
      id,
      {
        status,
        error: JSON.stringify(error),
        leaseToken: '',
        leaseOwner: '',
        ...(status === 'queued' ? {} : { finishedAt: String(Date.now()) }),
      },
      { from: record.status, to: status },
    );
    if (status === 'queued') await this.redis.incr(this.key.ownerQueued(record.owner));
    await this.redis.zrem(this.key.leases, id);
    this.held.delete(id);
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
          { from: 'queued', to: 'cancelled' },
        );
        await this.redis.decr(this.key.ownerQueued(record.owner));
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
      .hincrby(this.key.counts, record.status, -1);
    if (record.idempotencyKey) tx.del(this.key.idem(record.owner, record.idempotencyKey));
    if (record.status === 'queued') tx.decr(this.key.ownerQueued(record.owner));
    await tx.exec();
  }

  async recoverExpiredLeases(): Promise<JobRecord[]> {
    const ids = await this.redis.zrangebyscore(this.key.leases, '-inf', String(Date.now()));
    const out: JobRecord[] = [];
    for (const id of ids) {
      const record = await this.get(id);
      const token = await this.redis.hget(this.key.job(id), 'leaseToken');
      if (!record || record.status !== 'running' || !token) {
        await this.redis.zrem(this.key.leases, id);
        continue;
      }
      await this.settle(id, token, crashed('its worker stopped sending heartbeats'), true);
      out.push((await this.get(id))!);
    }
    return out;
  }

  async recoverWorker(workerId: string, error: JobError, retryable = true): Promise<JobRecord[]> {
    const ids = await this.redis.zrange(this.key.leases, '0', '-1');
    const out: JobRecord[] = [];
    for (const id of ids) {
      const [owner, token] = await this.redis.hmget(this.key.job(id), 'leaseOwner', 'leaseToken');
      if (owner !== workerId || !token) continue;
      await this.settle(id, token, error, retryable);
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
