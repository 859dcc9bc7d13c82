import { FilterlabError, type ErrorCode } from '../../core/errors.js';

/** The one place error codes become HTTP statuses. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  FL_ERR_INVALID_ARGUMENT: 400,
  FL_ERR_IMAGE_EMPTY: 400,
  FL_ERR_IMAGE_CORRUPT: 422,
  FL_ERR_IMAGE_FORMAT: 415,
  FL_ERR_HEIC_UNSUPPORTED: 415,
  FL_ERR_IMAGE_TOO_LARGE: 413,
  FL_ERR_IMAGE_TOO_SMALL: 422,
  FL_ERR_SPEC_INVALID: 500,
  FL_ERR_SPEC_PARSE: 500,
  FL_ERR_UNKNOWN_STEP: 500,
  FL_ERR_UNKNOWN_FILTER: 404,
  FL_ERR_PARAM_INVALID: 400,
  FL_ERR_MODEL_NOT_FOUND: 503,
  FL_ERR_MODEL_MANIFEST: 503,
  FL_ERR_MODEL_HASH: 503,
  FL_ERR_MODEL_CONTRACT: 503,
  FL_ERR_MODEL_LOAD: 503,
  FL_ERR_INFERENCE: 500,
  FL_ERR_DOWNLOAD: 502,
  FL_ERR_NO_FACE: 422,
  FL_ERR_DIFFUSION_LAYOUT: 503,
  FL_ERR_ABORTED: 409,
  FL_ERR_TIMEOUT: 504,
  FL_ERR_IO: 500,
  FL_ERR_CONFIG: 500,
  FL_ERR_DATASET: 400,
  FL_ERR_NOT_FOUND: 404,
  FL_ERR_NOT_READY: 409,
  FL_ERR_CONTENT_TYPE: 415,
  FL_ERR_UNAUTHORIZED: 401,
  FL_ERR_RATE_LIMITED: 429,
  FL_ERR_QUOTA: 429,
  FL_ERR_QUEUE_FULL: 503,
  FL_ERR_WORKER_CRASHED: 500,
  FL_ERR_INTERNAL: 500,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorBody(error: FilterlabError): ErrorBody {
  const visible = publicDetails(error.details);
  const details = Object.keys(visible).length ? { details: visible } : {};
  return { error: { code: error.code, message: error.message, ...details } };
}

/** Never echo server paths to clients. */
function publicDetails(details: Record<string, unknown>): Record<string, unknown> {
  const { file: _file, root: _root, path: _path, ...rest } = details;
  return rest;
}

export function notFound(what: string): FilterlabError {
  return new FilterlabError('FL_ERR_NOT_FOUND', `No ${what} with that id for this API key`);
}
