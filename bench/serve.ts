/**
 * What serving a filter costs on top of running it, and how `filterlab serve` holds up.
 *
 *   npm run bench:serve -- [--filter vivid] [--jobs 30,60] [--uploads 2000] [--no-build]
 *                          [--cli path/to/bin.js --out file.json]   (another build, e.g. to compare)
 *
 * The server runs from the built dist (`node dist/src/cli/bin.js serve`) in a child process,
 * with rate limits and quotas lifted through FILTERLAB_* settings; the photo is the faces-dev
 * portrait resized to a 512 px long side (a synthetic one where the set is absent).
 *
 * 1. In-process: applyToBytes (decode → filter → encode) in this process, no HTTP, no queue.
 * 2. Served, end to end, with 1 and 2 workers: a client uploads (multipart), follows the job's
 *    progress stream (SSE) to its final event and downloads the result; latency is upload start
 *    → result bytes in hand. One client in sequence gives the per-job overhead; four clients at
 *    once give the throughput. The server's own latency (job created → finished) is beside it.
 *    The overhead ratios compare served to in-process at one worker.
 * 3. 200 concurrent uploads (autocannon, 200 connections, no workers, no depth limit): upload
 *    acceptance rate and latency, and the resident memory (RSS) of the HTTP process, sampled
 *    from /proc every 50 ms.
 * 4. A full queue (2 workers, depth 20, 200 connections): the share of uploads refused with
 *    503 and whether each carried Retry-After; then every accepted job must end `succeeded`.
 *
 * Results: a table on stdout and bench/results/serve.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import sharp, { type Sharp } from 'sharp';
import { createContext, disposeContext } from '../src/core/context.js';
import { applyToBytes } from '../src/core/filters/apply.js';
import { compile } from '../src/core/filters/compile.js';
import { loadFilter } from '../src/core/filters/load.js';
import { SERVING, spawnCli } from '../test/support/spawn-cli.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const FACES_DEV = process.env.FILTERLAB_FACES_DEV
  ? path.resolve(process.env.FILTERLAB_FACES_DEV)
  : path.resolve(ROOT, '../shared/data/faces-dev');
const DIST_CLI = path.join(ROOT, 'dist', 'src', 'cli', 'bin.js');
const RESULTS = path.join(ROOT, 'bench', 'results', 'serve.json');
const LONG_SIDE = 512;
const CONCURRENT_CLIENTS = 4;
const UPLOAD_CONNECTIONS = 200;
const FULL_QUEUE_DEPTH = 20;

interface Args {
  filter: string;
  jobs: [sequential: number, concurrent: number];
  uploads: number;
  build: boolean;
  cli: string;
  out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    filter: 'vivid',
    jobs: [30, 60],
    uploads: 2000,
    build: true,
    cli: DIST_CLI,
    out: RESULTS,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? '';
    if (a === '--filter') args.filter = next();
    else if (a === '--jobs') {
      const [s, c] = next().split(',').map(Number);
      args.jobs = [positive(s, a), positive(c ?? s, a)];
    } else if (a === '--uploads') args.uploads = positive(Number(next()), a);
    else if (a === '--no-build') args.build = false;
    else if (a === '--cli') {
      args.cli = path.resolve(next());
      args.build = false;
    } else if (a === '--out') args.out = path.resolve(next());
    else throw new Error(`Unknown option ${a}`);
  }
  return args;
}

function positive(n: number | undefined, name: string): number {
  if (!Number.isInteger(n) || n! < 1) throw new Error(`Expected a positive integer for ${name}`);
  return n!;
}

// ---------------------------------------------------------------------------------------------
// Statistics

interface Latency {
  p50: number;
  p95: number;
  mean: number;
}

function quantile(sorted: readonly number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

function latency(ms: readonly number[]): Latency {
  const sorted = [...ms].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    p50: round(quantile(sorted, 0.5)),
    p95: round(quantile(sorted, 0.95)),
    mean: round(sorted.reduce((s, x) => s + x, 0) / sorted.length),
  };
}

// ---------------------------------------------------------------------------------------------
// Inputs

async function photo(): Promise<Buffer> {
  const portrait = path.join(FACES_DEV, 'B001231.jpg');
  const source = existsSync(portrait) ? sharp(portrait).rotate() : gradient(800, 600);
  return source.resize(LONG_SIDE, LONG_SIDE, { fit: 'inside' }).jpeg({ quality: 90 }).toBuffer();
}

function gradient(width: number, height: number): Sharp {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7) % 251;
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

/** One multipart upload, built once and sent as raw bytes by every client. */
async function multipart(image: Buffer, filter: string): Promise<{ body: Buffer; type: string }> {
  const form = new FormData();
  form.append('filter', filter);
  form.append('image', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), 'photo.jpg');
  const request = new Request('http://localhost/v1/jobs', { method: 'POST', body: form });
  return {
    body: Buffer.from(await request.arrayBuffer()),
    type: request.headers.get('content-type')!,
  };
}

// ---------------------------------------------------------------------------------------------
// The server as a child process

interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function serve(
  cli: string,
  workers: number,
  depth: number,
  dataDir: string,
): Promise<Server> {
  const sample = path.join(dataDir, 'sample.jpg');
  await writeFile(sample, await gradient(32, 24).jpeg().toBuffer());
  const proc = spawnCli(['serve', '--port', '0', '--data', dataDir, '--workers', String(workers)], {
    bin: cli,
    env: {
      FILTERLAB_SAMPLE_PHOTO: sample,
      FILTERLAB_MAX_QUEUE_DEPTH: String(depth),
      FILTERLAB_RATE_LIMIT_PER_MINUTE: '1000000000',
      FILTERLAB_QUOTA_PER_DAY: '1000000000',
      FILTERLAB_LOG_LEVEL: 'warn',
    },
  });
  const url = (await proc.ready(SERVING))[1]!;
  if (workers > 0) await idle(url); // the thumbnails it renders at start
  return { url, child: proc.child, stop: () => proc.kill() };
}

async function idle(url: string): Promise<void> {
  for (;;) {
    const ready = (await (await fetch(`${url}/readyz`)).json()) as {
      queue: Record<string, number>;
    };
    if ((ready.queue.queued ?? 0) + (ready.queue.running ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function queuedJobs(url: string): Promise<number> {
  const ready = (await (await fetch(`${url}/readyz`)).json()) as { queue: { queued: number } };
  return ready.queue.queued;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

// ---------------------------------------------------------------------------------------------
// 1. In-process

async function inProcess(filter: string, image: Buffer, runs: number) {
  const ctx = createContext();
  const loaded = await loadFilter(filter);
  const runner = await compile(loaded.spec, ctx, { baseDir: loaded.baseDir });
  for (let i = 0; i < 5; i++) await applyToBytes(runner, image, 'bench');
  const ms: number[] = [];
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await applyToBytes(runner, image, 'bench');
    ms.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  await runner.dispose();
  await disposeContext(ctx);
  return { runs, latencyMs: latency(ms), jobsPerSecond: round2(runs / seconds) };
}

// ---------------------------------------------------------------------------------------------
// 2. Served end to end

interface JobTiming {
  ms: number;
  serverMs: number;
}

async function endToEnd(url: string, upload: { body: Buffer; type: string }): Promise<JobTiming> {
  const started = performance.now();
  const created = await fetch(`${url}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': upload.type },
    body: new Uint8Array(upload.body),
  });
  if (created.status !== 202) throw new Error(`upload: ${created.status} ${await created.text()}`);
  const job = (await created.json()) as { links: { events: string; result: string } };
  const stream = await (await fetch(`${url}${job.links.events}`)).text();
  const final = stream.trim().split('\n\n').at(-1) ?? '';
  const data = JSON.parse(final.split('\ndata: ')[1] ?? 'null') as {
    status: string;
    createdAt: string;
    finishedAt: string;
  } | null;
  if (data?.status !== 'succeeded') throw new Error(`job ended ${data?.status}: ${final}`);
  const result = await fetch(`${url}${job.links.result}`);
  await result.arrayBuffer();
  if (result.status !== 200) throw new Error(`result: ${result.status}`);
  return {
    ms: performance.now() - started,
    serverMs: Date.parse(data.finishedAt) - Date.parse(data.createdAt),
  };
}

async function closedLoop(
  url: string,
  upload: { body: Buffer; type: string },
  clients: number,
  jobs: number,
) {
  let next = 0;
  const timings: JobTiming[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next++ < jobs) timings.push(await endToEnd(url, upload));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    clients,
    jobs,
    jobsPerSecond: round2(jobs / seconds),
    latencyMs: latency(timings.map((t) => t.ms)),
    serverLatencyMs: latency(timings.map((t) => t.serverMs)),
  };
}

async function served(
  cli: string,
  workers: number,
  upload: { body: Buffer; type: string },
  [sequential, concurrent]: [number, number],
) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'fl-bench-serve-'));
  const server = await serve(cli, workers, 10_000, dataDir);
  try {
    await closedLoop(server.url, upload, 1, 3); // warm: the worker compiles the filter
    return {
      workers,
      sequential: await closedLoop(server.url, upload, 1, sequential),
      concurrent: await closedLoop(server.url, upload, CONCURRENT_CLIENTS, concurrent),
    };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// 3 and 4. Many uploads at once

interface Burst {
  connections: number;
  requests: number;
  statuses: Record<string, number>;
  requestsPerSecond: number;
  acceptLatencyMs: { p50: number; p90: number; p99: number };
  accepted: string[];
  refusedWithRetryAfter: number;
}

async function burst(
  url: string,
  upload: { body: Buffer; type: string },
  amount: number,
): Promise<Burst> {
  const accepted: string[] = [];
  const statuses: Record<string, number> = {};
  let refusedWithRetryAfter = 0;
  const result = await autocannon({
    url: `${url}/v1/jobs`,
    connections: UPLOAD_CONNECTIONS,
    amount,
    timeout: 60,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': upload.type },
        body: upload.body,
        onResponse: (status, body, _context, headers) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 202) accepted.push((JSON.parse(body) as { id: string }).id);
          const h = headers as Record<string, string | undefined>;
          if (status === 503 && Number(h['retry-after'] ?? h['Retry-After']) > 0)
            refusedWithRetryAfter++;
        },
      },
    ],
  });
  return {
    connections: UPLOAD_CONNECTIONS,
    requests: result.requests.total,
    statuses,
    requestsPerSecond: round2(result.requests.total / (result.duration || 1)),
    acceptLatencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
    },
    accepted,
    refusedWithRetryAfter,
  };
}

async function uploadsUnderLoad(
  cli: string,
  upload: { body: Buffer; type: string },
  amount: number,
) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'fl-bench-serve-'));
  const server = await serve(cli, 0, 1_000_000, dataDir);
  try {
    const pid = server.child.pid!;
    const queuedBefore = await queuedJobs(server.url); // thumbnails, with no worker to render them
    const idleRss = rssMb(pid);
    let peak = idleRss;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
    const b = await burst(server.url, upload, amount);
    clearInterval(sampler);
    const queued = (await queuedJobs(server.url)) - queuedBefore;
    const { accepted, ...rest } = b;
    return {
      ...rest,
      acceptedJobs: accepted.length,
      queuedAfter: queued,
      rssMb: { idle: round2(idleRss), peak: round2(peak), after: round2(rssMb(pid)) },
    };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function fullQueue(cli: string, upload: { body: Buffer; type: string }, amount: number) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'fl-bench-serve-'));
  const server = await serve(cli, 2, FULL_QUEUE_DEPTH, dataDir);
  try {
    const b = await burst(server.url, upload, amount);
    const refused = b.statuses['503'] ?? 0;
    await idle(server.url);
    let succeeded = 0;
    for (const id of b.accepted) {
      const job = (await (await fetch(`${server.url}/v1/jobs/${id}`)).json()) as { status: string };
      if (job.status === 'succeeded') succeeded++;
    }
    const { accepted, ...rest } = b;
    return {
      ...rest,
      maxQueueDepth: FULL_QUEUE_DEPTH,
      workers: 2,
      refusedFraction: round2(refused / b.requests),
      refusedWithRetryAfter: b.refusedWithRetryAfter,
      acceptedJobs: accepted.length,
      acceptedSucceeded: succeeded,
      lost: accepted.length - succeeded,
    };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

async function build(): Promise<void> {
  const code = await new Promise<number | null>((resolve) =>
    spawn(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    ).once('exit', resolve),
  );
  if (code !== 0) console.warn(`warning: tsc -p tsconfig.json exited with ${code}`);
  if (!existsSync(DIST_CLI)) throw new Error(`${DIST_CLI} is missing: the build failed`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.build) await build();
  const image = await photo();
  const { width, height } = await sharp(image).metadata();
  const upload = await multipart(image, args.filter);
  const load = { before: loadavg().map(round2) };

  console.log(`in-process ${args.filter} at ${width}x${height}...`);
  const local = await inProcess(args.filter, image, args.jobs[0]);
  const servedRuns = [];
  for (const workers of [1, 2]) {
    console.log(`served with ${workers} worker(s)...`);
    servedRuns.push(await served(args.cli, workers, upload, args.jobs));
  }
  console.log(`${args.uploads} uploads over ${UPLOAD_CONNECTIONS} connections...`);
  const uploads = await uploadsUnderLoad(args.cli, upload, args.uploads);
  console.log(`full queue...`);
  const full = await fullQueue(args.cli, upload, Math.round(args.uploads / 3));

  const one = servedRuns[0]!;
  const overhead = {
    latencyRatio: round2(one.sequential.latencyMs.p50 / local.latencyMs.p50),
    addedLatencyMsP50: round2(one.sequential.latencyMs.p50 - local.latencyMs.p50),
    throughputRatio: round2(local.jobsPerSecond / one.concurrent.jobsPerSecond),
  };
  const result = {
    bench: 'serve',
    command: `npm run bench:serve -- ${process.argv.slice(2).join(' ')}`.trim(),
    date: new Date().toISOString(),
    server: path.relative(ROOT, args.cli),
    machine: {
      cpus: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverage: { ...load, after: loadavg().map(round2) },
    },
    filter: args.filter,
    photo: { width, height, bytes: image.length },
    inProcess: local,
    served: servedRuns,
    overhead,
    uploads,
    fullQueue: full,
  };

  console.log(`\nEnd to end, ${args.filter} at ${width}x${height} (ms; jobs/s)`);
  console.table([
    { mode: 'in-process', ...row(local.latencyMs, local.jobsPerSecond) },
    ...servedRuns.flatMap((s) => [
      {
        mode: `${s.workers} worker, 1 client`,
        ...row(s.sequential.latencyMs, s.sequential.jobsPerSecond, s.sequential.serverLatencyMs),
      },
      {
        mode: `${s.workers} worker, ${CONCURRENT_CLIENTS} clients`,
        ...row(s.concurrent.latencyMs, s.concurrent.jobsPerSecond, s.concurrent.serverLatencyMs),
      },
    ]),
  ]);
  console.log(
    `serving overhead at 1 worker: p50 latency x${overhead.latencyRatio} (+${overhead.addedLatencyMsP50} ms), throughput in-process/served x${overhead.throughputRatio}`,
  );
  console.log(`\nUploads: ${UPLOAD_CONNECTIONS} connections`);
  console.table([
    {
      run: `no workers, unbounded queue`,
      requests: uploads.requests,
      'req/s': uploads.requestsPerSecond,
      statuses: JSON.stringify(uploads.statuses),
      'p50 ms': uploads.acceptLatencyMs.p50,
      'p99 ms': uploads.acceptLatencyMs.p99,
      'RSS MB idle/peak': `${uploads.rssMb.idle} / ${uploads.rssMb.peak}`,
    },
    {
      run: `2 workers, depth ${FULL_QUEUE_DEPTH}`,
      requests: full.requests,
      'req/s': full.requestsPerSecond,
      statuses: JSON.stringify(full.statuses),
      'p50 ms': full.acceptLatencyMs.p50,
      'p99 ms': full.acceptLatencyMs.p99,
      'RSS MB idle/peak': '',
    },
  ]);
  console.log(
    `full queue: ${Math.round(full.refusedFraction * 100)}% refused with 503, ${full.refusedWithRetryAfter} of them with Retry-After; ${full.acceptedSucceeded}/${full.acceptedJobs} accepted jobs succeeded (lost ${full.lost})`,
  );
  await writeFile(args.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), args.out)}`);
}

function row(l: Latency, jobsPerSecond: number, server?: Latency) {
  return {
    p50: l.p50,
    p95: l.p95,
    'jobs/s': jobsPerSecond,
    'server p50': server?.p50 ?? '',
    'server p95': server?.p95 ?? '',
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
