import path from 'node:path';
import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import { readImage } from '../image/decode.js';
import { createImage, type Image } from '../image/image.js';
import { cropImage, resizeImage } from '../image/resize.js';
import { defineStep } from './step.js';

const Colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a #rrggbb colour');

export const FillOptionsSchema = z.strictObject({
  /** A flat colour, a linear gradient from `colour` to `colour2`, or an image file. */
  mode: z.enum(['colour', 'gradient', 'image']).default('colour'),
  colour: Colour.default('#ffffff'),
  colour2: Colour.default('#000000'),
  /** Gradient direction in degrees: 90 runs from `colour` at the top to `colour2` at the bottom, 0 left to right. */
  angle: z.number().min(-360).max(360).default(90),
  /** Image for mode "image", relative to the spec; scaled to cover the input and centred. */
  file: z.string().min(1).optional(),
});
export type FillOptions = z.infer<typeof FillOptionsSchema>;

export function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

/** A flat colour or a linear gradient (interpolated in sRGB, as CSS gradients are). */
export function fillImage(
  width: number,
  height: number,
  o: Pick<FillOptions, 'mode' | 'colour' | 'colour2' | 'angle'>,
): Image {
  const out = createImage(width, height);
  const a = hexToRgb(o.colour);
  const b = o.mode === 'gradient' ? hexToRgb(o.colour2) : a;
  const rad = (o.angle * Math.PI) / 180;
  const dx = Math.cos(rad);
  const dy = Math.sin(rad);
  // Project pixel centres on the direction and normalise the span to [0, 1].
  const corners = [0, width].flatMap((x) => [0, height].map((y) => x * dx + y * dy));
  const lo = Math.min(...corners);
  const span = Math.max(1e-9, Math.max(...corners) - lo);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = ((x + 0.5) * dx + (y + 0.5) * dy - lo) / span;
      const p = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) out.data[p + c] = a[c]! + (b[c]! - a[c]!) * t;
    }
  }
  return out;
}

/** Scale to cover width x height and crop the centre. */
export function coverImage(image: Image, width: number, height: number): Image {
  const k = Math.max(width / image.width, height / image.height);
  const w = Math.max(width, Math.round(image.width * k));
  const h = Math.max(height, Math.round(image.height * k));
  const scaled = w === image.width && h === image.height ? image : resizeImage(image, w, h);
  return cropImage(
    scaled,
    Math.floor((w - width) / 2),
    Math.floor((h - height) / 2),
    width,
    height,
  );
}

export const fillStep = defineStep({
  type: 'fill',
  summary: 'An image of the input size: a flat colour, a linear gradient or an image file',
  options: FillOptionsSchema,
  produces: 'image',
  async prepare(options, env) {
    let picture: Image | undefined;
    if (options.file) {
      const { image, info } = await readImage(path.resolve(env.baseDir, options.file));
      env.addHash(`fill:${options.file}`, info.sourceHash);
      picture = image;
    } else if (options.mode === 'image') {
      throw new FilterlabError(
        'FL_ERR_SPEC_INVALID',
        'fill step: Expected a file for mode "image" but received none',
      );
    }
    return {
      run: ({ input, options }) => {
        if (options.mode !== 'image')
          return { kind: 'image', image: fillImage(input.width, input.height, options) };
        if (!picture) {
          throw new FilterlabError(
            'FL_ERR_SPEC_INVALID',
            'fill step: Expected a file for mode "image" but received none',
          );
        }
        return { kind: 'image', image: coverImage(picture, input.width, input.height) };
      },
    };
  },
});
