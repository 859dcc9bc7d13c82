import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createContext, disposeContext } from '../../src/core/context.js';
import { chooseScore } from '../../src/core/diffusion/choose-score.js';
import {
  baseSeed,
  generateBestOf,
  sharedPipeline,
} from '../../src/core/diffusion/generate-best-of.js';
import { Img2imgOptionsSchema } from '../../src/core/diffusion/img2img-step.js';
import { readImage } from '../../src/core/image/decode.js';
import { FACES_DEV, REPO_ROOT } from '../support/paths.js';

/**
 * Opt-in: the anime-portrait filter's step on a real SD-Turbo export, through the same code as
 * the diffusion.img2img step. Runs only with FILTERLAB_SD_TURBO=<diffusers ONNX folder> (from
 * `optimum-cli export onnx --model stabilityai/sd-turbo <folder>`, docs/diffusion.md); it takes
 * minutes on a CPU. It checks what the fixtures cannot: the output's shape, that no pixel is NaN
 * or black from an overflow, that the kept best-of-N candidate is the most like the person, and
 * the time per UNet step.
 */

const dir = process.env.FILTERLAB_SD_TURBO;
const title = dir
  ? `a real SD-Turbo export in ${dir}`
  : 'a real SD-Turbo export (skipped: set FILTERLAB_SD_TURBO=<diffusers ONNX folder> to run)';

describe.skipIf(!dir)(title, () => {
  it('runs the anime-portrait step on a faces-dev portrait', { timeout: 30 * 60_000 }, async () => {
    const yaml = parse(
      await readFile(path.join(REPO_ROOT, 'filters', 'diffusion', 'anime-portrait.yaml'), 'utf8'),
    ) as { steps: Record<string, unknown>[] };
    const o = Img2imgOptionsSchema.parse({ ...yaml.steps[0], strength: 0.5, maxSide: 512 });
    const models = await mkdtemp(path.join(tmpdir(), 'fl-sd-turbo-')); // holds the ORT cache
    const ctx = createContext({ modelsDir: models, logger: pino({ level: 'warn' }) });
    try {
      const { image } = await readImage(path.join(FACES_DEV, 'B001231.jpg'));
      const pipeline = await sharedPipeline(ctx, { dir: path.resolve(dir!) });
      const { result, kept } = await generateBestOf(
        pipeline,
        ctx,
        {
          prompt: o.prompt,
          negativePrompt: o.negativePrompt,
          steps: o.steps,
          guidance: o.guidance,
          strength: o.strength,
          maxSide: o.maxSide!,
          image,
        },
        baseSeed(1, 0),
        { bestOf: o.bestOf, keep: o.bestOf, rank: 'identity' },
      );
      const best = kept[0]!;
      expect([best.image.width, best.image.height]).toEqual([image.width, image.height]);
      const mean = best.image.data.reduce((a, b) => a + b, 0) / best.image.data.length;
      expect(mean).toBeGreaterThan(0.05); // not the black of NaN or overflow
      // The kept candidate is the best by identity, and still the person.
      const score = await chooseScore('identity', ctx, image);
      const scores = await Promise.all(result.images.map((c) => score(c.image, image)));
      expect(await score(best.image, image)).toBe(Math.max(...scores));
      expect(Math.max(...scores)).toBeGreaterThan(0.3);
      const perStep = result.timings.unetMs / result.timings.steps;
      process.stdout.write(
        `SD-Turbo ${result.size.width}x${result.size.height}: ${perStep.toFixed(0)} ms per UNet step, ` +
          `total ${(result.timings.totalMs / 1000).toFixed(1)} s, identity ${scores.map((s) => s.toFixed(3)).join(', ')}\n`,
      );
      expect(perStep).toBeLessThan(120_000);
    } finally {
      await disposeContext(ctx);
      await rm(models, { recursive: true, force: true });
    }
  });
});
