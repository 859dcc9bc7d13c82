import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeAtomic } from '../../core/util/atomic-write.js';
import { sha256Hex } from '../../core/util/content-hash.js';
import { parseWith } from '../../core/util/parse-with.js';

const KeyEntrySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  sha256: z.string().regex(/^[a-f0-9]{64}$/),
  createdAt: z.string(),
  rateLimitPerMinute: z.number().int().positive().optional(),
  quotaPerDay: z.number().int().positive().optional(),
});
export type KeyEntry = z.infer<typeof KeyEntrySchema>;

/** The owner of requests in open mode. */
export const OPEN_OWNER = 'open';

const hash = (key: string) => sha256Hex(key);

/**
 * API keys, stored as sha256 hashes in <dataDir>/api-keys.json: the server can check a key but
 * nobody can read one back. A key is shown once, when created. `filterlab keys` edits the file
 * from another process while the server runs, so a changed file is read again: a revoked key
 * stops working at once, without a restart.
 */
export class ApiKeys {
  private constructor(
    private readonly file: string,
    private entries: KeyEntry[],
    private version: string,
  ) {}

  static async open(dataDir: string): Promise<ApiKeys> {
    const file = path.join(dataDir, 'api-keys.json');
    const version = fileVersion(file);
    const text = await readFile(file, 'utf8').catch(() => '[]');
    return new ApiKeys(file, parseKeys(file, text), version);
  }

  get count(): number {
    return this.refreshed().length;
  }

  list(): KeyEntry[] {
    return [...this.refreshed()];
  }

  /** The key entry for a presented secret, or undefined. */
  find(secret: string): KeyEntry | undefined {
    const h = hash(secret);
    return this.refreshed().find((e) => e.sha256 === h);
  }

  private refreshed(): KeyEntry[] {
    const version = fileVersion(this.file);
    if (version !== this.version) {
      const text = version ? readFileSync(this.file, 'utf8') : '[]';
      this.entries = parseKeys(this.file, text);
      this.version = version;
    }
    return this.entries;
  }

  async create(
    name: string,
    limits: Pick<KeyEntry, 'rateLimitPerMinute' | 'quotaPerDay'> = {},
  ): Promise<{ key: string; entry: KeyEntry }> {
    const key = `fl_${randomBytes(24).toString('base64url')}`;
    const entry: KeyEntry = {
      id: randomBytes(6).toString('hex'),
      name,
      sha256: hash(key),
      createdAt: new Date().toISOString(),
      ...limits,
    };
    this.entries = [...this.refreshed(), entry];
    await this.save();
    return { key, entry };
  }

  async revoke(id: string): Promise<boolean> {
    const before = this.refreshed().length;
    this.entries = this.entries.filter((e) => e.id !== id);
    await this.save();
    return this.entries.length < before;
  }

  private async save(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeAtomic(this.file, JSON.stringify(this.entries, null, 2) + '\n');
    this.version = fileVersion(this.file);
  }
}

/** Changes whenever the file is replaced (writes are atomic renames) or edited; '' when absent. */
function fileVersion(file: string): string {
  const s = statSync(file, { throwIfNoEntry: false });
  return s ? `${s.ino}:${s.size}:${s.mtimeMs}` : '';
}

function parseKeys(file: string, text: string): KeyEntry[] {
  return parseWith(
    z.array(KeyEntrySchema),
    JSON.parse(text),
    'FL_ERR_CONFIG',
    `Invalid API key file ${file}`,
  );
}

/** Token bucket per API key: `perMinute` requests, refilled continuously. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** 0 when allowed, else the seconds to wait. */
  take(owner: string, perMinute: number): number {
    const t = this.now();
    const b = this.buckets.get(owner) ?? { tokens: perMinute, at: t };
    b.tokens = Math.min(perMinute, b.tokens + ((t - b.at) / 60_000) * perMinute);
    b.at = t;
    this.buckets.set(owner, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / perMinute) * 60);
  }
}
