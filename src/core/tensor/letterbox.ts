import { createImage, type Image } from '../image/image.js';
import { cropImage, fitSize, resizeImage } from '../image/resize.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Extend an image to (width, height) by repeating its edge pixels (right and bottom). */
export function padImage(image: Image, width: number, height: number): Image {
  if (width === image.width && height === image.height) return image;
  const out = createImage(width, height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(y, image.height - 1);
    for (let x = 0; x < width; x++) {
      const sx = Math.min(x, image.width - 1);
      const s = (sy * image.width + sx) * 3;
      const o = (y * width + x) * 3;
      out.data[o] = image.data[s]!;
      out.data[o + 1] = image.data[s + 1]!;
      out.data[o + 2] = image.data[s + 2]!;
    }
  }
  return out;
}

/**
 * Scale an image to fit (width, height) keeping its aspect ratio, centred on a solid fill.
 * Returns where the picture landed, so the model output can be cut back out.
 */
export function letterbox(
  image: Image,
  width: number,
  height: number,
  fill: [number, number, number] = [0.5, 0.5, 0.5],
): { image: Image; box: Box } {
  const fit = fitSize(image.width, image.height, width, height, true);
  const scaled = resizeImage(image, fit.width, fit.height);
  const out = createImage(width, height);
  for (let i = 0; i < width * height; i++) out.data.set(fill, i * 3);
  const box = {
    x: Math.floor((width - fit.width) / 2),
    y: Math.floor((height - fit.height) / 2),
    ...fit,
  };
  for (let y = 0; y < fit.height; y++) {
    const src = y * fit.width * 3;
    out.data.set(scaled.data.subarray(src, src + fit.width * 3), ((box.y + y) * width + box.x) * 3);
  }
  return { image: out, box };
}

/** Cut the letterboxed picture out of a model output (scaled by `scale`) and resize it back. */
export function unletterbox(
  output: Image,
  box: Box,
  scale: number,
  width: number,
  height: number,
): Image {
  const cut = cropImage(
    output,
    Math.round(box.x * scale),
    Math.round(box.y * scale),
    Math.min(output.width - Math.round(box.x * scale), Math.round(box.width * scale)),
    Math.min(output.height - Math.round(box.y * scale), Math.round(box.height * scale)),
  );
  return cut.width === width && cut.height === height ? cut : resizeImage(cut, width, height);
}
