import { describe, expect, it } from 'vitest';
import { workingSize } from './working-size.js';

/** SD 1.x / 2.x / SD-Turbo: VAE factor 8, three UNet downsamplers. */
const SD = { vaeFactor: 8, unetFactor: 8 };

describe('workingSize', () => {
  it('scales a photo to the native long side in multiples of 64, keeping the aspect ratio', () => {
    expect(workingSize({ width: 4000, height: 3000 }, {}, SD, 512)).toEqual({
      width: 512,
      height: 384,
    });
    // 1080 x 1920 -> 288 x 512; 288 is 4.5 x 64 and rounds half up to 320
    expect(workingSize({ width: 1080, height: 1920 }, {}, SD, 512)).toEqual({
      width: 320,
      height: 512,
    });
    // 1000 x 333 -> 512 x 170.5; 170.5 rounds to 192 (the nearest multiple of 64)
    expect(workingSize({ width: 1000, height: 333 }, {}, SD, 512)).toEqual({
      width: 512,
      height: 192,
    });
    expect(workingSize({ width: 300, height: 200 }, { maxSide: 256 }, SD, 512)).toEqual({
      width: 256,
      height: 192,
    });
  });

  it('gives the 225 x 275 portrait that broke a real UNet latents divisible by 8', () => {
    // main rounded to multiples of 8: 416 x 512, latents 52 x 64, and ORT failed in Concat
    const size = workingSize({ width: 225, height: 275 }, {}, SD, 512);
    expect(size).toEqual({ width: 448, height: 512 });
    expect((size.width / 8) % 8).toBe(0);
  });

  it('keeps a very thin photo at least one multiple wide', () => {
    expect(workingSize({ width: 5000, height: 10 }, {}, SD, 512)).toEqual({
      width: 512,
      height: 64,
    });
  });

  it('uses explicit sizes as given, deriving a missing side from the photo', () => {
    expect(workingSize({ width: 800, height: 600 }, { width: 320, height: 256 }, SD, 512)).toEqual({
      width: 320,
      height: 256,
    });
    expect(workingSize({ width: 800, height: 600 }, { width: 320 }, SD, 512)).toEqual({
      width: 320,
      height: 256,
    });
    expect(workingSize({ width: 800, height: 600 }, { height: 256 }, SD, 512)).toEqual({
      width: 320,
      height: 256,
    });
  });

  it('makes txt2img square at the native size unless told otherwise', () => {
    expect(workingSize(undefined, {}, SD, 512)).toEqual({ width: 512, height: 512 });
    expect(workingSize(undefined, { width: 768 }, SD, 512)).toEqual({ width: 768, height: 512 });
    expect(workingSize(undefined, { maxSide: 300 }, SD, 512)).toEqual({ width: 320, height: 320 });
  });

  it('follows the factors the model configs give', () => {
    expect(
      workingSize(
        { width: 100, height: 50 },
        { maxSide: 100 },
        { vaeFactor: 4, unetFactor: 2 },
        256,
      ),
    ).toEqual({ width: 104, height: 48 });
  });

  it('refuses explicit sizes that are not multiples, naming both factors', () => {
    expect(() => workingSize(undefined, { width: 500 }, SD, 512)).toThrow(
      /Expected width to be a positive multiple of 64 \(the VAE's factor 8 x the UNet's downsampling 8\) but received 500; use 448 or 512/,
    );
    expect(() => workingSize(undefined, { width: 416 }, SD, 512)).toThrow(/received 416/);
    expect(() => workingSize(undefined, { height: 0 }, SD, 512)).toThrow(/height .* received 0/);
    expect(() => workingSize(undefined, { height: 7.5 }, SD, 512)).toThrow(/received 7.5/);
    expect(() => workingSize(undefined, { maxSide: 32 }, SD, 512)).toThrow(
      /integer >= 64 for maxSide/,
    );
  });
});
