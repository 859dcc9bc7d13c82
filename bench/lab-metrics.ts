/**
 * Speed and agreement of the lab's SSIM and CIEDE2000 against the npm packages people would
 * otherwise reach for, on a 1000x1000 pair: a faces-dev portrait resized to 1 MP, and an
 * edited copy (blurred, tone-shifted, tinted, with seeded noise).
 *
 *   npx tsx bench/lab-metrics.ts [--repeat 7] [--json-only]
 *
 * - SSIM: filterlab's ssim() (skimage-exact, BT.601 float luma) vs ssim.js configured to the
 *   same algorithm: ssim 'original' (the line-by-line port of Wang et al.'s ssim.m: 11x11
 *   Gaussian σ 1.5, 'valid' filtering = skimage's crop), k1 0.01, k2 0.03, bitDepth 8,
 *   downsample off. ssim.js rounds its grey to 8 bits with MATLAB's rgb2gray weights, so the
 *   two are also compared on the same 8-bit grey, where they must agree to rounding error.
 *   ssim.js's default 'weber' algorithm (a faster approximation) is timed for reference.
 * - CIEDE2000: meanCiede2000 over two Lab arrays vs color-diff's diff() per pixel on the same
 *   Lab values; also the per-pixel maximum disagreement.
 *
 * Each timing is the median of `repeat` runs after two warm-up runs, in one process.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ssim as ssimJs } from 'ssim.js';
import { blurImage } from '../src/core/image/blur.js';
import { imageToRgb8, type Image } from '../src/core/image/image.js';
import { readImage } from '../src/core/image/decode.js';
import { resizeImage } from '../src/core/image/resize.js';
import { ciede2000, meanCiede2000 } from '../src/lab/metrics/ciede2000.js';
import { imageLuma, imageToLab } from '../src/lab/metrics/color.js';
import { ssim, ssimLuma } from '../src/lab/metrics/ssim.js';

// color-diff ships no type declarations.
const colorDiff = createRequire(import.meta.url)('color-diff') as {
  diff(c1: { L: number; a: number; b: number }, c2: { L: number; a: number; b: number }): number;
};

const FACES_DEV = process.env.FILTERLAB_FACES_DEV
  ? path.resolve(process.env.FILTERLAB_FACES_DEV)
  : path.resolve(import.meta.dirname, '../../shared/data/faces-dev');
const PHOTO = 'B001231.jpg';
const SIZE = 1000;

interface Timing {
  /** Wall-clock median. */
  medianMs: number;
  /** Median CPU time of this process (user + system): steadier than wall time on a busy machine. */
  cpuMedianMs: number;
  runsMs: number[];
}

function time<T>(repeat: number, run: () => T): { value: T; timing: Timing } {
  run();
  let value = run();
  const runsMs: number[] = [];
  const cpuMs: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    value = run();
    runsMs.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpuMs.push((cpu.user + cpu.system) / 1000);
  }
  return {
    value,
    timing: {
      medianMs: round(median(runsMs), 2),
      cpuMedianMs: round(median(cpuMs), 2),
      runsMs: runsMs.map((v) => round(v, 2)),
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Blur, lift and warm the portrait, plus seeded noise: a stand-in for a filter's output. */
function editedCopy(image: Image): Image {
  const out = blurImage(image, 1.2);
  const d = out.data;
  let seed = 42;
  for (let i = 0; i < d.length; i += 3) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const n = (seed / 2 ** 32 - 0.5) * 0.04;
    d[i] = Math.min(1, Math.max(0, 0.9 * d[i]! + 0.08 + n));
    d[i + 1] = Math.min(1, Math.max(0, 0.9 * d[i + 1]! + 0.05 + n));
    d[i + 2] = Math.min(1, Math.max(0, 0.9 * d[i + 2]! + 0.03 + n));
  }
  return out;
}

function toRgba(
  rgb: Uint8Array,
  width: number,
  height: number,
): { data: Uint8ClampedArray; width: number; height: number } {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    data[4 * p] = rgb[3 * p]!;
    data[4 * p + 1] = rgb[3 * p + 1]!;
    data[4 * p + 2] = rgb[3 * p + 2]!;
    data[4 * p + 3] = 255;
  }
  return { data, width, height };
}

/** 8-bit grey (rounded BT.601 luma) as RGBA with R = G = B, and the same grey as float64. */
function grey8(image: Image): {
  rgba: { data: Uint8ClampedArray; width: number; height: number };
  luma: Float64Array;
} {
  const luma = imageLuma(image);
  const rgba = new Uint8ClampedArray(luma.length * 4);
  for (let p = 0; p < luma.length; p++) {
    const v = Math.round(luma[p]!);
    luma[p] = v;
    rgba.fill(v, 4 * p, 4 * p + 3);
    rgba[4 * p + 3] = 255;
  }
  return { rgba: { data: rgba, width: image.width, height: image.height }, luma };
}

const SSIM_JS_ORIGINAL = {
  ssim: 'original',
  windowSize: 11,
  k1: 0.01,
  k2: 0.03,
  bitDepth: 8,
  downsample: false,
  rgb2grayVersion: 'original',
} as const;

/** Times and compares both metrics; `npm run bench:lab` reuses it. */
export async function labMetricsBench(repeat = 7) {
  const photo = (await readImage(path.join(FACES_DEV, PHOTO))).image;
  // Lanczos overshoots [0, 1] a little; clamp so that every library sees the same pixels.
  const a = resizeImage(photo, SIZE, SIZE);
  for (let i = 0; i < a.data.length; i++) a.data[i] = Math.min(1, Math.max(0, a.data[i]!));
  const b = editedCopy(a);
  const rgbaA = toRgba(imageToRgb8(a), SIZE, SIZE);
  const rgbaB = toRgba(imageToRgb8(b), SIZE, SIZE);
  const greyA = grey8(a);
  const greyB = grey8(b);

  // SSIM
  const ours = time(repeat, () => ssim(a, b).ssim);
  const theirs = time(repeat, () => ssimJs(rgbaA, rgbaB, SSIM_JS_ORIGINAL).mssim);
  const weber = time(
    repeat,
    () => ssimJs(rgbaA, rgbaB, { ssim: 'weber', downsample: false }).mssim,
  );
  const oursOnGrey = ssimLuma(greyA.luma, greyB.luma, SIZE, SIZE).ssim;
  const theirsOnGrey = ssimJs(greyA.rgba, greyB.rgba, SSIM_JS_ORIGINAL).mssim;

  // CIEDE2000
  const labA = imageToLab(a);
  const labB = imageToLab(b);
  const oursDe = time(repeat, () => meanCiede2000(labA, labB).mean);
  const oursDeWithLab = time(
    repeat,
    () => meanCiede2000(imageToLab(a, labA), imageToLab(b, labB)).mean,
  );
  const theirsDe = time(repeat, () => {
    let sum = 0;
    for (let i = 0; i < labA.length; i += 3) {
      sum += colorDiff.diff(
        { L: labA[i]!, a: labA[i + 1]!, b: labA[i + 2]! },
        { L: labB[i]!, a: labB[i + 1]!, b: labB[i + 2]! },
      );
    }
    return sum / (labA.length / 3);
  });
  let maxPixelDiff = 0;
  for (let i = 0; i < labA.length; i += 3) {
    const lab1 = [labA[i]!, labA[i + 1]!, labA[i + 2]!] as const;
    const lab2 = [labB[i]!, labB[i + 1]!, labB[i + 2]!] as const;
    const d = colorDiff.diff(
      { L: lab1[0], a: lab1[1], b: lab1[2] },
      { L: lab2[0], a: lab2[1], b: lab2[2] },
    );
    maxPixelDiff = Math.max(maxPixelDiff, Math.abs(d - ciede2000(lab1, lab2)));
  }

  const result = {
    image: {
      source: `faces-dev/${PHOTO}`,
      width: SIZE,
      height: SIZE,
      edit: 'blur σ1.2, 0.9v + (0.08, 0.05, 0.03), noise ±0.02',
    },
    node: process.version,
    repeat,
    ssim: {
      filterlab: { value: ours.value, ...ours.timing },
      ssimJsOriginal: { value: theirs.value, options: SSIM_JS_ORIGINAL, ...theirs.timing },
      ssimJsWeber: { value: weber.value, ...weber.timing },
      speedupVsOriginal: round(theirs.timing.medianMs / ours.timing.medianMs, 2),
      speedupVsWeber: round(weber.timing.medianMs / ours.timing.medianMs, 2),
      cpuSpeedupVsOriginal: round(theirs.timing.cpuMedianMs / ours.timing.cpuMedianMs, 2),
      cpuSpeedupVsWeber: round(weber.timing.cpuMedianMs / ours.timing.cpuMedianMs, 2),
      differenceOwnGrey: Math.abs(ours.value - theirs.value),
      sameGrey8: {
        filterlab: oursOnGrey,
        ssimJs: theirsOnGrey,
        difference: Math.abs(oursOnGrey - theirsOnGrey),
      },
    },
    ciede2000: {
      filterlab: { value: oursDe.value, ...oursDe.timing },
      filterlabIncludingLab: { value: oursDeWithLab.value, ...oursDeWithLab.timing },
      colorDiff: { value: theirsDe.value, ...theirsDe.timing },
      speedup: round(theirsDe.timing.medianMs / oursDe.timing.medianMs, 2),
      cpuSpeedup: round(theirsDe.timing.cpuMedianMs / oursDe.timing.cpuMedianMs, 2),
      meanDifference: Math.abs(oursDe.value - theirsDe.value),
      maxPixelDifference: maxPixelDiff,
    },
  };

  return result;
}

export type LabMetricsResult = Awaited<ReturnType<typeof labMetricsBench>>;

/** The result as a Markdown table, with the agreement lines under it. */
export function labMetricsTable(result: LabMetricsResult): string {
  const { ssim: s, ciede2000: c } = result;
  const ours = { value: s.filterlab.value, timing: s.filterlab };
  const theirs = { value: s.ssimJsOriginal.value, timing: s.ssimJsOriginal };
  const weber = { value: s.ssimJsWeber.value, timing: s.ssimJsWeber };
  const oursDe = { value: c.filterlab.value, timing: c.filterlab };
  const oursDeWithLab = { value: c.filterlabIncludingLab.value, timing: c.filterlabIncludingLab };
  const theirsDe = { value: c.colorDiff.value, timing: c.colorDiff };
  const [oursOnGrey, theirsOnGrey] = [s.sameGrey8.filterlab, s.sameGrey8.ssimJs];
  const maxPixelDiff = c.maxPixelDifference;
  const row = (name: string, value: number, t: Timing, base?: Timing): string => {
    const ratio = base
      ? `${(t.medianMs / base.medianMs).toFixed(2)}x (cpu ${(t.cpuMedianMs / base.cpuMedianMs).toFixed(2)}x)`
      : '-';
    return `| ${name} | ${value.toFixed(6)} | ${t.medianMs.toFixed(1)} | ${t.cpuMedianMs.toFixed(1)} | ${ratio} |`;
  };
  const table = [
    '',
    '| metric | value | median ms | cpu ms | time vs filterlab |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('SSIM filterlab', ours.value, ours.timing),
    row('SSIM ssim.js original', theirs.value, theirs.timing, ours.timing),
    row('SSIM ssim.js weber (approx.)', weber.value, weber.timing, ours.timing),
    row('ΔE00 filterlab, Lab given', oursDe.value, oursDe.timing),
    row(
      'ΔE00 filterlab incl. imageToLab x2',
      oursDeWithLab.value,
      oursDeWithLab.timing,
      oursDe.timing,
    ),
    row('ΔE00 color-diff, Lab given', theirsDe.value, theirsDe.timing, oursDe.timing),
    '',
    `SSIM on the same 8-bit grey: filterlab ${oursOnGrey} vs ssim.js ${theirsOnGrey} (|Δ| ${result.ssim.sameGrey8.difference.toExponential(2)})`,
    `ΔE00 per pixel: max |filterlab − color-diff| ${maxPixelDiff.toExponential(2)}`,
    '',
  ];
  return table.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const repeat = Number(args[args.indexOf('--repeat') + 1]) || 7;
  const result = await labMetricsBench(repeat);
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  if (!args.includes('--json-only')) process.stdout.write(labMetricsTable(result));
}

// run as a script; imported by bench/lab.ts
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href)
  await main();
