import { createHash, randomBytes } from 'node:crypto';

/** The cookie that carries a browser session's id. */
export const SESSION_COOKIE = 'fl_session';

/** How long a browser session lasts after it was made from an API key. */
export const SESSION_TTL_MS = 12 * 3_600_000;

interface Session {
  owner: string;
  expiresAt: number;
}

/**
 * Browser sessions: a random id in an HttpOnly cookie stands for the API key that made it, so
 * that the web app, EventSource and <img src> work in key mode without the key in JavaScript
 * after login. The server keeps only a hash of each id, in this process's memory: a restart
 * logs browsers out, and several API processes behind one address need sticky sessions.
 */
export class Sessions {
  private readonly byHash = new Map<string, Session>();

  constructor(
    private readonly ttlMs = SESSION_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  create(owner: string): { id: string; expiresAt: number } {
    this.prune();
    const id = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.ttlMs;
    this.byHash.set(hashId(id), { owner, expiresAt });
    return { id, expiresAt };
  }

  /** The owner of a live session, or undefined for an unknown or expired id. */
  owner(id: string): string | undefined {
    const h = hashId(id);
    const session = this.byHash.get(h);
    if (session && session.expiresAt > this.now()) return session.owner;
    this.byHash.delete(h);
    return undefined;
  }

  delete(id: string): void {
    this.byHash.delete(hashId(id));
  }

  private prune(): void {
    const t = this.now();
    for (const [h, s] of this.byHash) if (s.expiresAt <= t) this.byHash.delete(h);
  }
}

const hashId = (id: string) => createHash('sha256').update(id).digest('base64url');

/** One cookie's value from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of header?.split(';') ?? []) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
