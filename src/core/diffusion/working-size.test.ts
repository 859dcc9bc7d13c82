import { describe, expect, it } from 'vitest';
import { workingSize } from './working-size.js';

describe('workingSize', () => {
  it('scales a photo to the native long side in multiples of 8, keeping the aspect ratio', () => {
    expect(workingSize({ width: 4000, height: 3000 }, {}, 8, 512)).toEqual({
      width: 512,
      height: 384,
    });
    expect(workingSize({ width: 1080, height: 1920 }, {}, 8, 512)).toEqual({
      width: 288,
      height: 512,
    });
    // 1000 x 333 -> 512 x 170.5; 170.5 rounds to 168 (the nearest multiple of 8)
    expect(workingSize({ width: 1000, height: 333 }, {}, 8, 512)).toEqual({
      width: 512,
      height: 168,
    });
    expect(workingSize({ width: 300, height: 200 }, { maxSide: 256 }, 8, 512)).toEqual({
      width: 256,
      height: 168,
    });
  });

  it('keeps a very thin photo at least one latent pixel wide', () => {
    expect(workingSize({ width: 5000, height: 10 }, {}, 8, 512)).toEqual({ width: 512, height: 8 });
  });

  it('uses explicit sizes as given, deriving a missing side from the photo', () => {
    expect(workingSize({ width: 800, height: 600 }, { width: 320, height: 256 }, 8, 512)).toEqual({
      width: 320,
      height: 256,
    });
    expect(workingSize({ width: 800, height: 600 }, { width: 320 }, 8, 512)).toEqual({
      width: 320,
      height: 240,
    });
    expect(workingSize({ width: 800, height: 600 }, { height: 240 }, 8, 512)).toEqual({
      width: 320,
      height: 240,
    });
  });

  it('makes txt2img square at the native size unless told otherwise', () => {
    expect(workingSize(undefined, {}, 8, 512)).toEqual({ width: 512, height: 512 });
    expect(workingSize(undefined, { width: 768 }, 8, 512)).toEqual({ width: 768, height: 512 });
    expect(workingSize(undefined, { maxSide: 300 }, 8, 512)).toEqual({ width: 304, height: 304 });
  });

  it('follows the VAE factor the model config gives', () => {
    expect(workingSize({ width: 100, height: 50 }, { maxSide: 100 }, 4, 256)).toEqual({
      width: 100,
      height: 52,
    });
  });

  it('refuses explicit sizes that are not multiples of the factor', () => {
    expect(() => workingSize(undefined, { width: 500 }, 8, 512)).toThrow(
      /Expected width to be a positive multiple of 8 \(the VAE's downsampling factor\) but received 500; use 496 or 504/,
    );
    expect(() => workingSize(undefined, { height: 0 }, 8, 512)).toThrow(/height .* received 0/);
    expect(() => workingSize(undefined, { height: 7.5 }, 8, 512)).toThrow(/received 7.5/);
    expect(() => workingSize(undefined, { maxSide: 4 }, 8, 512)).toThrow(
      /integer >= 8 for maxSide/,
    );
  });
});
