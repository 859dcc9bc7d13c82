/**
 * Regenerate the built-in style-transfer models in models/ from the deeplearn.js checkpoints in
 * ../shared/models/style-transfer (ml5's published weights, MIT; provenance in its README.md).
 * The product only reads the converted models/ folder; this recipe is how they were made.
 *
 *   npx tsx scripts/make-style-models.ts [--from <dir>] [--out <dir>] [--fp32] [style ...]
 *
 * Default styles: the ones the lab shipped (examples/ai-styles.yaml, verdict in README.md).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { importStyleTransfer } from '../src/core/models/import/style-transfer.js';
import { packageRoot } from '../src/core/package-root.js';

/** Styles shipped as built-in `art-<style>` filters, each as model `style-<style>`. */
export const SHIPPED_STYLES = [
  'wave',
  'la_muse',
  'udnie',
  'scream',
  'rain_princess',
  'wreck',
  'matta',
];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    from: {
      type: 'string',
      default: path.join(packageRoot(), '..', 'shared', 'models', 'style-transfer'),
    },
    out: { type: 'string', default: path.join(packageRoot(), 'models') },
    fp32: { type: 'boolean', default: false },
  },
});

for (const style of positionals.length ? positionals : SHIPPED_STYLES) {
  const model = await importStyleTransfer(path.join(values.from, style), {
    id: styleModelId(style),
    fp16: !values.fp32,
    modelsDir: values.out,
    source: `ml5js/ml5-data-and-models@0612a3e7c51cbffdc5db701dff49d16d1ac26fa8 models/style-transfer/${style} (deeplearn.js checkpoint, MIT), converted by scripts/make-style-models.ts; provenance in PROVENANCE.md`,
  });
  console.log(`${model.manifest.id}: ${model.dir}`);
}

function styleModelId(style: string): string {
  return `style-${style.replace(/_/g, '-')}`;
}
