import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { OutputFormat } from '../../core/image/formats.js';
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
} from './queue.js';
import { afterAttempt, crashed, type AttemptEnd } from './transitions.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  filter TEXT NOT NULL,
  params TEXT NOT NULL,
  seed INTEGER NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  progress REAL NOT NULL DEFAULT 0,
  error_code TEXT,
  error_message TEXT,
  input_key TEXT NOT NULL,
  result_key TEXT,
  result_meta TEXT,
  idempotency_key TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_token TEXT,
  lease_expires INTEGER,
  run_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  expires_at INTEGER NOT NULL,
  rev INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs (status, run_at);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, status);
CREATE INDEX IF NOT EXISTS jobs_rev ON jobs (rev);
CREATE INDEX IF NOT EXISTS jobs_expires ON jobs (expires_at);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_idempotency ON jobs (owner, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS owners (owner TEXT PRIMARY KEY, last_started INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters (name, value) VALUES ('rev', (SELECT coalesce(max(rev), 0) FROM jobs));
CREATE TABLE IF NOT EXISTS creations (owner TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS creations_owner ON creations (owner, created_at);
CREATE INDEX IF NOT EXISTS creations_time ON creations (created_at);
`;

/** Creations older than this are forgotten: quotas look back one day. */
const CREATIONS_KEPT_MS = 2 * 86_400_000;

interface Row {
  id: string;
  format: string | null;
  owner: string;
  filter: string;
  params: string;
  seed: number;
  priority: number;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  progress: number;
  error_code: string | null;
  error_message: string | null;
  input_key: string;
  result_key: string | null;
  result_meta: string | null;
  idempotency_key: string | null;
  cancel_requested: number;
  lease_owner: string | null;
  lease_token: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  expires_at: number;
  rev: number;
}

/**
 * The embedded queue: one SQLite file in WAL mode, shared by the HTTP process and its worker
 * processes. Every state change is one transaction with synchronous=FULL, so a job answered
 * 202 survives the server being killed (SIGKILL) at any moment.
 */
export class SqliteQueue implements JobQueue {
  private readonly db: Database.Database;
  private readonly limits: QueueLimits;

  constructor(
    file: string,
    limits: Partial<QueueLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    if (file !== ':memory:') createOwnerOnly(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    migrate(this.db);
    this.limits = { maxDepth: limits.maxDepth ?? 1000 };
  }

  /** A counter, not max(rev) + 1: removing the newest job must not hand its number out again. */
  private nextRev(): number {
    const row = this.db
      .prepare(`UPDATE counters SET value = value + 1 WHERE name = 'rev' RETURNING value`)
      .get() as { value: number };
    return row.value;
  }

  async enqueue(job: NewJob, options: EnqueueOptions = {}): Promise<JobRecord> {
    // one IMMEDIATE transaction: two uploads cannot both see room under the depth or the quota
    const insert = this.db.transaction(() => {
      const depth = (
        this.db
          .prepare(`SELECT count(*) AS n FROM jobs WHERE status = 'queued' AND owner != ?`)
          .get(SYSTEM_OWNER) as { n: number }
      ).n;
      if (job.owner !== SYSTEM_OWNER && depth >= this.limits.maxDepth)
        throw queueFull(depth, this.limits.maxDepth);
      const { quota } = options;
      if (quota) {
        const used = this.createdSince(job.owner, this.now() - quota.windowMs);
        if (used >= quota.limit) throw quotaExceeded(quota, used);
      }
      const now = this.now();
      this.db
        .prepare(
          `INSERT INTO jobs (id, owner, filter, params, seed, priority, status, max_attempts, input_key, idempotency_key,
             format, run_at, created_at, expires_at, rev)
           VALUES (@id, @owner, @filter, @params, @seed, @priority, 'queued', @maxAttempts, @inputKey, @idempotencyKey,
             @format, @now, @now, @expiresAt, @rev)`,
        )
        .run({
          ...job,
          params: JSON.stringify(job.params),
          idempotencyKey: job.idempotencyKey ?? null,
          format: job.format ?? null,
          now,
          rev: this.nextRev(),
        });
      this.db
        .prepare('INSERT INTO creations (owner, created_at) VALUES (?, ?)')
        .run(job.owner, now);
      this.db.prepare('DELETE FROM creations WHERE created_at < ?').run(now - CREATIONS_KEPT_MS);
    });
    insert.immediate();
    return (await this.get(job.id))!;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return row && toRecord(row);
  }

  async findByIdempotencyKey(owner: string, key: string): Promise<JobRecord | undefined> {
    const row = this.db
      .prepare('SELECT * FROM jobs WHERE owner = ? AND idempotency_key = ?')
      .get(owner, key) as Row | undefined;
    return row && toRecord(row);
  }

  async claim(workerId: string, leaseMs: number): Promise<ClaimedJob | undefined> {
    const take = this.db.transaction((): ClaimedJob | undefined => {
      const now = this.now();
      // Fairness: among equal priorities, the key with fewest running jobs, then the one served
      // longest ago, so one client's burst cannot starve the others.
      const row = this.db
        .prepare(
          `SELECT j.id FROM jobs j LEFT JOIN owners o ON o.owner = j.owner
           WHERE j.status = 'queued' AND j.run_at <= ?
           ORDER BY j.priority DESC,
             (SELECT count(*) FROM jobs r WHERE r.owner = j.owner AND r.status = 'running') ASC,
             coalesce(o.last_started, 0) ASC,
             j.created_at ASC
           LIMIT 1`,
        )
        .get(now) as { id: string } | undefined;
      if (!row) return undefined;
      const token = randomBytes(12).toString('base64url');
      this.db
        .prepare(
          `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_token = ?, lease_expires = ?,
             started_at = coalesce(started_at, ?), progress = 0, rev = ? WHERE id = ?`,
        )
        .run(workerId, token, now + leaseMs, now, this.nextRev(), row.id);
      const job = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(row.id) as Row;
      this.db
        .prepare(
          'INSERT INTO owners (owner, last_started) VALUES (?, ?) ON CONFLICT(owner) DO UPDATE SET last_started = excluded.last_started',
        )
        .run(job.owner, now);
      return { job: toRecord(job), token };
    });
    return take.immediate();
  }

  async heartbeat(
    claim: ClaimedJob,
    progress: number,
    leaseMs: number,
  ): Promise<{ lost: boolean; cancelRequested: boolean }> {
    const run = this.db.transaction(() => {
      const result = this.db
        .prepare(
          `UPDATE jobs SET lease_expires = ?, progress = ?, rev = ? WHERE id = ? AND lease_token = ? AND status = 'running'`,
        )
        .run(this.now() + leaseMs, progress, this.nextRev(), claim.job.id, claim.token);
      if (result.changes === 0) return { lost: true, cancelRequested: true };
      const row = this.db
        .prepare('SELECT cancel_requested FROM jobs WHERE id = ?')
        .get(claim.job.id) as { cancel_requested: number };
      return { lost: false, cancelRequested: row.cancel_requested === 1 };
    });
    return run.immediate();
  }

  async complete(
    claim: ClaimedJob,
    result: { resultKey: string; meta: Record<string, unknown> },
  ): Promise<void> {
    const run = this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE jobs SET status = 'succeeded', progress = 1, result_key = ?, result_meta = ?, finished_at = ?, error_code = NULL, error_message = NULL,
             lease_owner = NULL, lease_token = NULL, lease_expires = NULL, rev = ?
           WHERE id = ? AND lease_token = ? AND status = 'running'`,
        )
        .run(
          result.resultKey,
          JSON.stringify(result.meta),
          this.now(),
          this.nextRev(),
          claim.job.id,
          claim.token,
        );
    });
    run.immediate();
  }

  async fail(
    claim: ClaimedJob,
    error: JobError,
    retryable: boolean,
  ): Promise<JobRecord | undefined> {
    return this.endAttempt(claim, { kind: 'failed', error, retryable });
  }

  async release(claim: ClaimedJob): Promise<JobRecord | undefined> {
    return this.endAttempt(claim, { kind: 'released' });
  }

  private async endAttempt(claim: ClaimedJob, end: AttemptEnd): Promise<JobRecord | undefined> {
    const run = this.db.transaction(() => {
      const row = this.db
        .prepare(`SELECT * FROM jobs WHERE id = ? AND lease_token = ? AND status = 'running'`)
        .get(claim.job.id, claim.token) as Row | undefined;
      if (row) this.settle(row, end);
    });
    run.immediate();
    return this.get(claim.job.id);
  }

  /** Apply the queues' one policy (transitions.ts) to a running job whose attempt ended. */
  private settle(row: Row, end: AttemptEnd): void {
    const now = this.now();
    const next = afterAttempt(
      {
        attempts: row.attempts,
        maxAttempts: row.max_attempts,
        cancelRequested: row.cancel_requested === 1,
      },
      end,
      now,
    );
    const error = 'error' in next && next.error ? next.error : undefined;
    this.db
      .prepare(
        `UPDATE jobs SET status = @status, attempts = @attempts, run_at = coalesce(@runAt, run_at),
           finished_at = @finishedAt, error_code = coalesce(@code, error_code),
           error_message = coalesce(@message, error_message),
           lease_owner = NULL, lease_token = NULL, lease_expires = NULL, rev = @rev WHERE id = @id`,
      )
      .run({
        status: next.status,
        attempts: next.attempts,
        runAt: next.status === 'queued' ? next.runAt : null,
        finishedAt: next.status === 'queued' ? null : now,
        code: error?.code ?? null,
        message: error?.message ?? null,
        rev: this.nextRev(),
        id: row.id,
      });
  }

  async cancel(id: string): Promise<JobRecord | undefined> {
    const run = this.db.transaction(() => {
      const rev = this.nextRev();
      this.db
        .prepare(
          `UPDATE jobs SET status = 'cancelled', finished_at = ?, cancel_requested = 1, rev = ? WHERE id = ? AND status = 'queued'`,
        )
        .run(this.now(), rev, id);
      this.db
        .prepare(
          `UPDATE jobs SET cancel_requested = 1, rev = ? WHERE id = ? AND status = 'running'`,
        )
        .run(rev, id);
    });
    run.immediate();
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
  }

  async recoverExpiredLeases(): Promise<JobRecord[]> {
    const run = this.db.transaction(() => {
      const rows = this.db
        .prepare(`SELECT * FROM jobs WHERE status = 'running' AND lease_expires < ?`)
        .all(this.now()) as Row[];
      const error = crashed('its worker stopped sending heartbeats');
      for (const row of rows) this.settle(row, { kind: 'failed', error, retryable: true });
      return rows.map((r) => r.id);
    });
    return this.records(run.immediate());
  }

  async recoverWorker(workerId: string, end: AttemptEnd): Promise<JobRecord[]> {
    const run = this.db.transaction(() => {
      const rows = this.db
        .prepare(`SELECT * FROM jobs WHERE status = 'running' AND lease_owner = ?`)
        .all(workerId) as Row[];
      for (const row of rows) this.settle(row, end);
      return rows.map((r) => r.id);
    });
    return this.records(run.immediate());
  }

  async expired(now: number, limit: number): Promise<JobRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM jobs WHERE expires_at <= ? LIMIT ?')
      .all(now, limit) as Row[];
    return rows.map(toRecord);
  }

  async counts(): Promise<Record<JobStatus, number>> {
    const counts: Record<JobStatus, number> = {
      queued: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
    };
    for (const row of this.db
      .prepare('SELECT status, count(*) AS n FROM jobs GROUP BY status')
      .all() as { status: JobStatus; n: number }[]) {
      counts[row.status] = row.n;
    }
    return counts;
  }

  async countCreatedSince(owner: string, since: number): Promise<number> {
    return this.createdSince(owner, since);
  }

  private createdSince(owner: string, since: number): number {
    return (
      this.db
        .prepare('SELECT count(*) AS n FROM creations WHERE owner = ? AND created_at >= ?')
        .get(owner, since) as { n: number }
    ).n;
  }

  /** Nothing to repair: enqueue and every state change is one transaction. */
  async reconcile(): Promise<number> {
    return 0;
  }

  async changedSince(rev: number, limit = 500): Promise<JobRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM jobs WHERE rev > ? ORDER BY rev LIMIT ?')
      .all(rev, limit) as Row[];
    return rows.map(toRecord);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private async records(ids: string[]): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    for (const id of ids) {
      const job = await this.get(id);
      if (job) out.push(job);
    }
    return out;
  }
}

/**
 * The database holds who uploaded what: its folder is created 0700 and the file 0600 before
 * SQLite opens it (its -wal and -shm files take the database file's mode).
 */
function createOwnerOnly(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600); // a database made by an older version
}

/** Columns added after the first release, added to older databases in place. */
function migrate(db: Database.Database): void {
  const columns = (db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[]).map(
    (c) => c.name,
  );
  if (!columns.includes('format')) db.exec('ALTER TABLE jobs ADD COLUMN format TEXT');
}

function toRecord(row: Row): JobRecord {
  return {
    id: row.id,
    ...(row.format ? { format: row.format as OutputFormat } : {}),
    owner: row.owner,
    filter: row.filter,
    params: JSON.parse(row.params) as Record<string, unknown>,
    seed: row.seed,
    priority: row.priority,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    progress: row.progress,
    ...(row.error_code
      ? { error: { code: row.error_code, message: row.error_message ?? '' } }
      : {}),
    inputKey: row.input_key,
    ...(row.result_key ? { resultKey: row.result_key } : {}),
    ...(row.result_meta
      ? { resultMeta: JSON.parse(row.result_meta) as Record<string, unknown> }
      : {}),
    ...(row.idempotency_key ? { idempotencyKey: row.idempotency_key } : {}),
    cancelRequested: row.cancel_requested === 1,
    createdAt: row.created_at,
    ...(row.started_at ? { startedAt: row.started_at } : {}),
    ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
    expiresAt: row.expires_at,
    rev: row.rev,
  };
}
