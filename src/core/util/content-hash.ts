import { createHash } from 'node:crypto';

/**
 * The sha256 of `parts` fed in order, as hex: the one content hash behind version ids, photo
 * and model hashes and cache keys. Parts are concatenated, so the caller puts in separators.
 */
export function sha256Hex(...parts: readonly (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}
