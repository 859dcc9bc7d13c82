/**
 * The lab experiment the end-to-end tests share: the acceptance case in small. Two
 * built-in looks over a parameter grid against a baseline, on ten faces-dev portraits, gated
 * per gender, per age band and on the gender gap.
 */
import { FACES_DEV } from '../support/paths.js';

/** Five women and five men; age bands 60+ x4, 40-59 x5, 20-39 x1 (too few to gate). */
export const TEN = [
  'B001231', // F 60+
  'B001239', // M 40-59
  'B001253', // F 40-59
  'C000984', // M 60+
  'C001068', // M 60+
  'C001080', // F 40-59
  'D000621', // M 20-39
  'D000622', // F 40-59
  'F000043', // M 40-59
  'F000455', // F 60+
];

export const LOOKS = {
  name: 'portrait-looks-small',
  description: 'Film warm vs soft fade on ten portraits',
  dataset: {
    path: FACES_DEV,
    where: { kind: 'portrait' },
    match: `^(${TEN.join('|')})\\.jpg$`,
  },
  baseline: { filter: 'vivid' },
  candidates: [
    { filter: 'film-warm', grid: { strength: [0.4, 0.9] } },
    { filter: 'soft-fade', grid: { fade: [0.3] } },
  ],
  metrics: ['identity', 'face_survival', 'ssim', 'skin_delta_e', 'skin_delta_l', 'latency_ms'],
  slices: ['gender', 'age_band'],
  gates: [
    { metric: 'face_survival', min: 0.98 },
    { metric: 'identity', per: 'gender', min: 0.8 },
    { metric: 'identity', per: 'age_band', min: 0.8 },
    { metric: 'identity', gap: 'gender', max: 0.03 },
  ],
  concurrency: 2,
};

export const CANDIDATES = [
  'film-warm[strength=0.4]',
  'film-warm[strength=0.9]',
  'soft-fade[fade=0.3]',
];
