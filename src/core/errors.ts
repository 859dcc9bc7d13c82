/**
 * The one error type of filterlab. Every error a user can see has a stable `code`, a message
 * that says what was expected and what was received, and the cause attached.
 *
 * Codes are listed in ERROR_CODES, with what they mean (the server's own in SERVE_ERROR_CODES);
 * `docs/errors.md` is generated from both and only the server maps codes to HTTP statuses.
 */

export const ERROR_CODES = {
  FL_ERR_INVALID_ARGUMENT: 'A function or command received a value of the wrong type or range.',
  FL_ERR_IMAGE_EMPTY: 'The image file or upload has zero bytes.',
  FL_ERR_IMAGE_CORRUPT: 'The bytes could not be decoded as an image (truncated or corrupt).',
  FL_ERR_IMAGE_FORMAT: 'The bytes are not in a supported image format.',
  FL_ERR_HEIC_UNSUPPORTED: 'HEIC/HEIF could not be decoded on this machine.',
  FL_ERR_IMAGE_TOO_LARGE: 'The image exceeds the byte or pixel limit.',
  FL_ERR_SPEC_INVALID: 'A filter spec failed validation; the message names the bad field.',
  FL_ERR_SPEC_PARSE: 'A filter spec file is not valid YAML or JSON.',
  FL_ERR_UNKNOWN_STEP: 'A filter spec names a step type that is not registered.',
  FL_ERR_UNKNOWN_FILTER: 'No built-in filter or spec file has that name.',
  FL_ERR_PARAM_INVALID: 'A filter parameter is unknown, of the wrong type or out of range.',
  FL_ERR_MODEL_NOT_FOUND: 'A model id or path does not resolve to an installed model.',
  FL_ERR_MODEL_MANIFEST: 'A model manifest (model.json) is missing or invalid.',
  FL_ERR_MODEL_HASH: 'A model file no longer matches the sha256 recorded in its manifest.',
  FL_ERR_MODEL_CONTRACT: "A model's inputs or outputs do not match its declared I/O contract.",
  FL_ERR_MODEL_LOAD: 'The runtime could not load a model file.',
  FL_ERR_INFERENCE: 'The runtime failed while running a model.',
  FL_ERR_DOWNLOAD: 'A model download failed or its checksum did not match.',
  FL_ERR_NO_FACE: 'The filter needs a face and the photo has none (an outcome, not a fault).',
  FL_ERR_DIFFUSION_LAYOUT: 'A diffusers ONNX folder is missing a part or its parts do not fit.',
  FL_ERR_ABORTED: 'The work was cancelled by its AbortSignal.',
  FL_ERR_TIMEOUT: 'The work took longer than its time limit.',
  FL_ERR_IO: 'A file could not be read or written.',
  FL_ERR_CONFIG: 'A configuration file or environment variable is invalid.',
  FL_ERR_DATASET: 'A dataset folder or its labels are invalid.',
  FL_ERR_NOT_FOUND: 'The requested resource does not exist or is not yours.',
  FL_ERR_WORKER_CRASHED: 'The worker process running the job died.',
  FL_ERR_INTERNAL: 'An unexpected fault; the cause is logged.',
} as const;

/**
 * Codes that only an outer layer raises (the server's, in src/serve/error-codes.ts) join the one
 * error type here by declaration merging, so core names none of them.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface ErrorCodeExtensions {}

export type ErrorCode = keyof typeof ERROR_CODES | keyof ErrorCodeExtensions;

export interface FilterlabErrorOptions {
  cause?: unknown;
  /** Extra machine-readable facts (file, field path, limits) for logs and API bodies. */
  details?: Record<string, unknown>;
}

export class FilterlabError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: FilterlabErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FilterlabError';
    this.code = code;
    this.details = options.details ?? {};
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** "Expected positive integer for width but received -3" — the one shape of parameter errors. */
export function expected(what: string, name: string, received: unknown): string {
  return `Expected ${what} for ${name} but received ${describe(received)}`;
}

export function invalidArgument(what: string, name: string, received: unknown): FilterlabError {
  return new FilterlabError('FL_ERR_INVALID_ARGUMENT', expected(what, name, received), {
    details: { name },
  });
}

export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? value.slice(0, 77) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of ${value.byteLength} bytes`;
  return typeof value;
}

export function isFilterlabError(error: unknown, code?: ErrorCode): error is FilterlabError {
  return error instanceof FilterlabError && (code === undefined || error.code === code);
}

/** Wrap anything thrown into a FilterlabError, keeping one that already is. */
export function toFilterlabError(
  error: unknown,
  fallback: ErrorCode = 'FL_ERR_INTERNAL',
): FilterlabError {
  if (error instanceof FilterlabError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new FilterlabError('FL_ERR_ABORTED', 'The operation was cancelled', { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new FilterlabError(fallback, message, { cause: error });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new FilterlabError('FL_ERR_ABORTED', 'The operation was cancelled', {
      cause: signal.reason,
    });
  }
}
