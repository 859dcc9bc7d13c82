import { stat } from 'node:fs/promises';
import path from 'node:path';
import { FilterlabError } from '../errors.js';
import { MANIFEST_FILE } from '../models/manifest.js';
import { isPathRef, type InstalledModel, type ModelStore } from '../models/store.js';
import type { PipelineSource } from './pipeline.js';

/**
 * What `--model` names: an installed model id ("sd-turbo"), a folder with a model.json (both
 * verified against their sha256s and identified by content hash), or a plain diffusers ONNX
 * folder straight from `optimum-cli export onnx` (identified by its files' size and date).
 * Filter specs accept only the first two, since a spec's version id needs a content hash.
 */
export async function resolveDiffusionSource(
  ref: string,
  store: ModelStore,
  baseDir = process.cwd(),
): Promise<PipelineSource> {
  if (isPathRef(ref)) {
    const dir = path.resolve(baseDir, ref);
    const hasManifest = await stat(path.join(dir, MANIFEST_FILE)).then(
      () => true,
      () => false,
    );
    if (!hasManifest) return { dir };
  }
  const model = await store.resolve(ref, baseDir);
  checkDiffusersFormat(model);
  return { dir: model.dir, hash: model.hash };
}

export function checkDiffusersFormat(model: InstalledModel): void {
  if (model.manifest.format !== 'diffusers-onnx') {
    throw new FilterlabError(
      'FL_ERR_MODEL_CONTRACT',
      `Expected a diffusers-onnx model (a diffusers ONNX folder added with \`filterlab models add <folder> --id <id>\`) but ${model.manifest.id} is ${model.manifest.format}`,
    );
  }
}
