/**
 * The queue and blob-store backends the server test suites run against. Each entry gives the
 * config that selects it and says whether it can run here (a Redis or S3 entry checks that its
 * service answers); suites skip an unavailable backend instead of failing.
 */
import type { ServerConfigInput } from '../../src/serve/config.js';
import { hasRedisServer, scaleOutConfig, scaleOutServices } from './services.js';

export interface BackendCase {
  name: string;
  /** Config merged into every server a suite starts for this backend (fresh per server). */
  config(): Partial<ServerConfigInput>;
  available(): Promise<boolean>;
}

export const BACKENDS: readonly BackendCase[] = [
  {
    name: 'embedded (sqlite queue, local storage)',
    config: () => ({ queue: 'sqlite', storage: 'local' }),
    available: async () => true,
  },
  {
    name: 'scale-out (BullMQ on Redis, S3 storage)',
    config: () => scaleOutConfig(),
    available: async () => hasRedisServer() && (await scaleOutServices().then(() => true)),
  },
];

/** The backends that can run on this machine, with the others named for the skip message. */
export async function backendMatrix(): Promise<{ backend: BackendCase; available: boolean }[]> {
  return Promise.all(
    BACKENDS.map(async (backend) => ({
      backend,
      available: await backend.available().catch(() => false),
    })),
  );
}
