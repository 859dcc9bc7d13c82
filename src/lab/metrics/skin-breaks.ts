import { invalidArgument } from '../../core/errors.js';
import { sameSize, type Image, type Mask } from '../../core/image/image.js';
import { imageToLab } from './color.js';
import type { MetricDefinition } from './metric.js';

/**
 * A "looks broken" signal: the share of skin pixels where the output has a hue or saturation
 * jump the input did not have. The filter's colour change at each pixel, (a*, b*) of the output
 * minus the input's, is compared between the two ends of a span of `span` pixels (about a
 * twentieth of a face width) inside skin; where it differs by more than JUMP plus the input's
 * own a*b* step there, the skin has a new colour edge — the band at a hairline where a paste-back stopped, a blotch, posterised
 * patches. A uniform change (a warm look) does not count, nor does the input's own shading.
 */
export interface SkinBreaks {
  /** Share of measured skin pixels with a new chroma jump, in percent. */
  percent: number;
  pixels: number;
}

/**
 * A change in the filter's a*b* shift of this many units across the span counts as a jump: a
 * new shading step of 30% in lightness moves a*b* of skin by about 6.6, an orange band by 30+.
 */
export const JUMP = 8;

export function skinBreaks(
  input: Image,
  output: Image,
  skin: Mask,
  span: number,
): SkinBreaks | undefined {
  if (!sameSize(input, output) || !sameSize(input, skin))
    throw invalidArgument(
      `output and skin of ${input.width}x${input.height} like the input`,
      'output/skin',
      `${output.width}x${output.height}, ${skin.width}x${skin.height}`,
    );
  if (!Number.isInteger(span) || span < 1) throw invalidArgument('positive integer', 'span', span);
  const { width: w, height: h } = input;
  const a = imageToLab(input);
  const b = imageToLab(output);
  const inSkin = (x: number, y: number) =>
    x >= 0 && y >= 0 && x < w && y < h && skin.data[y * w + x]! >= 0.5;
  // How differently the filter moved a*b* at pixels i and j, beyond the a*b* step the input
  // already had there: scaling every chroma up to 2x (vivid) or to 0 (mono) never counts.
  const jump = (i: number, j: number) =>
    Math.hypot(
      b[3 * i + 1]! - a[3 * i + 1]! - (b[3 * j + 1]! - a[3 * j + 1]!),
      b[3 * i + 2]! - a[3 * i + 2]! - (b[3 * j + 2]! - a[3 * j + 2]!),
    ) - Math.hypot(a[3 * i + 1]! - a[3 * j + 1]!, a[3 * i + 2]! - a[3 * j + 2]!);
  let pixels = 0;
  let broken = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!inSkin(x, y)) continue;
      let grew = 0;
      let measured = false;
      for (const [dx, dy] of [
        [span, 0],
        [0, span],
      ] as const) {
        if (!inSkin(x - dx, y - dy) || !inSkin(x + dx, y + dy)) continue;
        const i = (y - dy) * w + (x - dx);
        const j = (y + dy) * w + (x + dx);
        measured = true;
        grew = Math.max(grew, jump(i, j));
      }
      if (!measured) continue;
      pixels++;
      if (grew > JUMP) broken++;
    }
  }
  return pixels ? { percent: (100 * broken) / pixels, pixels } : undefined;
}

export const skinBreaksMetric: MetricDefinition = {
  id: 'skin_breaks',
  description:
    'Looks broken: share of visible-skin pixels with a new hue/saturation jump (a colour edge inside skin the input did not have)',
  reference:
    'CIELAB a*b* difference across a twentieth of a face width; see src/lab/metrics/skin-breaks.ts',
  unit: '%',
  direction: 'lower',
  needsFaces: true,
  async compute({ pair }) {
    const [skin, width] = await Promise.all([pair.visibleSkin(), pair.faceWidth()]);
    if (!skin || !width) return undefined;
    return skinBreaks(pair.input, pair.output, skin, Math.max(1, Math.round(width / 20)))?.percent;
  },
};
