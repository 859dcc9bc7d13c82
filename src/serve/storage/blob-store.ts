/**
 * Where uploads and results live: local files by default, S3-compatible storage when scaled
 * out. Keys are made by the server (never from user input): "inputs/<job id>", "results/<job id>".
 */
export interface BlobStore {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** undefined when the key does not exist. */
  get(key: string): Promise<{ bytes: Buffer; contentType: string } | undefined>;
  delete(key: string): Promise<void>;
  /** Keys under a prefix (for sweeping orphans). */
  list(prefix: string): Promise<string[]>;
  /**
   * Delete what interrupted writes left (temporary files of a process killed mid-upload) once
   * older than `olderThanMs`: they hold photos too. Returns how many were deleted.
   */
  sweepTemporaries(olderThanMs: number): Promise<number>;
  close(): Promise<void>;
}

const KEY = /^(inputs|results)\/[A-Za-z0-9_-]{8,64}$/;

/** Keys are server-made; this refuses anything else before it can reach a file system or bucket. */
export function assertKey(key: string): void {
  if (!KEY.test(key)) throw new Error(`Refusing blob key ${JSON.stringify(key)}`);
}

export const inputKey = (jobId: string) => `inputs/${jobId}`;
export const resultKey = (jobId: string) => `results/${jobId}`;
