/* global EventSource, FormData, XMLHttpRequest, clearTimeout, fetch, setTimeout -- browser globals: this folder runs in the browser, not in Node */
/**
 * The filterlab HTTP API as the web app uses it. Same origin: in open mode the browser sends no
 * key, in key mode a session cookie (session.js), so EventSource and <img src> can reach the
 * job's URLs directly.
 */

import { logIn } from './session.js';

/** An error the server answered with ({ error: { code, message } }), or a network failure. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {string} code FL_ERR_... from the server, or NETWORK
   * @param {string} message the server's message, shown to the person as it is
   * @param {number | undefined} retryAfter seconds, from Retry-After
   */
  constructor(status, code, message, retryAfter) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

const NETWORK_MESSAGE =
  'Could not reach the server. Check your connection and try again; a very large photo can also be refused before it finishes uploading.';

function errorFromBody(status, text, retryAfterHeader) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const retryAfter = Number(retryAfterHeader) || undefined;
  const error = body && typeof body === 'object' ? body.error : undefined;
  return new ApiError(
    status,
    error?.code ?? `HTTP_${status}`,
    error?.message ?? `The server answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`,
    retryAfter,
  );
}

async function getJson(url, init = {}) {
  let res;
  try {
    res = await fetch(url, { ...init, headers: { accept: 'application/json', ...init.headers } });
  } catch {
    throw new ApiError(0, 'NETWORK', NETWORK_MESSAGE, undefined);
  }
  if (res.status === 401 && (await logIn())) return getJson(url, init); // key mode: see session.js
  const text = await res.text();
  if (!res.ok) throw errorFromBody(res.status, text, res.headers.get('retry-after'));
  return text ? JSON.parse(text) : undefined;
}

/** Filters with their parameter schemas and thumbnail URLs. */
export async function listFilters() {
  const body = await getJson('/v1/filters');
  return body.filters;
}

/** The server's upload limits and retention, as /v1/filters reports them (or undefined). */
export async function serverLimits() {
  const body = await getJson('/v1/filters');
  return body.limits;
}

/** Lab runs with their report URLs, newest first. */
export async function listRuns() {
  const body = await getJson('/v1/runs');
  return body.runs;
}

export function getJob(id) {
  return getJson(`/v1/jobs/${encodeURIComponent(id)}`);
}

/** Cancels the job if it still runs, and deletes its upload and result from the server. */
export async function deleteJob(id) {
  await getJson(`/v1/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/**
 * Uploads the photo and creates a job. XMLHttpRequest rather than fetch, because only it
 * reports upload progress, which matters for a phone photo on a slow network.
 * @param {{ file: Blob, fileName?: string, filter: string, params: object, seed?: number,
 *   onUploadProgress?: (fraction: number) => void }} job
 * @returns {Promise<object>} the job as the server describes it
 */
export function createJob({ file, fileName, filter, params, seed, onUploadProgress }) {
  const form = new FormData();
  form.append('filter', filter);
  form.append('params', JSON.stringify(params));
  if (seed !== undefined) form.append('seed', String(seed));
  form.append('image', file, fileName ?? 'photo');
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/jobs');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onUploadProgress?.(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText));
      else
        reject(errorFromBody(xhr.status, xhr.responseText, xhr.getResponseHeader('retry-after')));
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', NETWORK_MESSAGE, undefined));
    xhr.send(form);
  });
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Follows a job until it ends: server-sent events first, polling when the stream breaks
 * (a proxy that buffers, a phone that slept). Returns a function that stops following.
 * @param {object} job as returned by createJob
 * @param {{ onUpdate: (job: object) => void, onEnd: (job: object) => void,
 *   onError: (error: ApiError) => void }} handlers
 */
export function watchJob(job, { onUpdate, onEnd, onError }) {
  let stopped = false;
  let source;
  let timer;
  const stop = () => {
    stopped = true;
    source?.close();
    clearTimeout(timer);
  };
  const handle = (next) => {
    if (stopped) return;
    if (FINAL.has(next.status)) {
      stop();
      onEnd(next);
    } else onUpdate(next);
  };
  const poll = async (delay) => {
    if (stopped) return;
    try {
      handle(await getJob(job.id));
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 0) {
        stop();
        onError(error);
        return;
      }
    }
    if (!stopped) timer = setTimeout(() => void poll(Math.min(delay * 1.5, 5000)), delay);
  };

  source = new EventSource(job.links.events);
  for (const type of ['progress', ...FINAL]) {
    source.addEventListener(type, (e) => handle(JSON.parse(e.data)));
  }
  source.onerror = () => {
    if (stopped) return;
    source.close();
    void poll(1000);
  };
  return stop;
}
