/**
 * The few numpy routines diffusers' set_timesteps code relies on, reproduced to the rounding:
 * a timestep that differs by one from diffusers' is a different UNet input.
 */

/** numpy.linspace: y[i] = start + i * step, with the last value set to `stop` when endpoint. */
export function linspace(start: number, stop: number, num: number, endpoint = true): number[] {
  const div = endpoint ? num - 1 : num;
  const delta = stop - start;
  const step = div > 0 ? delta / div : Number.NaN;
  const out = new Array<number>(num);
  for (let i = 0; i < num; i++) {
    out[i] = div > 0 ? (step === 0 ? (i / div) * delta : i * step) + start : i * delta + start;
  }
  if (endpoint && num > 1) out[num - 1] = stop;
  return out;
}

/**
 * numpy.arange for a float step: length ceil((stop - start) / step), values start + i * delta where
 * delta = (start + step) - start, as numpy's fill() computes them.
 */
export function arange(start: number, stop: number, step: number): number[] {
  const length = Math.max(0, Math.ceil((stop - start) / step));
  const delta = start + step - start;
  const out = new Array<number>(length);
  for (let i = 0; i < length; i++)
    out[i] = i === 0 ? start : i === 1 ? start + step : start + i * delta;
  return out;
}

/** numpy.round / numpy.ndarray.round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** numpy.interp(x, arange(len(fp)), fp): linear interpolation on the integer grid 0..n-1. */
export function interpOnIndexGrid(x: number, fp: ArrayLike<number>): number {
  const last = fp.length - 1;
  if (x <= 0) return fp[0] as number;
  if (x >= last) return fp[last] as number;
  const j = Math.floor(x);
  const y0 = fp[j] as number;
  if (x === j) return y0;
  const slope = (fp[j + 1] as number) - y0;
  return slope * (x - j) + y0;
}

/** numpy.searchsorted(a, v, side='left') for an ascending array. */
export function searchSortedLeft(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
