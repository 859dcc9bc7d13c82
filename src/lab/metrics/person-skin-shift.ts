import { invalidArgument } from '../../core/errors.js';
import { sameSize, type Image, type Mask } from '../../core/image/image.js';
import { writeLab } from './color.js';
import type { MetricDefinition } from './metric.js';
import { skinShift } from './skin-shift.js';

/**
 * Skin colour over ALL the visible skin of the person (facial skin, forehead, bare scalp, ears,
 * neck, upper chest), not only the face oval: a look that leaves the face alone but turns the
 * neck or the scalp orange, or a paste-back that stops at the hairline, shows here and not in
 * skin_delta_e. The mask is PairAnalysis.visibleSkin (see core/faces/visible-skin-mask.ts).
 */
export const personSkinDeltaE: MetricDefinition = {
  id: 'person_skin_delta_e',
  description:
    'Skin tone kept over all visible skin of the person (face, forehead, scalp, ears, neck): mean CIEDE2000, input vs output',
  reference:
    'Sharma, Wu & Dalal 2005; skin = facial-skin mask + face-matched skin colour inside the person mask',
  unit: 'ΔE00',
  direction: 'lower',
  needsFaces: true,
  async compute({ pair }) {
    const skin = await pair.visibleSkin();
    return skin ? (skinShift(pair.input, pair.output, skin).deltaE ?? undefined) : undefined;
  },
};

export const personSkinDeltaL: MetricDefinition = {
  id: 'person_skin_delta_l',
  description:
    'Signed change of L* over all visible skin of the person (positive: skin made lighter)',
  reference: 'CIELAB L*, D65; same mask as person_skin_delta_e',
  unit: 'ΔL*',
  direction: 'zero',
  needsFaces: true,
  async compute({ pair }) {
    const skin = await pair.visibleSkin();
    return skin ? (skinShift(pair.input, pair.output, skin).deltaL ?? undefined) : undefined;
  },
};

/**
 * The two parts of a skin colour change that make skin look wrong rather than "graded": a hue
 * turn (towards orange, green, magenta) and over-saturation. ΔH* (CIE 15:2004, the hue part of
 * ΔE*ab) is 0 for a greyscale output, where hue is gone rather than turned, so a monochrome look
 * is not "hue-shifted"; chroma change is signed, so desaturating looks are told apart from
 * saturating ones.
 */
export interface SkinHueChroma {
  /** Weighted mean |ΔH*ab| over the mask. */
  deltaH: number;
  /** Mean output chroma over mean input chroma, minus 1, in percent (positive: more saturated). */
  chromaChange: number;
}

export function skinHueChroma(input: Image, output: Image, skin: Mask): SkinHueChroma | undefined {
  if (!sameSize(input, output) || !sameSize(input, skin))
    throw invalidArgument(
      `output and skin of ${input.width}x${input.height} like the input`,
      'output/skin',
      `${output.width}x${output.height}, ${skin.width}x${skin.height}`,
    );
  const lab = new Float32Array(6);
  let weight = 0;
  let sumH = 0;
  let c1Sum = 0;
  let c2Sum = 0;
  for (let p = 0; p < skin.data.length; p++) {
    const w = skin.data[p]!;
    if (!(w > 0)) continue;
    writeLab(input.data, 3 * p, lab, 0);
    writeLab(output.data, 3 * p, lab, 3);
    const c1 = Math.hypot(lab[1]!, lab[2]!);
    const c2 = Math.hypot(lab[4]!, lab[5]!);
    const da = lab[4]! - lab[1]!;
    const db = lab[5]! - lab[2]!;
    // ΔH*² = Δa*² + Δb*² − ΔC*²
    const dh2 = da * da + db * db - (c2 - c1) ** 2;
    weight += w;
    sumH += w * Math.sqrt(Math.max(0, dh2));
    c1Sum += w * c1;
    c2Sum += w * c2;
  }
  if (weight === 0 || c1Sum === 0) return undefined;
  return { deltaH: sumH / weight, chromaChange: 100 * (c2Sum / c1Sum - 1) };
}

export const personSkinDeltaH: MetricDefinition = {
  id: 'person_skin_delta_h',
  description:
    'Skin hue kept: mean |ΔH*ab| over all visible skin of the person (0 for a greyscale output: hue removed, not turned)',
  reference: 'CIE 15:2004 ΔH*ab = sqrt(ΔE*ab² − ΔL*² − ΔC*²); mask as person_skin_delta_e',
  unit: 'ΔH*ab',
  direction: 'lower',
  needsFaces: true,
  async compute({ pair }) {
    const skin = await pair.visibleSkin();
    return skin ? skinHueChroma(pair.input, pair.output, skin)?.deltaH : undefined;
  },
};

export const personSkinChroma: MetricDefinition = {
  id: 'person_skin_chroma',
  description:
    'Skin saturation change over all visible skin of the person, in percent (positive: more saturated, e.g. orange skin)',
  reference: 'CIELAB C*ab; mean output chroma / mean input chroma − 1; mask as person_skin_delta_e',
  unit: '%',
  direction: 'zero',
  needsFaces: true,
  async compute({ pair }) {
    const skin = await pair.visibleSkin();
    return skin ? skinHueChroma(pair.input, pair.output, skin)?.chromaChange : undefined;
  },
};
