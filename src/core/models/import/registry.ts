/**
 * Checkpoint families that `filterlab models import <family>` turns into installed ONNX models.
 * A second family (another published checkpoint format) is one more entry beside its importer.
 */
import { FilterlabError } from '../../errors.js';
import type { InstalledModel } from '../store.js';
import { importStyleTransfer } from './style-transfer.js';

export interface ImportOptions {
  id: string;
  /** Float16 weights (half the file size). */
  fp16?: boolean;
  /** Models folder; default $FILTERLAB_MODELS or the user's data folder. */
  modelsDir?: string;
}

export interface ImporterFamily {
  name: string;
  summary: string;
  import(dir: string, options: ImportOptions): Promise<InstalledModel>;
}

export const IMPORTERS: Readonly<Record<string, ImporterFamily>> = Object.freeze({
  'style-transfer': {
    name: 'style-transfer',
    summary:
      'Fast style transfer (Johnson et al. 2016) from a deeplearn.js checkpoint (manifest.json + float32 variables), as ml5 publishes them',
    import: importStyleTransfer,
  },
});

export function importerFor(family: string): ImporterFamily {
  const importer = IMPORTERS[family];
  if (!importer) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected a checkpoint family (${Object.keys(IMPORTERS).join(', ')}) but received ${JSON.stringify(family)}`,
      { details: { family } },
    );
  }
  return importer;
}
