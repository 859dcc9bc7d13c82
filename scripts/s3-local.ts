/**
 * A local S3-compatible server (s3rver) for tests and development, with the bucket filterlab
 * uses. Run: npx tsx scripts/s3-local.ts [port] [dir]
 * Then: AWS_ENDPOINT_URL=http://127.0.0.1:<port> AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
 *       FILTERLAB_STORAGE=s3://filterlab/dev
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

export const S3_BUCKET = 'filterlab';

export async function startLocalS3(
  port: number,
  directory: string,
): Promise<{ url: string; close(): Promise<void> }> {
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    port,
    address: '127.0.0.1',
    directory,
    silent: true,
    configureBuckets: [{ name: S3_BUCKET, configs: [] }],
  });
  const { address, port: bound } = await server.run();
  return { url: `http://${address}:${bound}`, close: () => server.close() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 4569);
  const dir = process.argv[3] ?? path.join(os.tmpdir(), 'filterlab-s3');
  const s3 = await startLocalS3(port, dir);
  console.log(`s3rver on ${s3.url}, bucket ${S3_BUCKET}, data in ${dir}`);
}
