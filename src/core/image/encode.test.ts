import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './decode.js';
import { encodeImage, encodeMask, probeImage } from './encode.js';
import { createImage, createMask, type Image } from './image.js';

/** A smooth gradient: compresses like a photo, so lossy formats keep it close. */
function gradient(width: number, height: number): Image {
  const image = createImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      image.data[o] = x / (width - 1);
      image.data[o + 1] = y / (height - 1);
      image.data[o + 2] = 0.5;
    }
  }
  return image;
}

function meanAbsDiff(a: Image, b: Image): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}

/** Whether EXIF bytes (as sharp returns them) hold a GPS IFD pointer (tag 0x8825) in IFD0. */
function exifHasGps(exif: Buffer): boolean {
  const tiff = exif.indexOf('Exif\0\0', 0, 'latin1') + 6;
  const little = exif.toString('latin1', tiff, tiff + 2) === 'II';
  const u16 = (at: number) => (little ? exif.readUInt16LE(at) : exif.readUInt16BE(at));
  const u32 = (at: number) => (little ? exif.readUInt32LE(at) : exif.readUInt32BE(at));
  const ifd0 = tiff + u32(tiff + 4);
  const count = u16(ifd0);
  for (let i = 0; i < count; i++) if (u16(ifd0 + 2 + i * 12) === 0x8825) return true;
  return false;
}

describe('encodeImage', () => {
  const image = gradient(48, 32);

  for (const format of ['jpeg', 'png', 'webp', 'avif'] as const) {
    it(`round-trips ${format} with the same size and close pixels`, async () => {
      const bytes = await encodeImage(image, { format });
      const probe = await probeImage(bytes);
      expect(probe.format).toBe(format === 'avif' ? 'heif' : format);
      expect([probe.width, probe.height]).toEqual([48, 32]);
      const back = await decodeImage(bytes);
      expect(back.info.format).toBe(format);
      expect(meanAbsDiff(back.image, image)).toBeLessThan(format === 'png' ? 0.002 : 0.02);
    });
  }

  it('writes lossless WebP exactly (to 8 bits)', async () => {
    const back = await decodeImage(await encodeImage(image, { format: 'webp', lossless: true }));
    expect(meanAbsDiff(back.image, image)).toBeLessThan(0.002);
  });

  it('makes smaller files at lower quality', async () => {
    const photo = createImage(64, 64);
    for (let i = 0; i < photo.data.length; i++) photo.data[i] = ((i * 7919) % 256) / 255;
    for (const format of ['jpeg', 'webp', 'avif'] as const) {
      const low = await encodeImage(photo, { format, quality: 20 });
      const high = await encodeImage(photo, { format, quality: 95 });
      expect(low.length).toBeLessThan(high.length);
    }
  });

  it('validates quality and format', async () => {
    for (const quality of [0, 101, 50.5, Number.NaN]) {
      await expect(encodeImage(image, { quality })).rejects.toMatchObject({
        code: 'FL_ERR_INVALID_ARGUMENT',
        message: expect.stringContaining('Expected integer between 1 and 100 for quality'),
      });
    }
    await expect(encodeImage(image, { format: 'bmp' as never })).rejects.toMatchObject({
      code: 'FL_ERR_INVALID_ARGUMENT',
    });
  });

  it('encodes a mask as a one-channel PNG', async () => {
    const mask = createMask(4, 2, new Float32Array([0, 0.5, 1, 1, 0, 0, 0, 1]));
    const bytes = await encodeMask(mask);
    expect((await sharp(bytes).metadata()).channels).toBe(1);
    const data = await sharp(bytes).extractChannel(0).raw().toBuffer();
    expect(Array.from(data)).toEqual([0, 128, 255, 255, 0, 0, 0, 255]);
  });

  it('drops EXIF, GPS and XMP of the source photo', async () => {
    const tagged = await sharp({
      create: { width: 16, height: 12, channels: 3, background: '#888' },
    })
      .withExif({
        IFD0: { Make: 'TestCam' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '48/1 51/1 24/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '2/1 21/1 3/1',
        },
      })
      .withXmp(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
          '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.4N"/></rdf:RDF></x:xmpmeta>',
      )
      .jpeg()
      .toBuffer();
    const source = await sharp(tagged).metadata();
    expect(source.exif && exifHasGps(source.exif)).toBe(true);
    expect((await probeImage(tagged)).hasXmp).toBe(true);

    const { image } = await decodeImage(tagged, { name: 'gps.jpg' });
    for (const format of ['jpeg', 'png', 'webp', 'avif'] as const) {
      const out = await encodeImage(image, { format });
      const probe = await probeImage(out);
      expect(probe).toMatchObject({ hasExif: false, hasXmp: false, width: 16, height: 12 });
      expect(out.includes('Exif\0\0', 0, 'latin1')).toBe(false);
      expect(out.includes('TestCam', 0, 'latin1')).toBe(false);
      expect(out.includes('GPSLatitude', 0, 'latin1')).toBe(false);
    }
  });
});
