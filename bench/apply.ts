/**
 * What filterlab costs on top of the work itself, and what `apply --workers` buys.
 *
 *   npm run bench:apply -- [--threads N] [--runs 30,10] [--photos 100] [--cli-repeats 2]
 *                          [--skip-cli] [--no-build]
 *
 * 1. In-process overhead. A filter that is one ONNX model (bench/filters/onnx-single.yaml: the
 *    tiny-conv fixture) at 512x512 and 2048x1536: filterlab's applyToBytes (decode → runner.run
 *    → encode) against a raw baseline written here that only decodes with sharp to 8-bit RGB,
 *    builds the NCHW float tensor, runs an onnxruntime-node session of the same model with the
 *    same options (threads, graph optimisation, one inter-op thread) and quantises and encodes
 *    JPEG at the same quality. The two must write the same bytes, which the bench checks. After
 *    warm-up, runs alternate in blocks (A B B A...) so that drift hits both alike; median, p95
 *    and min of wall time, and the median CPU time of the process (all threads) per call.
 * 2. CLI throughput. `node dist/src/cli/bin.js apply` over 100 photos (the faces-dev JPEGs
 *    resized to a 1024 px long side, cycled to 100) with --workers 1 and 2, for film-warm and
 *    for the ONNX filter. photos/s counts the batch (the CLI's own `seconds`, after start-up
 *    and compile); the process wall and CPU time are reported beside it. The CLI is rebuilt
 *    first (`tsc -p tsconfig.json`) unless --no-build.
 *
 * Inputs are made at run time in a temporary folder (the photos are never copied into the
 * repo). Results: a table on stdout and bench/results/apply.json, with the load average and the
 * scheduling policy it ran under. On a machine busy with other work, wall times measure the
 * scheduler more than the code; the CPU columns hold up better, and on Linux
 * `chrt -r 1 npm run bench:apply` (real-time priority, root) gives quiet-machine numbers.
 */
import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { generateImageModels } from '../scripts/fixtures/image-models.js';
import { createContext, disposeContext } from '../src/core/context.js';
import { applyToBytes } from '../src/core/filters/apply.js';
import { compile, type Runner } from '../src/core/filters/compile.js';
import { loadFilter } from '../src/core/filters/load.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const FACES_DEV = process.env.FILTERLAB_FACES_DEV
  ? path.resolve(process.env.FILTERLAB_FACES_DEV)
  : path.resolve(ROOT, '../shared/data/faces-dev');
const FIXTURE_MODELS = path.join(ROOT, 'test', 'fixtures', 'generated', 'models');
const ONNX_FILTER = path.join(ROOT, 'bench', 'filters', 'onnx-single.yaml');
const MODEL_FILE = path.join(FIXTURE_MODELS, 'tiny-conv', 'model.onnx');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'bin.js');
const RESULTS = path.join(ROOT, 'bench', 'results', 'apply.json');
const PORTRAIT = 'B001231.jpg';
const QUALITY = 90;
const CLI_LONG_SIDE = 1024;

interface Args {
  threads: number;
  runs: [number, number];
  cliRepeats: number;
  photos: number;
  cli: boolean;
  build: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    threads: availableParallelism(),
    runs: [30, 10],
    cliRepeats: 2,
    photos: 100,
    cli: true,
    build: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? '';
    if (a === '--threads') args.threads = positive(next(), a);
    else if (a === '--runs') {
      const [small, large] = next().split(',');
      args.runs = [positive(small ?? '', a), positive(large ?? small ?? '', a)];
    } else if (a === '--cli-repeats') args.cliRepeats = positive(next(), a);
    else if (a === '--photos') args.photos = positive(next(), a);
    else if (a === '--skip-cli') args.cli = false;
    else if (a === '--no-build') args.build = false;
    else throw new Error(`Unknown option ${a}`);
  }
  return args;
}

function positive(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected a positive integer for ${name}`);
  return n;
}

interface Stats {
  median: number;
  p95: number;
  min: number;
}

function stats(ms: readonly number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  const mid = s.length / 2;
  const median = s.length % 2 ? s[Math.floor(mid)]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median: round(median), p95: round(at(0.95)), min: round(s[0]!) };
}

function round(v: number, digits = 2): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}

// ---------------------------------------------------------------------------------------------
// 1. In-process: filterlab vs the raw baseline

/** The whole baseline: sharp decode → NCHW float → ONNX Runtime → 8-bit RGB → sharp JPEG. */
class RawBaseline {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly input: string,
    private readonly output: string,
  ) {}

  static async open(file: string, threads: number): Promise<RawBaseline> {
    // The options filterlab's runtime seam (src/core/runtime/onnx.ts) gives the same model.
    const session = await ort.InferenceSession.create(file, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      logSeverityLevel: 3,
      // same as filterlab's sessions (src/core/runtime/onnx.ts): idle threads do not spin
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    return new RawBaseline(session, session.inputNames[0]!, session.outputNames[0]!);
  }

  async apply(bytes: Uint8Array): Promise<Buffer> {
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`baseline expects RGB input, got ${info.channels}`);
    const { width: w, height: h } = info;
    const plane = w * h;
    const x = new Float32Array(plane * 3);
    for (let i = 0, p = 0; i < plane; i++, p += 3) {
      x[i] = data[p]! / 255;
      x[plane + i] = data[p + 1]! / 255;
      x[2 * plane + i] = data[p + 2]! / 255;
    }
    const out = await this.session.run({
      [this.input]: new ort.Tensor('float32', x, [1, 3, h, w]),
    });
    const y = out[this.output]!.data as Float32Array;
    const rgb = new Uint8Array(plane * 3);
    for (let i = 0, p = 0; i < plane; i++, p += 3) {
      for (let c = 0; c < 3; c++) {
        const v = y[c * plane + i]! * 255 + 0.5;
        rgb[p + c] = v <= 0 ? 0 : v >= 255 ? 255 : v;
      }
    }
    return sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: QUALITY })
      .toBuffer();
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

interface Sample {
  ms: number;
  /** CPU time of the whole process (all threads) during the call: less sensitive to load. */
  cpuMs: number;
}

async function sample(f: () => Promise<unknown>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await f();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

function overhead(filterlab: number, baseline: number): number {
  return round((100 * (filterlab - baseline)) / baseline, 1);
}

interface InProcessResult {
  size: string;
  runs: number;
  filterlab: Stats;
  baseline: Stats;
  overheadPct: number;
  cpu: { filterlab: Stats; baseline: Stats; overheadPct: number };
  /** filterlab's own split of its median run: decode, runner.run, encode. */
  filterlabPhases: { decodeMs: number; runMs: number; encodeMs: number };
  identicalOutput: boolean;
}

async function makePhoto(dir: string, width: number, height: number): Promise<Uint8Array> {
  const bytes = await sharp(path.join(FACES_DEV, PORTRAIT))
    .resize(width, height, { fit: 'cover' })
    .jpeg({ quality: QUALITY })
    .toBuffer();
  await writeFile(path.join(dir, `photo-${width}x${height}.jpg`), bytes);
  return bytes;
}

/**
 * Time filterlab (A) and the baseline (B) on one photo. Runs alternate in blocks, A B B A A B...,
 * so that drift hits both alike. With blocks longer than one run, the first run of each block
 * is not counted: the two sides own separate ONNX thread pools, and the other side's threads
 * may still be spinning down when a block starts.
 */
async function benchSize(
  runner: Runner,
  baseline: RawBaseline,
  bytes: Uint8Array,
  size: string,
  runs: number,
  block: number,
): Promise<InProcessResult> {
  const phases: { decodeMs: number; runMs: number; encodeMs: number }[] = [];
  const a = async () => phases.push((await applyToBytes(runner, bytes, size)).timings);
  const b = () => baseline.apply(bytes);
  const identicalOutput = Buffer.from((await applyToBytes(runner, bytes, size)).bytes).equals(
    await b(),
  );
  for (let i = 0; i < 3; i++) {
    await a();
    await b();
  }
  phases.length = 0;
  const fl: Sample[] = [];
  const bl: Sample[] = [];
  const timeBlock = async (f: () => Promise<unknown>, into: Sample[]) => {
    const skip = block > 1 ? 1 : 0;
    for (let i = 0; i < block + skip; i++) {
      const s = await sample(f);
      if (i >= skip) into.push(s);
    }
  };
  for (let i = 0; i < Math.ceil(runs / block); i++) {
    if (i % 2 === 0) {
      await timeBlock(a, fl);
      await timeBlock(b, bl);
    } else {
      await timeBlock(b, bl);
      await timeBlock(a, fl);
    }
  }
  const filterlab = stats(fl.map((x) => x.ms));
  const base = stats(bl.map((x) => x.ms));
  const cpu = { filterlab: stats(fl.map((x) => x.cpuMs)), baseline: stats(bl.map((x) => x.cpuMs)) };
  const mid = (k: 'decodeMs' | 'runMs' | 'encodeMs') =>
    round(stats(phases.map((p) => p[k])).median);
  return {
    size,
    runs: fl.length,
    filterlab,
    baseline: base,
    overheadPct: overhead(filterlab.median, base.median),
    cpu: { ...cpu, overheadPct: overhead(cpu.filterlab.median, cpu.baseline.median) },
    filterlabPhases: { decodeMs: mid('decodeMs'), runMs: mid('runMs'), encodeMs: mid('encodeMs') },
    identicalOutput,
  };
}

async function benchInProcess(args: Args, dir: string): Promise<InProcessResult[]> {
  const ctx = createContext({ sessionOptions: { threads: args.threads } });
  const loaded = await loadFilter(ONNX_FILTER);
  const runner = await compile(loaded.spec, ctx, { baseDir: loaded.baseDir });
  const baseline = await RawBaseline.open(MODEL_FILE, args.threads);
  try {
    const results: InProcessResult[] = [];
    // [width, height, runs, block]: blocks of 5 where a run is short enough for spin-down to count.
    const sizes: [number, number, number, number][] = [
      [512, 512, args.runs[0], 5],
      [2048, 1536, args.runs[1], 1],
    ];
    for (const [w, h, runs, block] of sizes) {
      const bytes = await makePhoto(dir, w, h);
      results.push(await benchSize(runner, baseline, bytes, `${w}x${h}`, runs, block));
    }
    return results;
  } finally {
    await baseline.close();
    await runner.dispose();
    await disposeContext(ctx);
  }
}

// ---------------------------------------------------------------------------------------------
// 2. CLI throughput

interface CliRun {
  seconds: number;
  wallSeconds: number;
  cpuSeconds: number;
}

interface CliResult {
  filter: string;
  workers: number;
  photos: number;
  repeats: number;
  /** Median batch seconds (the CLI's own count, after start-up and compile). */
  seconds: number;
  photosPerSecond: number;
  wallSeconds: number;
  /** Median CPU seconds of the whole CLI process (all threads): the work, whatever the load. */
  cpuSeconds: number;
}

async function makeCliPhotos(dir: string, count: number): Promise<string[]> {
  const sources = (await readdir(FACES_DEV)).filter((f) => f.endsWith('.jpg')).sort();
  const made = await Promise.all(
    sources.map((f) =>
      sharp(path.join(FACES_DEV, f))
        .rotate()
        .resize(CLI_LONG_SIDE, CLI_LONG_SIDE, { fit: 'inside' })
        .jpeg({ quality: QUALITY })
        .toBuffer(),
    ),
  );
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `photo-${String(i).padStart(3, '0')}.jpg`);
    await writeFile(file, made[i % made.length]!);
    files.push(file);
  }
  return files;
}

/** Preloaded into the CLI: prints its CPU time (all threads, workers included) on exit. */
const CPU_REPORT =
  'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nBENCH_CPU "+JSON.stringify(process.cpuUsage())+"\\n"))';

function runCli(argv: readonly string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', CPU_REPORT, CLI, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      try {
        const summary = JSON.parse(stdout) as { ok: number; failed: number; seconds: number };
        if (code !== 0 || summary.failed > 0) {
          throw new Error(`exit ${code}, ${summary.failed} failed`);
        }
        const cpu = JSON.parse(/BENCH_CPU (.*)/.exec(stderr)?.[1] ?? 'null') as {
          user: number;
          system: number;
        };
        resolve({
          seconds: summary.seconds,
          wallSeconds,
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
        });
      } catch (error) {
        reject(
          new Error(
            `filterlab ${argv.join(' ').slice(0, 120)} failed: ${String(error)}\n${stderr}`,
          ),
        );
      }
    });
  });
}

async function benchCli(args: Args, dir: string): Promise<CliResult[]> {
  const files = await makeCliPhotos(dir, args.photos);
  const results: CliResult[] = [];
  for (const filter of ['film-warm', ONNX_FILTER]) {
    const runs = new Map<number, CliRun[]>([
      [1, []],
      [2, []],
    ]);
    for (let r = 0; r < args.cliRepeats; r++) {
      for (const workers of r % 2 === 0 ? [1, 2] : [2, 1]) {
        const out = path.join(dir, `out-${workers}`);
        await rm(out, { recursive: true, force: true });
        const argv = ['apply', '--filter', filter, '--out', out, '--workers', String(workers)];
        runs.get(workers)!.push(await runCli([...argv, '--no-progress', '--json', ...files]));
      }
    }
    for (const [workers, list] of runs) {
      const seconds = stats(list.map((l) => l.seconds)).median;
      results.push({
        filter: path.isAbsolute(filter) ? path.relative(ROOT, filter) : filter,
        workers,
        photos: files.length,
        repeats: list.length,
        seconds: round(seconds, 3),
        photosPerSecond: round(files.length / seconds),
        wallSeconds: round(stats(list.map((l) => l.wallSeconds)).median, 3),
        cpuSeconds: round(stats(list.map((l) => l.cpuSeconds)).median, 3),
      });
    }
  }
  return results;
}

/** `tsc -p tsconfig.json`, so that the CLI measured is the code checked out. */
async function build(): Promise<void> {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.json')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
  // tsc still emits on type errors; the run can go on if the CLI is there.
  if (code !== 0) console.warn(`warning: tsc -p tsconfig.json exited with ${code}`);
  await access(CLI);
}

// ---------------------------------------------------------------------------------------------

async function ensureFixtures(): Promise<void> {
  try {
    await access(MODEL_FILE);
  } catch {
    await generateImageModels(FIXTURE_MODELS);
  }
}

function printTables(inProcess: InProcessResult[], cli: CliResult[], threads: number): void {
  console.log(`\nIn-process, onnx-single (tiny-conv), ${threads} ONNX threads, JPEG q${QUALITY}`);
  console.table(
    inProcess.map((r) => ({
      size: r.size,
      runs: r.runs,
      'filterlab median ms': r.filterlab.median,
      'filterlab p95 ms': r.filterlab.p95,
      'baseline median ms': r.baseline.median,
      'baseline p95 ms': r.baseline.p95,
      'overhead %': r.overheadPct,
      'cpu overhead %': r.cpu.overheadPct,
      'same bytes': r.identicalOutput,
    })),
  );
  if (!cli.length) return;
  console.log(`\nCLI apply over ${cli[0]!.photos} photos (${CLI_LONG_SIDE} px long side)`);
  console.table(
    cli.map((r) => {
      const one = cli.find((c) => c.filter === r.filter && c.workers === 1)!;
      return {
        filter: r.filter,
        workers: r.workers,
        'batch s': r.seconds,
        'photos/s': r.photosPerSecond,
        'vs 1 worker': round(r.photosPerSecond / one.photosPerSecond),
        'process wall s': r.wallSeconds,
        'process cpu s': r.cpuSeconds,
      };
    }),
  );
}

/** Linux scheduling policy of this process: 'other' normally, 'rr' or 'fifo' under chrt. */
async function schedPolicy(): Promise<string> {
  try {
    const stat = await readFile('/proc/self/stat', 'utf8');
    // Fields after the parenthesised command name; policy is field 41 of stat(5).
    const policy = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
    return ['other', 'fifo', 'rr', 'batch', 'iso', 'idle', 'deadline'][policy] ?? String(policy);
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const loadBefore = loadavg()[0]!;
  await ensureFixtures();
  const dir = await mkdtemp(path.join(tmpdir(), 'filterlab-bench-apply-'));
  try {
    const inProcess = await benchInProcess(args, dir);
    let cli: CliResult[] = [];
    if (args.cli) {
      if (args.build) await build();
      cli = await benchCli(args, dir);
    }
    printTables(inProcess, cli, args.threads);
    const result = {
      bench: 'apply',
      command: `npm run bench:apply${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
      date: new Date().toISOString(),
      machine: {
        cpus: availableParallelism(),
        cpu: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        onnxruntime: ort.env.versions.node ?? ort.env.versions.common,
        sharp: sharp.versions.sharp,
        vips: sharp.versions.vips,
      },
      threads: args.threads,
      /** 1-minute load average before and after: other work on the machine skews wall times. */
      loadAverage: { before: round(loadBefore, 2), after: round(loadavg()[0]!, 2) },
      schedPolicy: await schedPolicy(),
      inProcess,
      cli,
    };
    await mkdir(path.dirname(RESULTS), { recursive: true });
    await writeFile(RESULTS, JSON.stringify(result, null, 2) + '\n');
    console.log(`\nwrote ${path.relative(process.cwd(), RESULTS)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
