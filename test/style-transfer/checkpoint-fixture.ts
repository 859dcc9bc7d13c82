import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CHECKPOINT_MANIFEST } from '../../src/core/models/import/style-transfer.js';
import { expectedVariables } from '../../src/core/models/import/style-network.js';
import { createRng } from '../../src/core/rng.js';

/**
 * A checkpoint in the deeplearn.js layout with the network's real shapes and small seeded
 * random weights (the real ones are beside the repo, not in it), plus an MIT LICENSE.
 */
export async function writeCheckpoint(dir: string): Promise<void> {
  const rng = createRng(7);
  const manifest: Record<string, { filename: string; shape: number[] }> = {};
  for (const v of expectedVariables()) {
    const n = v.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const isScale = v.role.endsWith('scale');
    for (let i = 0; i < n; i++) data[i] = isScale ? 1 : (rng.nextFloat() - 0.5) * 0.1;
    await writeFile(path.join(dir, v.name), new Uint8Array(data.buffer));
    manifest[v.name] = { filename: v.name, shape: v.shape };
  }
  await writeFile(path.join(dir, CHECKPOINT_MANIFEST), JSON.stringify(manifest));
  await writeFile(path.join(dir, 'LICENSE'), 'MIT License\n\nPermission is hereby granted…\n');
}
