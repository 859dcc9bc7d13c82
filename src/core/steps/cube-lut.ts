import { FilterlabError } from '../errors.js';

/** A 3D colour lookup table: size^3 RGB entries, red varying fastest (the .cube order). */
export interface Lut3d {
  size: number;
  data: Float32Array;
  domainMin: [number, number, number];
  domainMax: [number, number, number];
  title?: string;
}

/** Parse an Adobe/Resolve .cube file (LUT_3D_SIZE, optional DOMAIN_MIN/MAX and TITLE). */
export function parseCube(text: string, source = 'LUT'): Lut3d {
  let size = 0;
  let title: string | undefined;
  const domainMin: [number, number, number] = [0, 0, 0];
  const domainMax: [number, number, number] = [1, 1, 1];
  const values: number[] = [];
  const fail = (line: number, message: string) =>
    new FilterlabError('FL_ERR_SPEC_INVALID', `${source} line ${line}: ${message}`, {
      details: { file: source, line },
    });
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'TITLE') title = rest.join(' ').replace(/^"|"$/g, '');
    else if (key === 'LUT_3D_SIZE') {
      size = Number(rest[0]);
      if (!Number.isInteger(size) || size < 2 || size > 256)
        throw fail(i + 1, `Expected LUT_3D_SIZE in 2..256 but received ${rest[0]}`);
    } else if (key === 'LUT_1D_SIZE')
      throw fail(i + 1, 'Expected a 3D LUT but received a 1D LUT (LUT_1D_SIZE)');
    else if (key === 'DOMAIN_MIN' || key === 'DOMAIN_MAX') {
      const v = rest.map(Number);
      if (v.length !== 3 || v.some((x) => !Number.isFinite(x)))
        throw fail(i + 1, `Expected 3 numbers after ${key}`);
      (key === 'DOMAIN_MIN' ? domainMin : domainMax).splice(0, 3, ...v);
    } else if (/^[-+0-9.]/.test(key!)) {
      const v = [key, ...rest].map(Number);
      if (v.length !== 3 || v.some((x) => !Number.isFinite(x)))
        throw fail(i + 1, `Expected 3 numbers but received "${line}"`);
      values.push(...v);
    } else throw fail(i + 1, `Unknown keyword ${key}`);
  }
  if (!size) throw fail(lines.length, 'Expected a LUT_3D_SIZE line but found none');
  if (values.length !== size ** 3 * 3) {
    throw fail(
      lines.length,
      `Expected ${size ** 3} entries for LUT_3D_SIZE ${size} but received ${values.length / 3}`,
    );
  }
  return {
    size,
    data: Float32Array.from(values),
    domainMin,
    domainMax,
    ...(title ? { title } : {}),
  };
}

export function formatCube(lut: Lut3d): string {
  const lines = [`TITLE "${lut.title ?? 'filterlab'}"`, `LUT_3D_SIZE ${lut.size}`];
  for (let i = 0; i < lut.data.length; i += 3) {
    lines.push(
      `${lut.data[i]!.toFixed(5)} ${lut.data[i + 1]!.toFixed(5)} ${lut.data[i + 2]!.toFixed(5)}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Build a LUT by sampling a colour function on the size^3 grid. */
export function lutFromFunction(
  size: number,
  f: (r: number, g: number, b: number) => [number, number, number],
  title?: string,
): Lut3d {
  const data = new Float32Array(size ** 3 * 3);
  let o = 0;
  for (let b = 0; b < size; b++)
    for (let g = 0; g < size; g++)
      for (let r = 0; r < size; r++) {
        const v = f(r / (size - 1), g / (size - 1), b / (size - 1));
        data[o++] = v[0];
        data[o++] = v[1];
        data[o++] = v[2];
      }
  return { size, data, domainMin: [0, 0, 0], domainMax: [1, 1, 1], ...(title ? { title } : {}) };
}
