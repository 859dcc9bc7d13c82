import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../image/image.js';
import type { PixelEncoding } from '../models/manifest.js';
import { imageToTensor, tensorToImage } from './image-tensor.js';
import { float32, tensor } from './tensor.js';

/** 3x2 image whose every value is distinct: pixel p, channel c = (p * 3 + c + 1) / 20. */
function distinct(): Image {
  const image = createImage(3, 2);
  for (let i = 0; i < image.data.length; i++) image.data[i] = (i + 1) / 20;
  return image;
}

const px = (image: Image, x: number, y: number, c: number) =>
  image.data[(y * image.width + x) * 3 + c]!;

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

const ENCODINGS: PixelEncoding[] = [];
for (const layout of ['nchw', 'nhwc'] as const)
  for (const range of [
    [0, 1],
    [-1, 1],
    [0, 255],
  ] as [number, number][])
    for (const channelOrder of ['rgb', 'bgr'] as const)
      ENCODINGS.push({ layout, range, channelOrder });
ENCODINGS.push({
  layout: 'nchw',
  range: [0, 1],
  channelOrder: 'rgb',
  mean: [...IMAGENET.mean],
  std: [...IMAGENET.std],
});

describe('imageToTensor / tensorToImage', () => {
  for (const enc of ENCODINGS) {
    const label = `${enc.layout} [${enc.range.join(',')}] ${enc.channelOrder}${enc.mean ? ' mean/std' : ''}`;
    it(`round-trips ${label}`, () => {
      const image = distinct();
      const t = imageToTensor(image, enc);
      expect(t.dims).toEqual(enc.layout === 'nchw' ? [1, 3, 2, 3] : [1, 2, 3, 3]);
      const back = tensorToImage(t, enc);
      expect([back.width, back.height]).toEqual([3, 2]);
      for (let i = 0; i < image.data.length; i++)
        expect(back.data[i]).toBeCloseTo(image.data[i]!, 5);
    });
  }

  it('puts each value where the layout, order and range say', () => {
    const image = distinct();
    const nchw = imageToTensor(image, { layout: 'nchw', range: [0, 1], channelOrder: 'rgb' });
    // [0, c, y, x]: red plane first, row-major
    expect(nchw.data[0 * 6 + 1 * 3 + 2]).toBeCloseTo(px(image, 2, 1, 0), 6);
    expect(nchw.data[2 * 6 + 0 * 3 + 1]).toBeCloseTo(px(image, 1, 0, 2), 6);
    const bgr = imageToTensor(image, { layout: 'nhwc', range: [0, 1], channelOrder: 'bgr' });
    // [0, y, x, c] with c = 0 holding blue
    expect(bgr.data[(1 * 3 + 2) * 3 + 0]).toBeCloseTo(px(image, 2, 1, 2), 6);
    expect(bgr.data[(1 * 3 + 2) * 3 + 2]).toBeCloseTo(px(image, 2, 1, 0), 6);
    const signed = imageToTensor(image, { layout: 'nchw', range: [-1, 1], channelOrder: 'rgb' });
    expect(signed.data[0]).toBeCloseTo(px(image, 0, 0, 0) * 2 - 1, 6);
    const bytes = imageToTensor(image, { layout: 'nchw', range: [0, 255], channelOrder: 'rgb' });
    expect(bytes.data[5]).toBeCloseTo(px(image, 2, 1, 0) * 255, 4);
  });

  it('normalises with mean and std per channel after the range', () => {
    const image = createImage(1, 1, new Float32Array([0.5, 0.5, 0.5]));
    const t = imageToTensor(image, {
      layout: 'nchw',
      range: [0, 1],
      channelOrder: 'rgb',
      mean: [...IMAGENET.mean],
      std: [...IMAGENET.std],
    });
    [0, 1, 2].forEach((c) =>
      expect(t.data[c]).toBeCloseTo((0.5 - IMAGENET.mean[c]!) / IMAGENET.std[c]!, 5),
    );
  });

  it('reads a one-channel output as grey', () => {
    for (const layout of ['nchw', 'nhwc'] as const) {
      const dims = layout === 'nchw' ? [1, 1, 1, 2] : [1, 1, 2, 1];
      const out = tensorToImage(float32(new Float32Array([-1, 0]), dims), {
        layout,
        range: [-1, 1],
        channelOrder: 'rgb',
      });
      expect(Array.from(out.data)).toEqual([0, 0, 0, 0.5, 0.5, 0.5]);
    }
  });

  it('refuses tensors that are not one float32 image', () => {
    const enc: PixelEncoding = { layout: 'nchw', range: [0, 1], channelOrder: 'rgb' };
    expect(() => tensorToImage(float32(new Float32Array(8), [2, 1, 2, 2]), enc)).toThrow(
      /Expected output dims \[1, 3\|1, H, W\] but received \[2, 1, 2, 2\]/,
    );
    expect(() => tensorToImage(float32(new Float32Array(8), [1, 2, 2, 2]), enc)).toThrow(
      /FL_ERR|dims/,
    );
    expect(() => tensorToImage(tensor('int32', new Int32Array(3), [1, 3, 1, 1]), enc)).toThrow(
      /Expected a float32 image tensor for output but received int32/,
    );
    expect(() => float32(new Float32Array(5), [1, 3, 1, 1])).toThrow(
      /Expected 3 values for dims \[1, 3, 1, 1\]/,
    );
  });
});
