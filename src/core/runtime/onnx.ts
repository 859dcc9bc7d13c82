/**
 * The ONNX Runtime seam: the one module that imports onnxruntime-node. Everything else sees
 * filterlab's Tensor type and the OnnxSession interface below.
 */
import * as ort from 'onnxruntime-node';
import { FilterlabError, throwIfAborted } from '../errors.js';
import type { Tensor, TensorType } from '../tensor/tensor.js';
import { optimizedModelCache } from './optimized-model-cache.js';

/** The onnxruntime-node version: optimised graphs are cached per version. */
export const ORT_VERSION = ort.env.versions.node ?? ort.env.versions.common;

export type ExecutionProvider = 'cpu' | 'cuda' | 'coreml' | 'dml' | 'tensorrt' | 'webgpu';
export type GraphOptimization = 'disabled' | 'basic' | 'extended' | 'all';

export interface OnnxSessionOptions {
  /** Threads for one operator (intra-op); default: ORT's choice (all cores). */
  threads?: number;
  /** Threads across operators; only used with parallel execution. Default 1. */
  interOpThreads?: number;
  graphOptimization?: GraphOptimization;
  /** Tried in order; ORT falls back along the list. Default ['cpu']. */
  executionProviders?: ExecutionProvider[];
  /**
   * Let idle ORT threads spin-wait for the next operator. Default off: spinning threads steal
   * the cores that the JavaScript between model calls (schedulers, conversions) and other
   * worker processes need; on for the lowest latency of back-to-back calls on a dedicated box.
   */
  spinning?: boolean;
  /**
   * A folder where ONNX Runtime's optimised graph of each model is kept (per model hash, ORT
   * version, optimisation level, providers and CPU), so that the next session loads it with the
   * optimisations already applied instead of redoing them: what makes a second load of a 3.4 GB
   * UNet fast. Off when undefined. optimized-model-cache.ts has the details.
   */
  optimizedCacheDir?: string;
}

export interface TensorInfo {
  name: string;
  /** undefined for non-tensor values (sequences, maps). */
  type: TensorType | 'other' | undefined;
  /** Numbers for fixed dimensions, names for symbolic ones; empty when unknown. */
  shape: readonly (number | string)[];
}

export interface OnnxSession {
  readonly key: string;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  run(
    feeds: Record<string, Tensor>,
    options?: { signal?: AbortSignal; outputs?: string[] },
  ): Promise<Record<string, Tensor>>;
}

export interface OnnxModelSource {
  /** Absolute path of the .onnx file. */
  path: string;
  /** Content hash of the model: sessions are cached by hash + options. */
  hash: string;
}

const TYPES: Record<string, TensorType> = {
  float32: 'float32',
  float16: 'float16',
  int32: 'int32',
  int64: 'int64',
  uint8: 'uint8',
  int8: 'int8',
  bool: 'bool',
};

/**
 * Owns the ONNX sessions of one Context. Sessions are cached by model hash + options, so that
 * filters compiled in the same context share a loaded model.
 */
export class OnnxRuntime {
  private readonly sessions = new Map<string, { pending: Promise<SessionHandle>; refs: number }>();

  /** Open (or share) a session; each call must be matched by one `release(session.key)`. */
  async session(source: OnnxModelSource, options: OnnxSessionOptions = {}): Promise<OnnxSession> {
    const key = sessionKey(source.hash, options);
    let entry = this.sessions.get(key);
    if (!entry) {
      const pending = SessionHandle.create(key, source, options);
      entry = { pending, refs: 0 };
      this.sessions.set(key, entry);
      pending.catch(() => this.sessions.delete(key));
    }
    entry.refs++;
    return entry.pending;
  }

  /** Drop one reference; the native session is freed when nobody holds it any more. */
  async release(key: string): Promise<void> {
    const entry = this.sessions.get(key);
    if (!entry) return;
    if (--entry.refs > 0) return;
    this.sessions.delete(key);
    const handle = await entry.pending.catch(() => undefined);
    await handle?.release();
  }

  get cachedKeys(): string[] {
    return [...this.sessions.keys()];
  }

  async dispose(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map(async (e) => (await e.pending.catch(() => undefined))?.release()));
  }
}

function sessionKey(hash: string, o: OnnxSessionOptions): string {
  return [
    hash,
    o.threads ?? 0,
    o.interOpThreads ?? 1,
    o.graphOptimization ?? 'all',
    (o.executionProviders ?? ['cpu']).join('+'),
    o.spinning ? 'spin' : 'nospin',
  ].join(':');
}

class SessionHandle implements OnnxSession {
  private constructor(
    readonly key: string,
    private readonly session: ort.InferenceSession,
    readonly inputs: readonly TensorInfo[],
    readonly outputs: readonly TensorInfo[],
  ) {}

  static async create(
    key: string,
    source: OnnxModelSource,
    o: OnnxSessionOptions,
  ): Promise<SessionHandle> {
    const level = o.graphOptimization ?? 'all';
    const providers = o.executionProviders ?? ['cpu'];
    const cache =
      o.optimizedCacheDir && level !== 'disabled'
        ? await optimizedModelCache(o.optimizedCacheDir, {
            hash: source.hash,
            ortVersion: ORT_VERSION,
            level,
            providers,
          })
        : undefined;
    const base = {
      executionProviders: providers,
      ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
      interOpNumThreads: o.interOpThreads ?? 1,
      logSeverityLevel: 3 as const,
    };
    const spin = { allow_spinning: o.spinning ? '1' : '0' };
    const open = (file: string, extra: Partial<ort.InferenceSession.SessionOptions>) =>
      ort.InferenceSession.create(file, { ...base, ...extra });
    const plain = () =>
      open(source.path, { graphOptimizationLevel: level, extra: { session: { intra_op: spin } } });
    let session: ort.InferenceSession;
    try {
      if (!cache) session = await plain();
      else if (cache.cached) {
        // Already optimised at `level`: running the optimisers again would only cost time.
        session = await open(cache.cached, {
          graphOptimizationLevel: 'disabled',
          extra: { session: { intra_op: spin } },
        }).catch(async () => {
          await cache.discard(); // unreadable (an older ORT wrote it?): load the source
          return plain();
        });
      } else {
        // A cache that cannot be written (read-only folder, full disk) costs the cache, not the model.
        const target = await cache.prepare().catch(() => undefined);
        session = !target
          ? await plain()
          : await open(source.path, {
              graphOptimizationLevel: level,
              optimizedModelFilePath: target.file,
              extra: {
                session: {
                  intra_op: spin,
                  // weights beside the graph, so models over protobuf's 2 GB limit can be saved
                  optimized_model_external_initializers_file_name: target.dataFileName,
                  optimized_model_external_initializers_min_size_in_bytes: '1024',
                },
              },
            }).then(
              async (created) => {
                await target.commit();
                return created;
              },
              async () => {
                await target.abort();
                return plain();
              },
            );
      }
    } catch (cause) {
      throw new FilterlabError(
        'FL_ERR_MODEL_LOAD',
        `ONNX Runtime could not load ${source.path}: ${message(cause)}`,
        { cause, details: { file: source.path } },
      );
    }
    return new SessionHandle(
      key,
      session,
      session.inputMetadata.map(info),
      session.outputMetadata.map(info),
    );
  }

  async run(
    feeds: Record<string, Tensor>,
    options: { signal?: AbortSignal; outputs?: string[] } = {},
  ): Promise<Record<string, Tensor>> {
    throwIfAborted(options.signal);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(t);
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = options.outputs
        ? await this.session.run(ortFeeds, options.outputs)
        : await this.session.run(ortFeeds);
    } catch (cause) {
      const shapes = Object.entries(feeds)
        .map(([n, t]) => `${n}: ${t.type}[${t.dims.join(',')}]`)
        .join(', ');
      throw new FilterlabError(
        'FL_ERR_INFERENCE',
        `ONNX Runtime failed on inputs {${shapes}}: ${message(cause)}`,
        {
          cause,
        },
      );
    }
    throwIfAborted(options.signal);
    const out: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(results))
      out[name] = fromOrt(value as ort.Tensor, name);
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function info(meta: ort.InferenceSession.ValueMetadata): TensorInfo {
  if (!meta.isTensor) return { name: meta.name, type: 'other', shape: [] };
  return { name: meta.name, type: TYPES[meta.type] ?? 'other', shape: meta.shape };
}

function toOrt(t: Tensor): ort.Tensor {
  return new ort.Tensor(t.type, t.data, t.dims);
}

function fromOrt(t: ort.Tensor, name: string): Tensor {
  const type = TYPES[t.type];
  if (!type) {
    throw new FilterlabError(
      'FL_ERR_MODEL_CONTRACT',
      `Expected a numeric tensor for output ${name} but received ${t.type}`,
    );
  }
  return { type, dims: [...t.dims], data: t.data as Tensor['data'] };
}

function message(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
