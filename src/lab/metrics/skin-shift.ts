import { invalidArgument } from '../../core/errors.js';
import { sameSize, type Image, type Mask } from '../../core/image/image.js';
import { deltaE00 } from './ciede2000.js';
import { writeLab } from './color.js';

/**
 * How much a filter moved the skin colour: over the pixels a skin mask selects, the mean
 * CIEDE2000 difference between input and output (Sharma, Wu & Dalal 2005; see ciede2000.ts)
 * and the mean signed L* change, each pixel weighted by its mask value. Lab values are the
 * ones imageToLab computes, so this equals meanCiede2000 on two imageToLab arrays with the
 * mask as weights.
 */

export interface SkinShift {
  /** Weighted mean ΔE00 (1 ≈ a just-noticeable difference); null when the mask selects nothing. */
  deltaE: number | null;
  /** Weighted mean of L*(output) − L*(input): positive means the filter made skin lighter. */
  deltaL: number | null;
  /** Sum of the mask weights: the number of skin pixels, fractional under a soft mask. */
  pixels: number;
}

export function skinShift(input: Image, output: Image, skin: Mask): SkinShift {
  if (!sameSize(input, output)) {
    throw invalidArgument(
      `an image of ${input.width}x${input.height} like the input`,
      'output',
      `${output.width}x${output.height}`,
    );
  }
  if (!sameSize(input, skin)) {
    throw invalidArgument(
      `a mask of ${input.width}x${input.height} like the input (resize it with resizeMask)`,
      'skin',
      `${skin.width}x${skin.height}`,
    );
  }
  const weights = skin.data;
  // One pixel of each image at a time: skin is usually a small part of a photo.
  const lab = new Float32Array(6);
  let weightSum = 0;
  let sumE = 0;
  let sumL = 0;
  for (let p = 0; p < weights.length; p++) {
    const w = weights[p]!;
    if (!(w > 0)) continue;
    writeLab(input.data, 3 * p, lab, 0);
    writeLab(output.data, 3 * p, lab, 3);
    const L1 = lab[0]!;
    const L2 = lab[3]!;
    weightSum += w;
    sumL += w * (L2 - L1);
    if (L1 !== L2 || lab[1] !== lab[4] || lab[2] !== lab[5]) {
      sumE += w * deltaE00(L1, lab[1]!, lab[2]!, L2, lab[4]!, lab[5]!, 1, 1, 1);
    }
  }
  if (weightSum === 0) return { deltaE: null, deltaL: null, pixels: 0 };
  return { deltaE: sumE / weightSum, deltaL: sumL / weightSum, pixels: weightSum };
}
