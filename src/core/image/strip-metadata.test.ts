import sharp, { type Metadata, type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { stripMetadata } from './strip-metadata.js';

const GPS = {
  IFD0: { Make: 'filterlab-test', Model: 'phone', Software: 'secret-serial-123' },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '51/1 30/1 2664/100',
    GPSLongitudeRef: 'W',
    GPSLongitude: '0/1 7/1 3935/100',
  },
};
const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.444N"/></rdf:RDF></x:xmpmeta>';

/** A 48x32 photo-like gradient, so that a lossy re-encode would change pixels. */
function photo(): Sharp {
  const raw = Buffer.alloc(48 * 32 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37) % 251;
  return sharp(raw, { raw: { width: 48, height: 32, channels: 3 } });
}

async function pixels(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes).raw().toBuffer();
}

async function expectNoMetadata(bytes: Buffer): Promise<Metadata> {
  const meta = await sharp(bytes).metadata();
  expect(meta.exif?.includes('GPS') ?? false).toBe(false);
  expect(meta.exif?.toString('latin1').includes('secret-serial') ?? false).toBe(false);
  expect(meta.xmp).toBeUndefined();
  expect(meta.iptc).toBeUndefined();
  expect(bytes.includes('51,30.444N')).toBe(false);
  expect(bytes.includes('secret-serial')).toBe(false);
  return meta;
}

describe('stripMetadata', () => {
  it('drops EXIF, GPS and XMP from a JPEG, keeps its orientation, and leaves its pixels byte for byte', async () => {
    const original = await photo()
      .withExif(GPS)
      .withXmp(XMP)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 80 })
      .toBuffer();
    expect((await sharp(original).metadata()).xmp).toBeDefined();
    expect(original.includes('secret-serial')).toBe(true);

    const { bytes, format } = await stripMetadata(original);
    expect(format).toBe('jpeg');
    const meta = await expectNoMetadata(bytes);
    expect(meta.orientation).toBe(6);
    expect(await pixels(bytes)).toEqual(await pixels(original));
    expect(bytes.length).toBeLessThan(original.length);
  });

  it('drops a second image appended after the JPEG (a phone preview with its own EXIF)', async () => {
    const main = await photo().jpeg().toBuffer();
    const appended = await photo().withExif(GPS).jpeg().toBuffer();
    const { bytes } = await stripMetadata(Buffer.concat([main, appended]));
    expect(bytes).toEqual(main);
  });

  it('drops EXIF and XMP chunks from PNG and WebP without touching the image data', async () => {
    for (const encode of [(s: Sharp) => s.png(), (s: Sharp) => s.webp({ quality: 70 })]) {
      const original = await encode(photo().withExif(GPS).withXmp(XMP)).toBuffer();
      expect(original.includes('secret-serial')).toBe(true);
      const { bytes, format } = await stripMetadata(original);
      expect(format).toBe((await sharp(original).metadata()).format);
      await expectNoMetadata(bytes);
      expect(await pixels(bytes)).toEqual(await pixels(original));
    }
  });

  it('re-encodes a TIFF upright as lossless PNG without its tags', async () => {
    const original = await photo().withExif(GPS).tiff().toBuffer();
    const { bytes, format } = await stripMetadata(original);
    expect(format).toBe('png');
    await expectNoMetadata(bytes);
    expect(await pixels(bytes)).toEqual(await pixels(original));
  });

  it('turns a PNG that EXIF rotates upright, since its orientation goes with the EXIF', async () => {
    const original = await photo().withExif(GPS).withMetadata({ orientation: 6 }).png().toBuffer();
    expect((await sharp(original).metadata()).orientation).toBe(6);
    const { bytes, format } = await stripMetadata(original);
    expect(format).toBe('png');
    const meta = await expectNoMetadata(bytes);
    expect([meta.width, meta.height, meta.orientation ?? 1]).toEqual([32, 48, 1]);
    expect(await pixels(bytes)).toEqual(await sharp(original).rotate().raw().toBuffer());
  });

  it('refuses a JPEG whose segment structure is broken with FL_ERR_IMAGE_CORRUPT', async () => {
    const original = await photo().jpeg().toBuffer();
    const broken = Buffer.from(original.subarray(0, 40));
    broken.writeUInt16BE(0xffff, 4); // the first segment claims more bytes than there are
    await expect(stripMetadata(broken, { name: 'upload' })).rejects.toMatchObject({
      code: 'FL_ERR_IMAGE_CORRUPT',
      message: expect.stringMatching(/well-formed JPEG in upload/),
    });
  });
});
