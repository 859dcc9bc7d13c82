/**
 * One ONNX session creation and two UNet calls in a fresh process, for bench/diffusion: prints
 * {"createMs", "createRssMiB", "firstRunMs", "secondRunMs", "maxRssMiB"}, so that peak memory is
 * this session's alone.
 *
 *   node --import tsx bench/diffusion-parts/session-child.ts <model.onnx> <level> [<cacheDir>]
 */
import { readFile } from 'node:fs/promises';
import { OnnxRuntime, type GraphOptimization } from '../../src/core/runtime/onnx.js';
import { float32 } from '../../src/core/tensor/tensor.js';

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
const options = () => ({
  graphOptimization: level as GraphOptimization,
  ...(cacheDir ? { optimizedCacheDir: cacheDir } : {}),
});
await onnx.session({ path: file!, hash: 'bench-unet' }, options());
const createMs = performance.now() - started;
const createRssMiB = await peakRssMiB();
// Two UNet calls at 64x64 latents: the first pays for weights paged in from a memory map,
// the second is a step's steady cost at this optimisation level.
const session = await onnx.session({ path: file!, hash: 'bench-unet' }, options());
const feeds = {
  sample: float32(
    new Float32Array(4 * 64 * 64).map((_, i) => Math.sin(i)),
    [1, 4, 64, 64],
  ),
  timestep: float32(new Float32Array([499]), []),
  encoder_hidden_states: float32(
    new Float32Array(77 * 1024).map((_, i) => Math.cos(i)),
    [1, 77, 1024],
  ),
};
const runMs: number[] = [];
for (let i = 0; i < 2; i++) {
  const t = performance.now();
  await session.run(feeds);
  runMs.push(performance.now() - t);
}
const maxRssMiB = await peakRssMiB();
await onnx.dispose();
process.stdout.write(
  JSON.stringify({
    createMs,
    createRssMiB,
    firstRunMs: runMs[0],
    secondRunMs: runMs[1],
    maxRssMiB,
  }) + '\n',
);
