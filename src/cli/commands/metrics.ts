import type { Command } from 'commander';
import { createContext, disposeContext } from '../../core/context.js';
import { FilterlabError } from '../../core/errors.js';
import { sharedFaceModels } from '../../core/faces/shared.js';
import { readImage } from '../../core/image/decode.js';
import { resizeImage } from '../../core/image/resize.js';
import { PairAnalysis } from '../../lab/analysis.js';
import { fmt } from '../../lab/format.js';
import { ciede2000 } from '../../lab/metrics/ciede2000.js';
import { psnr } from '../../lab/metrics/psnr.js';
import { sharpness } from '../../lab/metrics/sharpness.js';
import { skinShift } from '../../lab/metrics/skin-shift.js';
import { ssim } from '../../lab/metrics/ssim.js';
import type { Io } from '../io.js';

/** `filterlab metrics ssim|skin-shift|ciede2000`: single-pair metrics, for people and scripts. */
export function registerMetrics(program: Command, io: Io): void {
  const metrics = program
    .command('metrics')
    .description('Single-pair metrics, for people and scripts');
  metrics
    .command('ssim')
    .description('SSIM (BT.601 luma) and PSNR of two images of the same size')
    .argument('<a>', 'reference image')
    .argument('<b>', 'image to compare, the same width and height')
    .option('--json', 'JSON output', false)
    .action(async (a: string, b: string, flags: { json: boolean }) => {
      const [x, y] = await sameSizePair(a, b);
      const value = ssim(x, y).ssim;
      const p = psnr(x, y);
      io.out(
        flags.json
          ? JSON.stringify({
              ssim: value,
              psnr: Number.isFinite(p.psnr) ? p.psnr : null,
              mse: p.mse,
            })
          : String(value),
      );
    });
  metrics
    .command('skin-shift')
    .description(
      'Skin-tone change over the facial skin: mean CIEDE2000 and signed L* shift (after is resized to before)',
    )
    .argument('<before>', 'photo before the filter')
    .argument('<after>', 'the filtered photo')
    .option('--json', 'JSON output', false)
    .action(async (a: string, b: string, flags: { json: boolean }) => {
      const [x, y] = await samePair(a, b);
      const ctx = createContext();
      try {
        const pair = new PairAnalysis(x, y, await sharedFaceModels(ctx));
        const skin = await pair.skin();
        if (!skin)
          throw new FilterlabError(
            'FL_ERR_NO_FACE',
            `Expected a face in ${a} to measure skin tone but found none`,
          );
        const s = skinShift(x, y, skin);
        const out = {
          deltaE: s.deltaE,
          deltaL: s.deltaL,
          skinPixels: Math.round(s.pixels),
          faces: (await pair.inputFaces()).length,
          sharpnessRatio: sharpness(y) / sharpness(x),
        };
        io.out(
          flags.json
            ? JSON.stringify(out)
            : `ΔE00 ${fmt(s.deltaE)}  ΔL* ${fmt(s.deltaL)}  (${out.skinPixels} skin pixels)`,
        );
      } finally {
        await disposeContext(ctx);
      }
    });
  metrics
    .command('ciede2000')
    .description('CIEDE2000 colour difference of two CIELAB colours')
    .argument('<L1>', 'first colour: L*')
    .argument('<a1>', 'first colour: a*')
    .argument('<b1>', 'first colour: b*')
    .argument('<L2>', 'second colour: L*')
    .argument('<a2>', 'second colour: a*')
    .argument('<b2>', 'second colour: b*')
    .option('--json', 'JSON output', false)
    .action((...args: unknown[]) => {
      const nums = args.slice(0, 6).map(Number);
      if (nums.some((n) => !Number.isFinite(n))) {
        throw new FilterlabError(
          'FL_ERR_INVALID_ARGUMENT',
          `Expected six numbers L1 a1 b1 L2 a2 b2 but received ${args.slice(0, 6).join(' ')}`,
        );
      }
      const deltaE = ciede2000([nums[0]!, nums[1]!, nums[2]!], [nums[3]!, nums[4]!, nums[5]!]);
      const { json } = args[6] as { json: boolean };
      io.out(json ? JSON.stringify({ deltaE }) : String(deltaE));
    });
}

/** The second image resized to the first's size, for metrics that compare colour, not structure. */
async function samePair(a: string, b: string) {
  const [x, y] = await Promise.all([readImage(a), readImage(b)]);
  if (x.image.width === y.image.width && x.image.height === y.image.height)
    return [x.image, y.image] as const;
  return [x.image, resizeImage(y.image, x.image.width, x.image.height)] as const;
}

/** Structure metrics compare pixel for pixel: a resized image would score its resampling. */
async function sameSizePair(a: string, b: string) {
  const [x, y] = await Promise.all([readImage(a), readImage(b)]);
  if (x.image.width !== y.image.width || x.image.height !== y.image.height) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected two images of the same size but received ${x.image.width}x${x.image.height} (${a}) and ${y.image.width}x${y.image.height} (${b}); resize one first`,
    );
  }
  return [x.image, y.image] as const;
}
