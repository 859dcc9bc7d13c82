import { describe, expect, it } from 'vitest';
import { createContext, disposeContext } from '../core/context.js';
import { compile } from '../core/filters/compile.js';
import { loadFilter } from '../core/filters/load.js';
import { createImage } from '../core/image/image.js';
import { findGc, leakCheck, processPeakRssMb, rssMb, RssSampler } from './memory.js';

describe('memory measurement', () => {
  it('samples a peak at least as high as the RSS it saw, and below the process peak', async () => {
    const sampler = new RssSampler().start(1);
    const held = new Float64Array(8 * 1024 * 1024).fill(1); // 64 MB touched
    sampler.sample();
    const peak = sampler.stop();
    expect(held[held.length - 1]).toBe(1);
    expect(peak).toBeGreaterThanOrEqual(64);
    expect(peak).toBeLessThanOrEqual(processPeakRssMb() + 1);
    expect(rssMb()).toBeGreaterThan(0);
  });

  it('finds a way to force garbage collection', () => {
    const gc = findGc();
    expect(gc.source).not.toBe('unavailable');
    expect(() => gc.collect!()).not.toThrow();
  });

  it('samples RSS across a leak check of a real filter', async () => {
    const ctx = createContext();
    try {
      const { spec, baseDir } = await loadFilter('soft-fade');
      const runner = await compile(spec, ctx, { baseDir });
      const image = createImage(32, 24, new Float32Array(32 * 24 * 3).fill(0.4));
      const leak = await leakCheck(runner, image, 30, { gc: findGc(), samples: 3 });
      await runner.dispose();
      expect(leak.samples.map((s) => s.run)).toEqual([0, 10, 20, 30]);
      expect(leak.startRssMb).toBe(leak.samples[0]!.rssMb);
      expect(leak.endRssMb).toBe(leak.samples[3]!.rssMb);
      expect(leak.growthMbPer100Runs).toBeCloseTo(
        ((leak.endRssMb - leak.startRssMb) / 30) * 100,
        9,
      );
    } finally {
      await disposeContext(ctx);
    }
  });
});
