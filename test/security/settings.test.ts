/**
 * Settings that must fail loudly, and API keys at rest: retention hours, open mode on a public
 * address, numbers in the environment, keyed hashes, owner-only files, legacy sha256 entries.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromEnv, hoursToMs, parseServerConfig } from '../../src/serve/config.js';
import { ApiKeys } from '../../src/serve/http/api-keys.js';
import { cli } from '../support/cli.js';
import { tempDir } from '../support/server.js';

const dirs: string[] = [];
const fresh = async () => {
  const dir = await tempDir('fl-sec-settings-');
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const mode = async (file: string) => (await stat(file)).mode & 0o777;

describe('retention hours', () => {
  it('takes any positive number of hours, 1.1 included', () => {
    expect(hoursToMs('1.1', '--retention-hours')).toBe(3_960_000);
    expect(hoursToMs('0.5', '--retention-hours')).toBe(1_800_000);
    expect(hoursToMs(24, '--retention-hours')).toBe(86_400_000);
  });

  it('refuses 0, negative, empty and non-numbers with FL_ERR_CONFIG naming the setting', () => {
    for (const bad of ['0', '-1', 'abc', '', ' ', 'Infinity', '1e999'])
      expect(() => hoursToMs(bad, '--retention-hours')).toThrow(
        expect.objectContaining({
          code: 'FL_ERR_CONFIG',
          message: `Expected --retention-hours to be a positive number of hours (e.g. 24 or 0.5) but received ${JSON.stringify(bad)}`,
        }),
      );
  });

  it('reads the environment the same way, and refuses non-numbers in any numeric variable', () => {
    expect(configFromEnv({ FILTERLAB_RETENTION_HOURS: '1.1' }).retentionMs).toBe(3_960_000);
    expect(() => configFromEnv({ FILTERLAB_RETENTION_HOURS: '0' })).toThrow(
      /\$FILTERLAB_RETENTION_HOURS to be a positive number/,
    );
    expect(() => configFromEnv({ FILTERLAB_MAX_QUEUE_DEPTH: 'lots' })).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_CONFIG',
        message: expect.stringMatching(/maxQueueDepth/),
      }),
    );
  });

  it('stops `filterlab serve --retention-hours 0` and `abc` before it starts', async () => {
    const data = await fresh();
    for (const bad of ['0', 'abc']) {
      const run = await cli('serve', '--port', '0', '--data', data, '--retention-hours', bad);
      expect(run.code).not.toBe(0);
      expect(run.stderr.join('\n')).toContain(
        `error FL_ERR_CONFIG: Expected --retention-hours to be a positive number of hours (e.g. 24 or 0.5) but received "${bad}"`,
      );
    }
  });
});

describe('open mode', () => {
  it('refuses open mode on a non-loopback address unless openPublic says it is meant', () => {
    expect(() => parseServerConfig({ host: '0.0.0.0', open: true })).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_CONFIG',
        message: expect.stringMatching(
          /open mode only on a loopback address but received host 0\.0\.0\.0/,
        ),
      }),
    );
    expect(parseServerConfig({ host: '0.0.0.0', open: true, openPublic: true }).open).toBe(true);
    expect(parseServerConfig({ host: '127.0.0.1', open: true }).open).toBe(true);
    // without --open a public address means key mode, as before
    expect(parseServerConfig({ host: '0.0.0.0' }).open).toBeUndefined();
    expect(configFromEnv({ FILTERLAB_OPEN: '1', FILTERLAB_OPEN_PUBLIC: '1' })).toMatchObject({
      open: true,
      openPublic: true,
    });
  });

  it('stops `filterlab serve --host 0.0.0.0 --open` with FL_ERR_CONFIG', async () => {
    const run = await cli(
      'serve',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--open',
      '--data',
      await fresh(),
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr.join('\n')).toMatch(
      /error FL_ERR_CONFIG: Expected open mode only on a loopback/,
    );
  });
});

describe('API keys at rest', () => {
  it('stores a keyed hash, never the key or its plain sha256, in owner-only files', async () => {
    const dir = await fresh();
    const keys = await ApiKeys.open(dir);
    const { key, entry } = await keys.create('alice', { maxPriority: 2 });
    const text = await readFile(path.join(dir, 'api-keys.json'), 'utf8');
    expect(text).not.toContain(key);
    expect(text).not.toContain(createHash('sha256').update(key).digest('hex'));
    expect(entry.hmac).toMatch(/^[a-f0-9]{64}$/);
    expect(entry.sha256).toBeUndefined();
    expect(await mode(path.join(dir, 'api-keys.json'))).toBe(0o600);
    expect(await mode(path.join(dir, 'api-keys.secret'))).toBe(0o600);
    expect((await ApiKeys.open(dir)).find(key)?.id).toBe(entry.id);
    // the same key file under another server secret matches nothing
    const other = await fresh();
    await writeFile(path.join(other, 'api-keys.json'), text);
    expect((await ApiKeys.open(other)).find(key)).toBeUndefined();
  });

  it('accepts an old sha256 entry once and rewrites it as a keyed hash; tightens a 0644 file', async () => {
    const dir = await fresh();
    const key = 'fl_legacy-key-from-an-older-version';
    const file = path.join(dir, 'api-keys.json');
    const legacy = {
      id: 'abc123',
      name: 'old',
      sha256: createHash('sha256').update(key).digest('hex'),
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    await writeFile(file, JSON.stringify([legacy]), { mode: 0o644 });
    const keys = await ApiKeys.open(dir);
    expect(await mode(file)).toBe(0o600);
    expect(keys.find(key)?.id).toBe('abc123');
    const migrated = await waitForFile(file, (t) => !t.includes('sha256'));
    expect(JSON.parse(migrated)).toEqual([
      expect.objectContaining({ id: 'abc123', hmac: expect.stringMatching(/^[a-f0-9]{64}$/) }),
    ]);
    expect((await ApiKeys.open(dir)).find(key)?.id).toBe('abc123');
    expect((await ApiKeys.open(dir)).find('fl_other')).toBeUndefined();
  });

  it('stops with FL_ERR_CONFIG when the secret cannot be read, instead of making keys unusable', async () => {
    const dir = await fresh();
    await mkdir(path.join(dir, 'api-keys.secret'));
    await expect(ApiKeys.open(dir)).rejects.toMatchObject({
      code: 'FL_ERR_CONFIG',
      message: expect.stringMatching(
        /API key secret .*api-keys\.secret but it could not be read or made: EISDIR/,
      ),
    });
  });

  it('refuses a priority cap out of range, and `keys create --max-priority` sets it', async () => {
    const dir = await fresh();
    await expect((await ApiKeys.open(dir)).create('x', { maxPriority: 11 })).rejects.toMatchObject({
      code: 'FL_ERR_INVALID_ARGUMENT',
      message: expect.stringMatching(/maxPriority/),
    });
    const run = await cli('keys', 'create', '--name', 'vip', '--max-priority', '3', '--data', dir);
    expect(run.code).toBe(0);
    const key = run.stdout[0]!;
    expect((await ApiKeys.open(dir)).find(key)).toMatchObject({ name: 'vip', maxPriority: 3 });
  });
});

async function waitForFile(file: string, ok: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = await readFile(file, 'utf8');
    if (ok(text) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 20));
  }
}
