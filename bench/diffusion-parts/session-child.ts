/**
 * One ONNX session creation in a fresh process, for bench/diffusion: prints
 * {"createMs":…,"maxRssMiB":…} so that peak memory is this session's alone.
 *
 *   node --import tsx bench/diffusion-parts/session-child.ts <model.onnx> <level> [<cacheDir>]
 */
import { readFile } from 'node:fs/promises';
import { OnnxRuntime, type GraphOptimization } from '../../src/core/runtime/onnx.js';

/**
 * This process's own peak: Linux's VmHWM. getrusage's maxRSS survives exec, so a child spawned
 * by a big parent would report the parent's peak.
 */
async function peakRssMiB(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const kib = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
  return (kib ? Number(kib) : process.resourceUsage().maxRSS) / 1024;
}

const [file, level, cacheDir] = process.argv.slice(2);
const onnx = new OnnxRuntime();
const started = performance.now();
await onnx.session(
  { path: file!, hash: 'bench-unet' },
  {
    graphOptimization: level as GraphOptimization,
    ...(cacheDir ? { optimizedCacheDir: cacheDir } : {}),
  },
);
const createMs = performance.now() - started;
const maxRssMiB = await peakRssMiB();
await onnx.dispose();
process.stdout.write(JSON.stringify({ createMs, maxRssMiB }) + '\n');
