import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import { readBytes } from '../util/read-file.js';

const ModelJsonSchema = z.looseObject({
  weightsManifest: z.array(z.looseObject({ paths: z.array(z.string()) })).default([]),
});

/**
 * sha256 of a tfjs graph model: its model.json and every weight shard it names, in order, so
 * that a filter's version id changes when any byte of a face model does.
 */
export async function hashTfjsModel(modelJson: string): Promise<string> {
  const hash = createHash('sha256');
  const text = await readModelFile(modelJson);
  hash.update(text);
  let manifest: z.infer<typeof ModelJsonSchema>;
  try {
    manifest = ModelJsonSchema.parse(JSON.parse(text.toString('utf8')));
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_MODEL_LOAD',
      `Expected a tfjs model.json with a weightsManifest at ${modelJson} but it does not parse`,
      { cause, details: { file: modelJson } },
    );
  }
  for (const group of manifest.weightsManifest) {
    for (const shard of group.paths) {
      hash.update(`\n${shard}\n`);
      hash.update(await readModelFile(path.join(path.dirname(modelJson), shard)));
    }
  }
  return hash.digest('hex');
}

const readModelFile = (file: string) => readBytes(file, 'a model file', 'FL_ERR_MODEL_LOAD');
