import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FilterlabError } from '../../core/errors.js';
import { writeAtomic } from '../../core/util/atomic-write.js';
import { sha256Hex } from '../../core/util/content-hash.js';
import { parseWith } from '../../core/util/parse-with.js';

const HEX64 = /^[a-f0-9]{64}$/;

const KeyEntrySchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    /** HMAC-SHA256 of the key under the server secret in api-keys.secret. */
    hmac: z.string().regex(HEX64).optional(),
    /** Plain sha256 of the key, as files before the keyed hash held; replaced on first use. */
    sha256: z.string().regex(HEX64).optional(),
    createdAt: z.string(),
    rateLimitPerMinute: z.number().int().positive().optional(),
    quotaPerDay: z.number().int().positive().optional(),
    /** Highest job priority this key may ask for (default 0): keys cannot jump each other. */
    maxPriority: z.number().int().min(-10).max(10).optional(),
  })
  .refine((e) => Boolean(e.hmac) !== Boolean(e.sha256), {
    message: 'Expected exactly one of hmac or sha256',
  });
export type KeyEntry = z.infer<typeof KeyEntrySchema>;
export type KeyLimits = Pick<KeyEntry, 'rateLimitPerMinute' | 'quotaPerDay' | 'maxPriority'>;

/** The owner of requests in open mode. */
export const OPEN_OWNER = 'open';

const sha256 = (key: string) => sha256Hex(key);

/**
 * API keys in <dataDir>/api-keys.json, stored as HMAC-SHA256 under a random server secret in
 * <dataDir>/api-keys.secret: the server can check a key, nobody can read one back, and a copy of
 * the key file alone does not allow guessing keys offline. Both files are owner-only (0600). A
 * key is shown once, when created. Entries from before the keyed hash (plain sha256) are
 * accepted and rewritten as HMAC on their first use. `filterlab keys` edits the file from
 * another process while the server runs, so a changed file is read again: a revoked key stops
 * working at once, without a restart.
 */
export class ApiKeys {
  private constructor(
    private readonly file: string,
    private readonly secret: Buffer,
    private entries: KeyEntry[],
    private version: string,
  ) {}

  static async open(dataDir: string): Promise<ApiKeys> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, 'api-keys.json');
    const secret = await serverSecret(path.join(dataDir, 'api-keys.secret'));
    const version = fileVersion(file);
    // files written before keys were owner-only; a read-only copy (a shared mount) stays as it is
    if (version) await chmod(file, 0o600).catch(() => undefined);
    const text = await readFile(file, 'utf8').catch(() => '[]');
    return new ApiKeys(file, secret, parseKeys(file, text), version);
  }

  get count(): number {
    return this.refreshed().length;
  }

  list(): KeyEntry[] {
    return [...this.refreshed()];
  }

  /** The entry of a key id, or undefined. */
  get(id: string): KeyEntry | undefined {
    return this.refreshed().find((e) => e.id === id);
  }

  /** The key entry for a presented secret, or undefined. */
  find(key: string): KeyEntry | undefined {
    const h = this.hmac(key);
    const entries = this.refreshed();
    const found = entries.find((e) => e.hmac === h);
    if (found) return found;
    const legacy = sha256(key);
    const old = entries.find((e) => e.sha256 === legacy);
    if (!old) return undefined;
    const { sha256: _old, ...rest } = old;
    const migrated: KeyEntry = { ...rest, hmac: h };
    this.entries = entries.map((e) => (e === old ? migrated : e));
    // a failed write leaves the old entry, to be migrated on the next use
    void this.save().catch(() => undefined);
    return migrated;
  }

  private hmac(key: string): string {
    return createHmac('sha256', this.secret).update(key).digest('hex');
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

  async create(name: string, limits: KeyLimits = {}): Promise<{ key: string; entry: KeyEntry }> {
    const key = `fl_${randomBytes(24).toString('base64url')}`;
    const entry: KeyEntry = {
      id: randomBytes(6).toString('hex'),
      name,
      hmac: this.hmac(key),
      createdAt: new Date().toISOString(),
      ...limits,
    };
    parseWith(KeyEntrySchema, entry, 'FL_ERR_INVALID_ARGUMENT', 'Invalid API key settings');
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
    await writeAtomic(this.file, JSON.stringify(this.entries, null, 2) + '\n');
    await chmod(this.file, 0o600);
    this.version = fileVersion(this.file);
  }
}

/** The server's HMAC secret: 32 random bytes made once, in an owner-only file. */
async function serverSecret(file: string): Promise<Buffer> {
  const made = randomBytes(32).toString('hex');
  // 'wx': of two processes starting at once, the first one's secret is kept; a read-only data
  // folder (keys shared on a mount) must already hold one, which is read below
  await writeFile(file, made + '\n', { flag: 'wx', mode: 0o600 }).catch(() => undefined);
  let text = '';
  // another process may have created the file a moment ago and not written it yet
  for (let tries = 0; tries < 20 && !text; tries++) {
    if (tries) await new Promise((r) => setTimeout(r, 25));
    text = (
      await readFile(file, 'utf8').catch((cause: unknown) => {
        throw new FilterlabError(
          'FL_ERR_CONFIG',
          `Expected the API key secret ${file} but it could not be read or made: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`,
          { cause },
        );
      })
    ).trim();
  }
  if (!HEX64.test(text))
    throw new FilterlabError(
      'FL_ERR_CONFIG',
      `Expected 64 hex characters in the API key secret ${file} but received ${text.length} characters; delete it to make a new one (every key must then be created again)`,
    );
  return Buffer.from(text, 'hex');
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
