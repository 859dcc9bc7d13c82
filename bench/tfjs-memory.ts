/**
 * Does running tfjs graph models leak? Runs each model N times (default 1000) through
 * TfjsRuntime and reports live tensors, tensor bytes, the wasm heap and process RSS before
 * and after, sampled every N/10 calls. A leak shows as growth of numTensors/numBytes (tensors
 * not disposed) or as RSS that keeps climbing after the wasm heap has stopped growing.
 *
 *   npx tsx bench/tfjs-memory.ts [--calls 1000] [--models facemesh-detection-full,facemesh,selfie,faceres]
 *
 * Also runs the full face pipeline (detect, landmarks, embed) on a faces-dev portrait.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readImage } from '../src/core/image/decode.js';
import { analyzeFaces } from '../src/core/faces/face-analysis.js';
import { FaceModels, defaultFaceModelsDir } from '../src/core/faces/face-models.js';
import { TfjsRuntime, type TfjsModel } from '../src/core/runtime/tfjs.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000' },
    models: { type: 'string', default: 'facemesh-detection-full,facemesh,selfie,faceres' },
    pipeline: { type: 'string', default: '200' },
  },
});
const CALLS = Number(values.calls);
const FACES_DEV = process.env.FILTERLAB_FACES_DEV
  ? path.resolve(process.env.FILTERLAB_FACES_DEV)
  : path.resolve(import.meta.dirname, '../../shared/data/faces-dev');

interface Sample {
  call: number;
  numTensors: number;
  numBytes: number;
  wasmHeapMB: number;
  rssMB: number;
}

const mb = (b: number | undefined) => Math.round(((b ?? 0) / 2 ** 20) * 10) / 10;

function sample(runtime: TfjsRuntime, call: number): Sample {
  const m = runtime.memory();
  return {
    call,
    numTensors: m.numTensors,
    numBytes: m.numBytes,
    wasmHeapMB: mb(m.wasmHeapBytes),
    rssMB: mb(process.memoryUsage().rss),
  };
}

function zerosFor(model: TfjsModel) {
  const dims = (model.inputs[0]?.shape ?? [1, 64, 64, 3]).map((d) => (d > 0 ? d : 1));
  return {
    type: 'float32' as const,
    dims,
    data: new Float32Array(dims.reduce((a, b) => a * b, 1)),
  };
}

async function soak(
  label: string,
  runtime: TfjsRuntime,
  call: () => Promise<unknown>,
): Promise<void> {
  await call();
  const samples = [sample(runtime, 0)];
  const t0 = performance.now();
  for (let i = 1; i <= CALLS; i++) {
    await call();
    if (i % Math.max(1, Math.floor(CALLS / 10)) === 0) samples.push(sample(runtime, i));
  }
  const ms = (performance.now() - t0) / CALLS;
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const mid = samples[Math.floor(samples.length / 2)]!;
  console.log(
    `${label.padEnd(26)} ${ms.toFixed(1).padStart(6)} ms/call  tensors ${first.numTensors} -> ${last.numTensors}  bytes ${first.numBytes} -> ${last.numBytes}  ` +
      `wasm heap ${first.wasmHeapMB} -> ${last.wasmHeapMB} MB  rss ${first.rssMB} -> ${mid.rssMB} (half) -> ${last.rssMB} MB`,
  );
}

const runtime = new TfjsRuntime();
const dir = defaultFaceModelsDir();
console.log(
  `tfjs memory soak: ${CALLS} calls per model, backend ${JSON.stringify(await runtime.backendInfo())}`,
);
for (const name of values.models.split(',')) {
  const model = await runtime.model(path.join(dir, `${name}.json`));
  const input = zerosFor(model);
  await soak(name, runtime, () => model.run(input));
}

const pipelineCalls = Number(values.pipeline);
if (pipelineCalls > 0) {
  const models = new FaceModels({}, runtime);
  const image = (await readImage(path.join(FACES_DEV, 'B001231.jpg'))).image;
  const saved = CALLS;
  const run = async () => analyzeFaces(models, image);
  await run();
  const before = sample(runtime, 0);
  const t0 = performance.now();
  for (let i = 0; i < pipelineCalls; i++) await run();
  const after = sample(runtime, pipelineCalls);
  console.log(
    `${'pipeline (detect+mesh+embed)'.padEnd(26)} ${((performance.now() - t0) / pipelineCalls).toFixed(1).padStart(6)} ms/call  ` +
      `tensors ${before.numTensors} -> ${after.numTensors}  bytes ${before.numBytes} -> ${after.numBytes}  rss ${before.rssMB} -> ${after.rssMB} MB (${pipelineCalls} calls; soak was ${saved})`,
  );
}
await runtime.dispose();
