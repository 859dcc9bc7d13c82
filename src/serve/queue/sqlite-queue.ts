import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { OutputFormat } from '../../core/image/formats.js';
import { FilterlabError } from '../../core/errors.js';
import {
  backoffMs,
  SYSTEM_OWNER,
  type JobError,
  type JobRecord,
  type JobStatus,
  type NewJob,
} from '../jobs.js';
import type { ClaimedJob, JobQueue, QueueLimits } from './queue.js';

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
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
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

  async enqueue(job: NewJob): Promise<JobRecord> {
    const insert = this.db.transaction(() => {
      const depth = (
        this.db
          .prepare(`SELECT count(*) AS n FROM jobs WHERE status = 'queued' AND owner != ?`)
          .get(SYSTEM_OWNER) as { n: number }
      ).n;
      if (job.owner !== SYSTEM_OWNER && depth >= this.limits.maxDepth) {
        throw new FilterlabError(
          'FL_ERR_QUEUE_FULL',
          `Expected fewer than ${this.limits.maxDepth} queued jobs but the queue holds ${depth}`,
          {
            details: { depth, maxDepth: this.limits.maxDepth },
          },
        );
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
    const run = this.db.transaction(() => {
      const row = this.db
        .prepare('SELECT * FROM jobs WHERE id = ? AND lease_token = ?')
        .get(claim.job.id, claim.token) as Row | undefined;
      if (!row) return;
      this.settleFailure(row, error, retryable);
    });
    run.immediate();
    return this.get(claim.job.id);
  }

  /** Retry after a backoff, or fail for good; cancelled jobs stay cancelled. */
  private settleFailure(row: Row, error: JobError, retryable: boolean): void {
    const now = this.now();
    const clear = 'lease_owner = NULL, lease_token = NULL, lease_expires = NULL';
    if (row.cancel_requested) {
      this.db
        .prepare(
          `UPDATE jobs SET status = 'cancelled', finished_at = ?, ${clear}, rev = ? WHERE id = ?`,
        )
        .run(now, this.nextRev(), row.id);
    } else if (retryable && row.attempts < row.max_attempts) {
      this.db
        .prepare(
          `UPDATE jobs SET status = 'queued', run_at = ?, error_code = ?, error_message = ?, ${clear}, rev = ? WHERE id = ?`,
        )
        .run(now + backoffMs(row.attempts), error.code, error.message, this.nextRev(), row.id);
    } else {
      this.db
        .prepare(
          `UPDATE jobs SET status = 'failed', finished_at = ?, error_code = ?, error_message = ?, ${clear}, rev = ? WHERE id = ?`,
        )
        .run(now, error.code, error.message, this.nextRev(), row.id);
    }
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
      for (const row of rows)
        this.settleFailure(row, crashed('its worker stopped sending heartbeats'), true);
      return rows.map((r) => r.id);
    });
    return this.records(run.immediate());
  }

  async recoverWorker(workerId: string, error: JobError, retryable = true): Promise<JobRecord[]> {
    const run = this.db.transaction(() => {
      const rows = this.db
        .prepare(`SELECT * FROM jobs WHERE status = 'running' AND lease_owner = ?`)
        .all(workerId) as Row[];
      for (const row of rows) this.settleFailure(row, error, retryable);
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
    return (
      this.db
        .prepare('SELECT count(*) AS n FROM creations WHERE owner = ? AND created_at >= ?')
        .get(owner, since) as { n: number }
    ).n;
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

export function crashed(message: string): JobError {
  return { code: 'FL_ERR_WORKER_CRASHED', message };
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
