import type { Command } from 'commander';
import {
  configFromEnv,
  dataPath,
  hoursToMs,
  isLoopback,
  openMode,
  parseServerConfig,
  type ServerConfigInput,
} from '../../serve/config.js';
import { ApiKeys } from '../../serve/http/api-keys.js';
import { startServer } from '../../serve/server.js';
import { runWorker } from '../../serve/worker/worker-process.js';
import { collect, intOption, type Io } from '../io.js';

interface ServeFlags {
  port?: number;
  host?: string;
  data?: string;
  workers?: number | false;
  queue?: string;
  storage?: string;
  open?: boolean;
  openPublic?: boolean;
  filters: string[];
  retentionHours?: string;
}

interface KeyCreateFlags {
  name: string;
  data?: string;
  rate?: number;
  quota?: number;
  maxPriority?: number;
}

function configFrom(flags: ServeFlags): ServerConfigInput {
  return {
    ...configFromEnv(),
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.host ? { host: flags.host } : {}),
    ...(flags.data ? { dataDir: flags.data } : {}),
    ...(flags.workers === false
      ? { workers: 0 }
      : flags.workers !== undefined
        ? { workers: flags.workers }
        : {}),
    ...(flags.queue ? { queue: flags.queue } : {}),
    ...(flags.storage ? { storage: flags.storage } : {}),
    ...(flags.open !== undefined ? { open: flags.open } : {}),
    ...(flags.filters.length ? { filtersDirs: flags.filters } : {}),
    ...(flags.openPublic ? { openPublic: true } : {}),
    ...(flags.retentionHours !== undefined
      ? { retentionMs: hoursToMs(flags.retentionHours, '--retention-hours') }
      : {}),
  };
}

function backendOptions(cmd: Command): Command {
  return cmd
    .option(
      '--data <dir>',
      'data folder: queue database, blobs, API keys ($FILTERLAB_DATA, default .filterlab)',
    )
    .option('--queue <url>', '"sqlite" or redis://host:port ($FILTERLAB_QUEUE)')
    .option('--storage <url>', '"local" or s3://bucket/prefix ($FILTERLAB_STORAGE)')
    .option('--filters <dir>', 'extra folder of filter specs to offer (repeatable)', collect, []);
}

export function registerServe(program: Command, io: Io): void {
  backendOptions(
    program
      .command('serve')
      .description('Run the HTTP API and web app with worker processes (PORT or 8080)')
      .option('--port <n>', 'port ($PORT, default 8080)', intOption)
      .option('--host <host>', 'address to bind ($HOST, default 127.0.0.1)')
      .option('--workers <n>', 'worker processes to start', intOption)
      .option('--no-workers', 'HTTP only: workers run elsewhere (`filterlab worker`)')
      .option('--open', 'no API key needed (default only on a loopback address)')
      .option('--open-public', 'allow --open on a non-loopback address ($FILTERLAB_OPEN_PUBLIC=1)')
      .option(
        '--retention-hours <n>',
        'delete uploads and results after this many hours, e.g. 24 or 0.5 (default 24)',
      ),
  ).action(async (flags: ServeFlags) => {
    const server = await startServer(configFrom(flags));
    if (openMode(server.config) && !isLoopback(server.config.host))
      io.err(
        `WARNING: open mode on ${server.config.host}: anyone who reaches this address can upload photos and read lab reports without an API key`,
      );
    io.out(
      `filterlab serving ${server.url} (${openMode(server.config) ? 'open mode: no API key needed' : 'API keys required'}; ${server.config.workers} worker${server.config.workers === 1 ? '' : 's'}; data in ${dataPath(server.config)})`,
    );
    await waitForSignal();
    await server.close();
  });

  backendOptions(
    program.command('worker').description('Run a worker: take jobs from the queue, no HTTP'),
  ).action(async (flags: ServeFlags) => {
    io.err('worker started; Ctrl-C to stop');
    await runWorker(configFrom(flags));
  });

  const keys = program
    .command('keys')
    .description(
      'API keys of the server (stored as keyed hashes in <data>/api-keys.json, mode 0600)',
    );
  keys
    .command('create')
    .requiredOption('--name <name>', 'who the key is for')
    .option('--data <dir>', 'data folder')
    .option('--rate <n>', 'requests per minute', intOption)
    .option('--quota <n>', 'jobs per day', intOption)
    .option(
      '--max-priority <n>',
      'highest job priority the key may ask for, -10..10 (default 0)',
      intOption,
    )
    .action(async (flags: KeyCreateFlags) => {
      const config = parseServerConfig(
        configFrom({ filters: [], ...(flags.data ? { data: flags.data } : {}) }),
      );
      const store = await ApiKeys.open(dataPath(config));
      const { key, entry } = await store.create(flags.name, {
        ...(flags.rate ? { rateLimitPerMinute: flags.rate } : {}),
        ...(flags.quota ? { quotaPerDay: flags.quota } : {}),
        ...(flags.maxPriority !== undefined ? { maxPriority: flags.maxPriority } : {}),
      });
      io.out(key);
      io.err(`created key ${entry.id} for ${entry.name}; it is shown only now`);
    });
  keys
    .command('list')
    .option('--data <dir>', 'data folder')
    .action(async (flags: { data?: string }) => {
      const config = parseServerConfig(
        configFrom({ filters: [], ...(flags.data ? { data: flags.data } : {}) }),
      );
      for (const k of (await ApiKeys.open(dataPath(config))).list())
        io.out(`${k.id}  ${k.name}  ${k.createdAt}`);
    });
  keys
    .command('revoke')
    .argument('<id>')
    .option('--data <dir>', 'data folder')
    .action(async (id: string, flags: { data?: string }) => {
      const config = parseServerConfig(
        configFrom({ filters: [], ...(flags.data ? { data: flags.data } : {}) }),
      );
      const ok = await (await ApiKeys.open(dataPath(config))).revoke(id);
      io.out(ok ? `revoked ${id}` : `no key ${id}`);
    });
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
