import { describe, expect, it } from 'vitest';
import { readCookie, Sessions } from './sessions.js';

describe('Sessions', () => {
  it('knows a session until it expires, then forgets it', () => {
    let now = 1_000;
    const sessions = new Sessions(60_000, () => now);
    const { id, expiresAt } = sessions.create('key-1');
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toBe(61_000);
    now = 60_999;
    expect(sessions.owner(id)).toBe('key-1');
    now = 61_000;
    expect(sessions.owner(id)).toBeUndefined();
    now = 1_000; // a clock that goes back does not revive it: it was dropped
    expect(sessions.owner(id)).toBeUndefined();
  });

  it('ends a session on delete, and knows no made-up id', () => {
    const sessions = new Sessions();
    const a = sessions.create('key-1');
    const b = sessions.create('key-1');
    expect(a.id).not.toBe(b.id);
    sessions.delete(a.id);
    expect(sessions.owner(a.id)).toBeUndefined();
    expect(sessions.owner(b.id)).toBe('key-1');
    expect(sessions.owner('forged')).toBeUndefined();
  });
});

describe('readCookie', () => {
  it('finds one cookie among others by its exact name', () => {
    const header = 'theme=dark; fl_session_x=no; fl_session=abc-123; other=1';
    expect(readCookie(header, 'fl_session')).toBe('abc-123');
    expect(readCookie(header, 'missing')).toBeUndefined();
    expect(readCookie(undefined, 'fl_session')).toBeUndefined();
  });
});
