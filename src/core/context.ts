import { pino, type Logger } from 'pino';
import { ModelStore, defaultModelsDir } from './models/store.js';
import { OnnxRuntime, type OnnxSessionOptions } from './runtime/onnx.js';
import { ResourceCache } from './resource-cache.js';

export type { Logger } from 'pino';

/**
 * Everything long-lived that core code needs, passed in rather than held in globals: one per
 * process, per server worker or per test. Per-run things (seed, AbortSignal, progress) are
 * options of the call that uses them.
 */
export interface Context {
  readonly logger: Logger;
  readonly onnx: OnnxRuntime;
  readonly models: ModelStore;
  /** Default options of every ONNX session this context opens (threads, providers...). */
  readonly sessionOptions: OnnxSessionOptions;
  /** Loaded resources shared across filters: face models, the tfjs runtime, diffusion pipelines. */
  readonly resources: ResourceCache;
}

export interface ContextOptions {
  logger?: Logger;
  modelsDir?: string;
  sessionOptions?: OnnxSessionOptions;
}

export function createContext(options: ContextOptions = {}): Context {
  return {
    logger:
      options.logger ??
      pino({ level: process.env.FILTERLAB_LOG_LEVEL ?? 'warn' }, pino.destination(2)),
    onnx: new OnnxRuntime(),
    models: new ModelStore(options.modelsDir ?? defaultModelsDir()),
    sessionOptions: options.sessionOptions ?? {},
    resources: new ResourceCache(),
  };
}

export async function disposeContext(ctx: Context): Promise<void> {
  await ctx.resources.dispose();
  await ctx.onnx.dispose();
}
