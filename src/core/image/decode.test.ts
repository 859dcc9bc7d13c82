import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../../test/support/paths.js';
import { FilterlabError, type ErrorCode } from '../errors.js';
import { decodeImage, inspectImage, readImage } from './decode.js';
import type { Image } from './image.js';

const COLOUR = { r: 200, g: 100, b: 50 };
const solid = (width = 40, height = 30) =>
  sharp({ create: { width, height, channels: 3, background: COLOUR } });

/** The first pixel as 0..255 values. */
function firstPixel(image: Image): number[] {
  return Array.from(image.data.subarray(0, 3), (v) => v * 255);
}

function expectPixel(image: Image, rgb: number[], tolerance: number): void {
  firstPixel(image).forEach((v, c) => expect(Math.abs(v - rgb[c]!)).toBeLessThanOrEqual(tolerance));
}

async function decodeError(bytes: Uint8Array, name: string, limits = {}): Promise<FilterlabError> {
  const error = await decodeImage(bytes, { name, limits }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FilterlabError);
  return error as FilterlabError;
}

async function expectDecodeError(
  bytes: Uint8Array,
  name: string,
  code: ErrorCode,
  limits = {},
): Promise<FilterlabError> {
  const error = await decodeError(bytes, name, limits);
  expect(error.code).toBe(code);
  expect(error.message).toContain(name);
  return error;
}

/** A PNG built byte by byte: a real IHDR claiming `width` x `height`, and a tiny zlib stream. */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An AVIF whose ftyp brands are rewritten to HEIC ones: an HEIF file with AV1 pixels. */
async function heicBrandedAv1(): Promise<Buffer> {
  const bytes = Buffer.from(await solid(32, 24).avif({ quality: 90 }).toBuffer());
  const ftypSize = bytes.readUInt32BE(0);
  for (let i = 8; i + 4 <= ftypSize; i += 4) {
    if (['avif', 'avis'].includes(bytes.toString('latin1', i, i + 4)))
      bytes.write('heic', i, 'latin1');
  }
  return bytes;
}

describe('decodeImage formats', () => {
  const cases: [string, () => Promise<Buffer>, number][] = [
    ['jpeg', () => solid().jpeg({ quality: 95 }).toBuffer(), 3],
    ['png', () => solid().png().toBuffer(), 0.001],
    ['webp', () => solid().webp({ lossless: true }).toBuffer(), 0.001],
    ['avif', () => solid().avif({ lossless: true }).toBuffer(), 3],
    ['tiff', () => solid().tiff().toBuffer(), 0.001],
    ['gif', () => solid().gif().toBuffer(), 0.001],
  ];
  for (const [format, make, tolerance] of cases) {
    it(`decodes ${format} to sRGB floats`, async () => {
      const { image, info } = await decodeImage(await make(), { name: `x.${format}` });
      expect(info.format).toBe(format);
      expect([image.width, image.height]).toEqual([40, 30]);
      expect(image.data.length).toBe(40 * 30 * 3);
      expectPixel(image, [200, 100, 50], tolerance);
      expect(info.sourceHash).toMatch(/^[0-9a-f]{64}$/);
    });
  }

  it('takes the first frame of an animated GIF', async () => {
    const frames = await Promise.all(
      [
        { r: 255, g: 0, b: 0 },
        { r: 0, g: 0, b: 255 },
      ].map((background) =>
        sharp({ create: { width: 8, height: 6, channels: 3, background } })
          .raw()
          .toBuffer(),
      ),
    );
    const gif = await sharp(Buffer.concat(frames), {
      raw: { width: 8, height: 12, channels: 3, pageHeight: 6 },
    })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const { image } = await decodeImage(gif, { name: 'anim.gif' });
    expect([image.width, image.height]).toEqual([8, 6]);
    expectPixel(image, [255, 0, 0], 0.001);
    expect(image.data[image.data.length - 1]).toBe(0); // last pixel is red, not blue
  });

  it('applies EXIF orientation 6: a photo stored sideways comes out upright', async () => {
    const file = path.join(FACES_DEV, 'hard_exif6_B001243.jpg');
    const raw = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    expect([raw.info.width, raw.info.height]).toEqual([275, 225]);
    const { image, info } = await readImage(file);
    expect(info.orientation).toBe(6);
    expect([image.width, image.height]).toEqual([225, 275]);
    // orientation 6 means "rotate 90 degrees clockwise to display"
    const { width: rw, height: rh } = raw.info;
    let diff = 0;
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const s = ((rh - 1 - x) * rw + y) * 3;
        const o = (y * image.width + x) * 3;
        for (let c = 0; c < 3; c++) diff += Math.abs(image.data[o + c]! * 255 - raw.data[s + c]!);
      }
    }
    expect(diff / image.data.length).toBeLessThan(0.01);
  });

  it('converts CMYK JPEG to sRGB', async () => {
    const cmyk = await solid().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const { image, info } = await decodeImage(cmyk, { name: 'cmyk.jpg' });
    expect(info.space).toBe('cmyk');
    expectPixel(image, [200, 100, 50], 40);
    const [r, g, b] = firstPixel(image) as [number, number, number];
    expect(r > g && g > b).toBe(true);
  });

  it('keeps the precision of a 16-bit PNG', async () => {
    const values = [51400, 25701, 12850]; // not multiples of 257: 8-bit cannot hold them
    const u16 = new Uint16Array(4 * 3 * 3).map((_, i) => values[i % 3]!);
    const png = await sharp(u16, { raw: { width: 4, height: 3, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(png).metadata()).depth).toBe('ushort');
    const { image, info } = await decodeImage(png, { name: 'deep.png' });
    expect(info.depth).toBe('ushort');
    expect([image.width, image.height]).toEqual([4, 3]);
    for (let i = 0; i < image.data.length; i++) {
      expect(image.data[i]).toBeCloseTo(values[i % 3]! / 65535, 6);
    }
  });

  it('decodes a 16-bit greyscale PNG to three equal channels', async () => {
    const png = await sharp(new Uint16Array(6).fill(30000), {
      raw: { width: 3, height: 2, channels: 1 },
    })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    const { image } = await decodeImage(png, { name: 'grey16.png' });
    for (const v of image.data) expect(v).toBeCloseTo(30000 / 65535, 6);
  });

  it('decodes greyscale to three equal channels', async () => {
    const grey = await solid().toColourspace('b-w').png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const { image } = await decodeImage(grey, { name: 'grey.png' });
    const [r, g, b] = firstPixel(image);
    expect(r).toBe(g);
    expect(g).toBe(b);
  });

  it('decodes a palette PNG', async () => {
    const png = await solid().png({ palette: true, colours: 4 }).toBuffer();
    expect((await sharp(png).metadata()).isPalette).toBe(true);
    const { image } = await decodeImage(png, { name: 'palette.png' });
    expectPixel(image, [200, 100, 50], 2);
  });

  it('flattens alpha onto white (or the given background)', async () => {
    // pixel 0 transparent, pixel 1 half-transparent red, pixel 2 opaque blue
    const rgba = Buffer.from([0, 0, 0, 0, 255, 0, 0, 128, 0, 0, 255, 255]);
    const png = await sharp(rgba, { raw: { width: 3, height: 1, channels: 4 } })
      .png()
      .toBuffer();
    const { image, info } = await decodeImage(png, { name: 'alpha.png' });
    expect(info.hasAlpha).toBe(true);
    const px = Array.from(image.data, (v) => Math.round(v * 255));
    expect(px.slice(0, 3)).toEqual([255, 255, 255]);
    expect(px[3]).toBe(255);
    expect(Math.abs(px[4]! - 127)).toBeLessThanOrEqual(1);
    expect(px.slice(6)).toEqual([0, 0, 255]);
    const black = await decodeImage(png, { background: { r: 0, g: 0, b: 0 } });
    expect(Array.from(black.image.data.subarray(0, 3))).toEqual([0, 0, 0]);
  });
});

describe('decodeImage refuses bad input with a code and the file name', () => {
  it('zero bytes', async () => {
    await expectDecodeError(new Uint8Array(0), 'empty.jpg', 'FL_ERR_IMAGE_EMPTY');
  });

  it('a truncated JPEG', async () => {
    const jpeg = await solid(64, 64).jpeg().toBuffer();
    await expectDecodeError(jpeg.subarray(0, jpeg.length >> 1), 'cut.jpg', 'FL_ERR_IMAGE_CORRUPT');
  });

  it('a text file named .jpg', async () => {
    const e = await expectDecodeError(
      Buffer.from('this is a note, not a photo\n'),
      'note.jpg',
      'FL_ERR_IMAGE_FORMAT',
    );
    expect(e.message).toContain('text starting "this is a note');
  });

  it('a decompression bomb, from its header, before decoding', async () => {
    const bomb = pngClaiming(30000, 30000);
    expect(bomb.length).toBeLessThan(200);
    const started = performance.now();
    const e = await expectDecodeError(bomb, 'bomb.png', 'FL_ERR_IMAGE_TOO_LARGE');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(e.message).toContain('30000x30000');
    // Proof that nothing was decoded: its pixel data is junk, which a decode would report.
    await expectDecodeError(bomb, 'bomb.png', 'FL_ERR_IMAGE_CORRUPT', { maxPixels: 1e10 });
  });

  it('the configurable pixel and byte limits', async () => {
    const jpeg = await solid(100, 100).jpeg().toBuffer();
    const pixels = await expectDecodeError(jpeg, 'p.jpg', 'FL_ERR_IMAGE_TOO_LARGE', {
      maxPixels: 9999,
    });
    expect(pixels.message).toContain('100x100');
    const bytes = await expectDecodeError(jpeg, 'b.jpg', 'FL_ERR_IMAGE_TOO_LARGE', {
      maxBytes: 100,
    });
    expect(bytes.message).toContain(`${jpeg.length} bytes`);
    await expect(decodeImage(jpeg, { limits: { maxPixels: 10000 } })).resolves.toBeDefined();
  });

  it('an unreadable file, as FL_ERR_IO', async () => {
    await expect(readImage('/nonexistent/x.jpg')).rejects.toMatchObject({
      code: 'FL_ERR_IO',
      message: expect.stringContaining('/nonexistent/x.jpg'),
    });
  });
});

describe('inspectImage', () => {
  it('reads format and size from the header and refuses a bomb without decoding', async () => {
    const png = await solid(40, 30).png().toBuffer();
    expect(await inspectImage(png)).toEqual({
      format: 'png',
      width: 40,
      height: 30,
      bytes: png.length,
    });
    await expect(
      inspectImage(pngClaiming(30000, 30000), { name: 'bomb.png' }),
    ).rejects.toMatchObject({
      code: 'FL_ERR_IMAGE_TOO_LARGE',
      message: expect.stringContaining('bomb.png'),
    });
    await expect(inspectImage(new Uint8Array(0))).rejects.toMatchObject({
      code: 'FL_ERR_IMAGE_EMPTY',
    });
  });
});

/*
 * HEIC: no HEVC-coded sample exists here and nothing here can encode one (sharp's libheif has
 * AV1 only; heic-decode's libheif has HEVC only). A HEIC-branded file with AV1 pixels exercises
 * the HEIC path end to end through libvips; one whose pixels are junk reaches heic-decode.
 */
describe('HEIC', () => {
  it('decodes a HEIC-branded HEIF that libvips can decode', async () => {
    const { image, info } = await decodeImage(await heicBrandedAv1(), { name: 'photo.heic' });
    expect(info.format).toBe('heic');
    expect([image.width, image.height]).toEqual([32, 24]);
    expectPixel(image, [200, 100, 50], 6);
  });

  it('reports HEIC pixels that no decoder here can read as unsupported', async () => {
    const bytes = await heicBrandedAv1();
    for (let i = bytes.indexOf('mdat') + 4; i < bytes.length; i++) bytes[i] = 0x55;
    const e = await expectDecodeError(bytes, 'odd.heic', 'FL_ERR_HEIC_UNSUPPORTED');
    expect(e.message).toContain('convert the photo to JPEG');
  });

  it('reports a HEIC header without an image as corrupt', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0, 0, 0, 24]),
      Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'),
      Buffer.alloc(64),
    ]);
    await expectDecodeError(bytes, 'broken.heic', 'FL_ERR_IMAGE_CORRUPT');
  });
});

describe('real photos', () => {
  it('decodes a faces-dev JPEG with its stored size', async () => {
    const file = path.join(FACES_DEV, 'B001231.jpg');
    const { image, info } = await decodeImage(await readFile(file), { name: file });
    expect([image.width, image.height]).toEqual([225, 275]);
    expect(info.bytes).toBeGreaterThan(1000);
    const mean = image.data.reduce((a, b) => a + b, 0) / image.data.length;
    expect(mean).toBeGreaterThan(0.05);
    expect(mean).toBeLessThan(0.95);
  });
});
