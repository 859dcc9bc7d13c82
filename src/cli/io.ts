import { InvalidArgumentError } from 'commander';

/** What commands print to, and the exit code they set: injectable so tests run commands in-process. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  exitCode: number;
  /** Models folder override (--models-dir / FILTERLAB_MODELS). */
  modelsDir?: string;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function intOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n))
    throw new InvalidArgumentError(`Expected an integer but received ${JSON.stringify(value)}`);
  return n;
}

export function numberList(value: string): number[] {
  const list = value.split(',').map((v) => Number(v.trim()));
  if (list.some((n) => !Number.isFinite(n)))
    throw new InvalidArgumentError(
      `Expected comma-separated numbers but received ${JSON.stringify(value)}`,
    );
  return list;
}
