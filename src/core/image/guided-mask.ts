import { invalidArgument } from '../errors.js';
import { boxMean } from './guided-filter.js';
import { sameSize, type Image, type Mask } from './image.js';
import { luma601 } from './srgb.js';

/**
 * Snap a soft mask's edge to the edges of the photo it was made for: the guided filter of He,
 * Sun and Tang ("Guided Image Filtering", TPAMI 2013, section 3.5 "feathering"), with the
 * photo's luma as the guide. A low-resolution person mask upsampled to the photo has a blurry
 * ramp a few pixels wide that ignores the hairline; filtered this way the ramp follows the
 * hair and shoulder edges, so a new background does not leave a halo of the old one.
 *
 * @param radius window radius in pixels (about the width of the blurry ramp)
 * @param eps regularisation: guide variances well below it smooth the mask, well above it
 *   transfer the guide's edge to the mask
 */
export function guidedMask(mask: Mask, guide: Image, radius: number, eps: number): Mask {
  if (!Number.isInteger(radius) || radius < 0)
    throw invalidArgument('non-negative integer', 'radius', radius);
  if (!(eps > 0) || !Number.isFinite(eps)) throw invalidArgument('positive number', 'eps', eps);
  if (!sameSize(mask, guide))
    throw invalidArgument(
      `a guide of ${mask.width}x${mask.height}`,
      'guide',
      `${guide.width}x${guide.height}`,
    );
  const { width: w, height: h } = mask;
  if (radius === 0) return { width: w, height: h, data: mask.data.slice() };
  const n = w * h;
  const I = new Float32Array(n);
  const Ip = new Float32Array(n);
  const II = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const g = luma601(guide.data[i * 3]!, guide.data[i * 3 + 1]!, guide.data[i * 3 + 2]!);
    I[i] = g;
    Ip[i] = g * mask.data[i]!;
    II[i] = g * g;
  }
  const meanI = boxMean(I, w, h, radius);
  const meanP = boxMean(mask.data, w, h, radius);
  const meanIp = boxMean(Ip, w, h, radius);
  const meanII = boxMean(II, w, h, radius);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const mi = meanI[i]!;
    const cov = meanIp[i]! - mi * meanP[i]!;
    const variance = Math.max(0, meanII[i]! - mi * mi);
    a[i] = cov / (variance + eps);
    b[i] = meanP[i]! - a[i]! * mi;
  }
  const meanA = boxMean(a, w, h, radius);
  const meanB = boxMean(b, w, h, radius);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(1, Math.max(0, meanA[i]! * I[i]! + meanB[i]!));
  return { width: w, height: h, data: out };
}
