import { describe, expect, it } from 'vitest';
import { createContext } from '../context.js';
import { compile } from '../filters/compile.js';
import { validateSpec } from '../filters/load.js';
import { createImage, type Image } from '../image/image.js';
import { cropToAspect, CropOptionsSchema } from './crop.js';

/** Pixel value = x + 1000 y, so a crop's first pixel tells where it started. */
function coords(w: number, h: number): Image {
  const image = createImage(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) image.data.fill(x + 1000 * y, (y * w + x) * 3, (y * w + x + 1) * 3);
  return image;
}
const crop = (image: Image, o: object) => cropToAspect(image, CropOptionsSchema.parse(o));

describe('crop', () => {
  it('takes the largest crop of the aspect ratio, centred', () => {
    const out = crop(coords(100, 100), { aspect: '4:5' });
    expect([out.width, out.height]).toEqual([80, 100]);
    expect(out.data[0]).toBe(10);
    const wide = crop(coords(100, 100), { aspect: 2 });
    expect([wide.width, wide.height]).toEqual([100, 50]);
    expect(wide.data[0]).toBe(25 * 1000);
  });

  it('anchors the crop', () => {
    const image = coords(100, 60);
    expect(crop(image, { aspect: '1:1', anchor: 'left' }).data[0]).toBe(0);
    expect(crop(image, { aspect: '1:1', anchor: 'right' }).data[0]).toBe(40);
    const tall = coords(60, 100);
    expect(crop(tall, { aspect: '1:1', anchor: 'top' }).data[0]).toBe(0);
    expect(crop(tall, { aspect: '1:1', anchor: 'bottom' }).data[0]).toBe(40 * 1000);
  });

  it('returns the image itself when it already has the aspect', () => {
    const image = coords(40, 30);
    expect(crop(image, { aspect: '4:3' })).toBe(image);
  });

  it('runs as a `crop` step and validates the aspect', async () => {
    const ctx = createContext();
    const runner = await compile(
      validateSpec({ id: 'c', version: 1, steps: [{ type: 'crop', aspect: '16:9' }] }),
      ctx,
    );
    const out = await runner.run(coords(160, 160));
    expect([out.image.width, out.image.height]).toEqual([160, 90]);
    await expect(
      compile(
        validateSpec({ id: 'c', version: 1, steps: [{ type: 'crop', aspect: '16x9' }] }),
        ctx,
      ),
    ).rejects.toMatchObject({ message: expect.stringContaining('steps[0].aspect') });
  });
});
