/**
 * Real Redis and S3-compatible servers for the scale-out tests, started once per test file on
 * loopback with free ports: `redis-server` from Debian (installed by .ci/run) with append-only
 * persistence in a temp folder, and s3rver in this process. Suites skip when redis-server is
 * not installed.
 *
 * Teardown is explicit: every file that starts them calls `afterAll(stopScaleOutServices)`.
 * An exit handler is not enough: vitest ends its forked workers with SIGTERM, which runs no
 * 'exit' listener, so a redis-server started that way outlived every test run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startLocalS3 } from '../../scripts/s3-local.js';

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** Stop the server (SIGTERM, or SIGKILL with `hard`), keeping its data folder. */
  stop(hard?: boolean): Promise<void>;
  /** Start it again on the same port and data folder. */
  restart(): Promise<void>;
  /** Stop it and remove its data folder. */
  close(): Promise<void>;
}

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fl-redis-'));
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
      ],
      {
        stdio: 'ignore',
      },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis({
        port,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined); // refused while the server starts: expected
      const ok = await client.connect().then(
        () => client.ping().then(() => true),
        () => false,
      );
      client.disconnect();
      if (ok) return;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async (hard = false) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(hard ? 'SIGKILL' : 'SIGTERM');
    });
  };
  try {
    await launch();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    restart: launch,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Services {
  redis: RedisServer;
  s3Url: string;
}

let services: Promise<Services> | undefined;
let started: Services | undefined;
let teardown: (() => Promise<void>) | undefined;

/** Redis and S3 for this test file, started on first use; AWS_* point the SDK (and forked workers) at the local S3. */
export function scaleOutServices(): Promise<Services> {
  services ??= (async () => {
    const redis = await startRedis();
    const s3Dir = await mkdtemp(path.join(os.tmpdir(), 'fl-s3-'));
    const s3 = await startLocalS3(await freePort(), s3Dir).catch(async (error: unknown) => {
      await Promise.all([redis.close(), rm(s3Dir, { recursive: true, force: true })]);
      throw error;
    });
    teardown = async () => {
      await Promise.all([redis.close(), s3.close()]);
      await rm(s3Dir, { recursive: true, force: true });
    };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: s3.url,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    });
    started = { redis, s3Url: s3.url };
    return started;
  })();
  return services;
}

/** Stop Redis and S3 and remove their folders; a no-op when they were never started. */
export async function stopScaleOutServices(): Promise<void> {
  const pending = services;
  if (!pending) return;
  await pending.catch(() => undefined);
  const stop = teardown;
  services = started = teardown = undefined;
  await stop?.();
}

let counter = 0;

/** A fresh namespace on the shared services for one server under test (after scaleOutServices()). */
export function scaleOutConfig(): { queue: string; storage: string } {
  if (!started) throw new Error('scaleOutServices() must have finished first');
  const ns = `t${process.pid}x${++counter}`;
  return { queue: `${started.redis.url}?prefix=${ns}`, storage: `s3://filterlab/${ns}` };
}

/** The running services (after scaleOutServices()). */
export function runningServices(): Services {
  if (!started) throw new Error('scaleOutServices() must have finished first');
  return started;
}
