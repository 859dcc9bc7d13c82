import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type RunStatus = 'running' | 'complete';

export interface RunRow {
  id: string;
  name: string;
  createdAt: string;
  status: RunStatus;
  configSha: string;
  datasetManifest: string;
  verdict: string | null;
  dir: string;
}

export interface ResultRow {
  variant: string;
  file: string;
  seed: number;
  metrics: Record<string, number | undefined>;
  outcome: 'ok' | 'no_face' | 'error';
  errorCode: string | null;
  errorMessage: string | null;
  outputKey: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL, status TEXT NOT NULL,
  config_sha TEXT NOT NULL, dataset_manifest TEXT NOT NULL, verdict TEXT, dir TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
  run_id TEXT NOT NULL, variant TEXT NOT NULL, file TEXT NOT NULL, seed INTEGER NOT NULL,
  metrics TEXT NOT NULL, outcome TEXT NOT NULL, error_code TEXT, error_message TEXT, output_key TEXT,
  PRIMARY KEY (run_id, variant, file, seed)
);
`;

/**
 * Lab runs in one SQLite file (<out>/runs.db): history for `eval compare`, and the rows a
 * killed run already scored, so that running it again resumes where it stopped.
 */
export class RunStore {
  private readonly db: Database.Database;

  constructor(readonly outDir: string) {
    mkdirSync(outDir, { recursive: true });
    this.db = new Database(path.join(outDir, 'runs.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  /**
   * The newest run of the same config (and filter versions) on the same photos: a killed run
   * resumes where it stopped, a finished one is re-reported without scoring anything again.
   */
  findResumable(configSha: string, datasetManifest: string): RunRow | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM runs WHERE config_sha = ? AND dataset_manifest = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`,
      )
      .get(configSha, datasetManifest) as DbRun | undefined;
    return row && toRun(row);
  }

  /** `id`, or `id-2`, `id-3`… when runs already have it (two runs started in the same second). */
  unusedId(id: string): string {
    let candidate = id;
    for (let n = 2; this.get(candidate); n++) candidate = `${id}-${n}`;
    return candidate;
  }

  create(run: Omit<RunRow, 'status' | 'verdict'>): RunRow {
    this.db
      .prepare(
        `INSERT INTO runs (id, name, created_at, status, config_sha, dataset_manifest, dir) VALUES (?, ?, ?, 'running', ?, ?, ?)`,
      )
      .run(run.id, run.name, run.createdAt, run.configSha, run.datasetManifest, run.dir);
    return { ...run, status: 'running', verdict: null };
  }

  get(id: string): RunRow | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as DbRun | undefined;
    return row && toRun(row);
  }

  list(): RunRow[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC').all() as DbRun[]).map(
      toRun,
    );
  }

  finish(id: string, verdict: string): void {
    this.db
      .prepare(`UPDATE runs SET status = 'complete', verdict = ? WHERE id = ?`)
      .run(verdict, id);
  }

  done(runId: string): Set<string> {
    const rows = this.db
      .prepare('SELECT variant, file, seed FROM results WHERE run_id = ?')
      .all(runId) as { variant: string; file: string; seed: number }[];
    return new Set(rows.map((r) => resultKey(r.variant, r.file, r.seed)));
  }

  save(runId: string, r: ResultRow): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO results (run_id, variant, file, seed, metrics, outcome, error_code, error_message, output_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        runId,
        r.variant,
        r.file,
        r.seed,
        JSON.stringify(r.metrics),
        r.outcome,
        r.errorCode,
        r.errorMessage,
        r.outputKey,
      );
  }

  results(runId: string): ResultRow[] {
    const rows = this.db
      .prepare('SELECT * FROM results WHERE run_id = ? ORDER BY variant, file, seed')
      .all(runId) as DbResult[];
    return rows.map((r) => ({
      variant: r.variant,
      file: r.file,
      seed: r.seed,
      metrics: JSON.parse(r.metrics) as Record<string, number | undefined>,
      outcome: r.outcome as ResultRow['outcome'],
      errorCode: r.error_code,
      errorMessage: r.error_message,
      outputKey: r.output_key,
    }));
  }

  close(): void {
    this.db.close();
  }
}

export function resultKey(variant: string, file: string, seed: number): string {
  return `${variant}\0${file}\0${seed}`;
}

interface DbRun {
  id: string;
  name: string;
  created_at: string;
  status: RunStatus;
  config_sha: string;
  dataset_manifest: string;
  verdict: string | null;
  dir: string;
}

interface DbResult {
  variant: string;
  file: string;
  seed: number;
  metrics: string;
  outcome: string;
  error_code: string | null;
  error_message: string | null;
  output_key: string | null;
}

function toRun(r: DbRun): RunRow {
  return {
    id: r.id,
    name: r.name,
    createdAt: r.created_at,
    status: r.status,
    configSha: r.config_sha,
    datasetManifest: r.dataset_manifest,
    verdict: r.verdict,
    dir: r.dir,
  };
}
