import type { FastifyRequest } from 'fastify';
import { FilterlabError, isFilterlabError } from '../../../core/errors.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../../../core/image/formats.js';

/** The multipart limits of POST /v1/jobs (registered with @fastify/multipart). */
export const UPLOAD_LIMITS = {
  files: 1,
  fields: 10,
  /** Bytes per field value: a longer value is refused, never cut. */
  fieldSize: 64 * 1024,
  parts: 12,
} as const;

const MAX_FILTER_ID = 64;

/** What a job upload says, parsed and range-checked; the filter's own params are checked later. */
export interface Upload {
  filter?: string;
  params: Record<string, unknown>;
  seed?: number;
  priority?: number;
  format?: OutputFormat;
  image?: Buffer;
}

/**
 * Read the multipart form of a job upload: fields image (file), filter, params (JSON), seed,
 * priority, format and param.<name>. Every fault becomes a FilterlabError that names the field;
 * values are echoed only in short previews.
 */
export async function readUpload(request: FastifyRequest, maxUploadBytes: number): Promise<Upload> {
  const upload: Upload = { params: {} };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'image' && part.fieldname !== 'file') {
          await part.toBuffer();
          throw new FilterlabError(
            'FL_ERR_INVALID_ARGUMENT',
            `Expected the file in field "image" but received field ${preview(part.fieldname)}`,
          );
        }
        upload.image = await part.toBuffer();
        continue;
      }
      if (part.valueTruncated || part.fieldnameTruncated)
        throw new FilterlabError(
          'FL_ERR_INVALID_ARGUMENT',
          `Expected field ${preview(part.fieldname)} to be at most ${UPLOAD_LIMITS.fieldSize} bytes but received more`,
        );
      readField(upload, part.fieldname, String(part.value));
    }
  } catch (error) {
    throw multipartError(error, maxUploadBytes);
  }
  return upload;
}

/** Read and discard a form (a repeated idempotent upload), with the same error answers. */
export async function drainUpload(request: FastifyRequest, maxUploadBytes: number): Promise<void> {
  try {
    for await (const part of request.parts()) if (part.type === 'file') await part.toBuffer();
  } catch (error) {
    throw multipartError(error, maxUploadBytes);
  }
}

function readField(upload: Upload, name: string, value: string): void {
  switch (name) {
    case 'filter':
      if (value.length > MAX_FILTER_ID)
        throw new FilterlabError(
          'FL_ERR_INVALID_ARGUMENT',
          `Expected "filter" to be a filter id of at most ${MAX_FILTER_ID} characters but received ${value.length}`,
        );
      upload.filter = value;
      return;
    case 'params':
      upload.params = parseJsonObject(value);
      return;
    case 'seed':
      upload.seed = intField('seed', value, 0, 0xffffffff);
      return;
    case 'priority':
      upload.priority = intField('priority', value, -10, 10);
      return;
    case 'format':
      if (!(OUTPUT_FORMATS as readonly string[]).includes(value))
        throw new FilterlabError(
          'FL_ERR_INVALID_ARGUMENT',
          `Expected format to be one of ${OUTPUT_FORMATS.join(', ')} but received ${preview(value)}`,
        );
      upload.format = value as OutputFormat;
      return;
    default:
      // flat fields "param.strength=0.6" are accepted as parameters too (plain HTML forms)
      if (name.startsWith('param.')) upload.params[name.slice(6)] = value;
      else
        throw new FilterlabError(
          'FL_ERR_INVALID_ARGUMENT',
          `Unknown field ${preview(name)}: expected image, filter, params, seed, priority, format or param.<name>`,
        );
  }
}

/** @fastify/multipart's and busboy's faults as the API's errors: the body is the client's fault. */
function multipartError(error: unknown, maxUploadBytes: number): unknown {
  if (isFilterlabError(error)) return error;
  const e = error as { code?: string; message?: string };
  switch (e.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new FilterlabError(
        'FL_ERR_IMAGE_TOO_LARGE',
        `Expected an upload of at most ${maxUploadBytes} bytes (${(maxUploadBytes / 2 ** 20).toFixed(0)} MB) but received more`,
        { cause: error },
      );
    case 'FST_FILES_LIMIT':
      return new FilterlabError(
        'FL_ERR_INVALID_ARGUMENT',
        `Expected one image file per request but received more than ${UPLOAD_LIMITS.files}`,
        { cause: error },
      );
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new FilterlabError(
        'FL_ERR_INVALID_ARGUMENT',
        `Expected at most ${UPLOAD_LIMITS.fields} fields and one file but received more`,
        { cause: error },
      );
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return error; // 415 FL_ERR_CONTENT_TYPE in the error handler
  }
  return new FilterlabError(
    'FL_ERR_INVALID_ARGUMENT',
    `Expected a well-formed multipart/form-data body but it could not be parsed: ${e.message ?? String(error)}`,
    { cause: error },
  );
}

function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new FilterlabError(
    'FL_ERR_PARAM_INVALID',
    `Expected "params" to be a JSON object but received ${preview(text)}`,
  );
}

function intField(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected ${name} to be an integer in [${min}, ${max}] but received ${preview(value)}`,
    );
  }
  return n;
}

/** A value as error messages show it: quoted, and cut at 40 characters with its length said. */
export function preview(value: string): string {
  return value.length <= 40
    ? JSON.stringify(value)
    : `${JSON.stringify(value.slice(0, 40))}… (${value.length} characters)`;
}
