import { ERROR_CODES } from '../core/errors.js';

/** Error codes that only the server raises; they are FilterlabError codes like the others. */
export const SERVE_ERROR_CODES = {
  FL_ERR_NOT_READY: 'The job has no result yet (still queued or running, or it failed).',
  FL_ERR_CONTENT_TYPE:
    'The request body has the wrong Content-Type (uploads are multipart/form-data).',
  FL_ERR_UNAUTHORIZED: 'A valid API key (or a browser session made from one) is required.',
  FL_ERR_RATE_LIMITED: 'Too many requests for this API key; retry after the given time.',
  FL_ERR_QUOTA: 'The API key has used its quota.',
  FL_ERR_QUEUE_FULL: 'The job queue is full; retry after the given time.',
} as const;

declare module '../core/errors.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the keys
  interface ErrorCodeExtensions extends Record<keyof typeof SERVE_ERROR_CODES, string> {}
}

/** Every code with its meaning: the library's and the server's (docs/errors.md is made from it). */
export const ALL_ERROR_CODES = { ...ERROR_CODES, ...SERVE_ERROR_CODES } as const;
