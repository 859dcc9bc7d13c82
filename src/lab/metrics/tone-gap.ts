import { invalidArgument } from '../../core/errors.js';
import { sameSize, type Image } from '../../core/image/image.js';
import { deltaE00 } from './ciede2000.js';
import { writeLab } from './color.js';
import type { MetricDefinition } from './metric.js';

/**
 * Differential treatment of darker and lighter skin, estimated from one photo: how the filter
 * changed skin-coloured pixels of darker-skin lightness (L* 25–50) against those of lighter-skin
 * lightness (L* 60–80). A look that lifts shadows (a fade) lightens darker skin more than
 * lighter skin; a per-photo estimate sees that on any photo, labelled or not, because the
 * shadows, neck and hair-line of one person span both bands. The per-tone gap over a labelled
 * dataset (a `gap: perceived_tone` gate on person_skin_delta_l) is the direct check; this one
 * needs no labels.
 *
 * Skin-coloured: CIELAB hue angle 15°–80° and chroma 6–50 in the input (the range of human skin
 * under ordinary light, any tone).
 */
export interface ToneGap {
  /** Mean ΔL* of the darker band minus that of the lighter band (positive: darker lifted more). */
  deltaL: number;
  /** Mean ΔE00 of the darker band minus that of the lighter band. */
  deltaE: number;
  /** Pixels in each band. */
  darker: number;
  lighter: number;
}

export const TONE_BANDS = { darker: [25, 50], lighter: [60, 80] } as const;
/** A band needs this share of the photo's pixels to be measured. */
const MIN_SHARE = 0.005;

export function toneGap(input: Image, output: Image): ToneGap | undefined {
  if (!sameSize(input, output))
    throw invalidArgument(
      `an image of ${input.width}x${input.height} like the input`,
      'output',
      `${output.width}x${output.height}`,
    );
  const lab = new Float32Array(6);
  const sums = { darker: [0, 0, 0], lighter: [0, 0, 0] };
  const n = input.width * input.height;
  for (let p = 0; p < n; p++) {
    writeLab(input.data, 3 * p, lab, 0);
    const [L, a, b] = [lab[0]!, lab[1]!, lab[2]!];
    const band =
      L >= TONE_BANDS.darker[0] && L < TONE_BANDS.darker[1]
        ? sums.darker
        : L >= TONE_BANDS.lighter[0] && L < TONE_BANDS.lighter[1]
          ? sums.lighter
          : undefined;
    if (!band) continue;
    const chroma = Math.hypot(a, b);
    const hue = (Math.atan2(b, a) * 180) / Math.PI;
    if (chroma < 6 || chroma > 50 || hue < 15 || hue > 80) continue;
    writeLab(output.data, 3 * p, lab, 3);
    band[0]! += 1;
    band[1]! += lab[3]! - L;
    band[2]! += deltaE00(L, a, b, lab[3]!, lab[4]!, lab[5]!, 1, 1, 1);
  }
  const min = Math.max(20, MIN_SHARE * n);
  if (sums.darker[0]! < min || sums.lighter[0]! < min) return undefined;
  const mean = (s: number[], k: number) => s[k]! / s[0]!;
  return {
    deltaL: mean(sums.darker, 1) - mean(sums.lighter, 1),
    deltaE: mean(sums.darker, 2) - mean(sums.lighter, 2),
    darker: sums.darker[0]!,
    lighter: sums.lighter[0]!,
  };
}

export const toneGapDeltaL: MetricDefinition = {
  id: 'tone_gap_delta_l',
  description:
    'Differential lightening: ΔL* of darker-skin-lightness skin-coloured pixels (L* 25–50) minus that of lighter ones (L* 60–80); positive lightens darker skin more',
  reference: 'CIELAB L*, D65; per-photo estimate, see src/lab/metrics/tone-gap.ts',
  unit: 'ΔL*',
  direction: 'zero',
  compute: ({ pair }) => toneGap(pair.input, pair.output)?.deltaL,
};

export const toneGapDeltaE: MetricDefinition = {
  id: 'tone_gap_delta_e',
  description:
    'Differential colour change: ΔE00 of darker-skin-lightness skin-coloured pixels minus that of lighter ones (positive: darker skin changed more)',
  reference: 'Sharma, Wu & Dalal 2005; per-photo estimate, see src/lab/metrics/tone-gap.ts',
  unit: 'ΔE00',
  direction: 'zero',
  compute: ({ pair }) => toneGap(pair.input, pair.output)?.deltaE,
};
