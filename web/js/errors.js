/** Headlines for the server's error codes; the server's own message is shown beneath. */
const TITLES = {
  NETWORK: 'Could not reach the server',
  FL_ERR_IMAGE_FORMAT: 'That file is not a photo we can read',
  FL_ERR_HEIC_UNSUPPORTED: 'This HEIC photo cannot be read here',
  FL_ERR_IMAGE_CORRUPT: 'That photo looks damaged or incomplete',
  FL_ERR_IMAGE_EMPTY: 'That file is empty',
  FL_ERR_IMAGE_TOO_LARGE: 'That photo is too large',
  FL_ERR_CONTENT_TYPE: 'The upload was not understood',
  FL_ERR_PARAM_INVALID: 'A setting is out of range',
  FL_ERR_UNKNOWN_FILTER: 'That filter is no longer offered',
  FL_ERR_RATE_LIMITED: 'Too many requests',
  FL_ERR_QUOTA: 'Daily limit reached',
  FL_ERR_QUEUE_FULL: 'The server is busy',
  FL_ERR_NO_FACE: 'No face found in this photo',
  FL_ERR_TIMEOUT: 'That took too long',
  FL_ERR_WORKER_CRASHED: 'The filter crashed on this photo',
  FL_ERR_UNAUTHORIZED: 'This server needs an API key',
  FL_ERR_NOT_FOUND: 'Not found',
  FL_ERR_MODEL_NOT_FOUND: 'This filter is not installed on the server',
};

/**
 * What to do next, for outcomes that are the photo's and not a fault: shown instead of the
 * server's message and code, which would only say the headline again.
 */
const NEXT_STEPS = {
  FL_ERR_NO_FACE:
    'This filter works on faces. Try a photo where a face is clearly visible, or pick another filter.',
};

/**
 * What to show for an error: a headline, the server's message (or what to do next), and its code.
 * @param {{ code?: string, message?: string, retryAfter?: number }} error
 */
export function describeError(error) {
  const code = error.code ?? 'UNKNOWN';
  let title = TITLES[code] ?? 'Something went wrong';
  if (error.retryAfter) title += ` — try again in ${error.retryAfter} s`;
  const next = NEXT_STEPS[code];
  return {
    title,
    message: next ?? (error.message || 'No details were given.'),
    code: code === 'NETWORK' || next ? '' : code,
  };
}
