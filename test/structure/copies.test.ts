import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCopies, COPY_FOLDERS } from '../../scripts/check-copies.js';

describe('"Copied from" markers', () => {
  it('every marked copy in the schedulers matches its source', () => {
    expect(checkCopies(COPY_FOLDERS)).toEqual([]);
  });

  describe('on copies that drifted', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'fl-copies-'));
      await writeFile(
        path.join(dir, 'source.ts'),
        'export class A {\n  scale(x: number): number {\n    return x * 2;\n  }\n}\n' +
          'export function twice(x: number): number {\n  return x * 2;\n}\n',
      );
      await writeFile(
        path.join(dir, 'copy.ts'),
        'export class B {\n  // Copied from ./source.ts:A.scale\n  scale(x: number): number {\n' +
          '    return x * 2; // the same\n  }\n\n  // Copied from ./source.ts:A.scale\n' +
          '  other(x: number): number {\n    return x * 3;\n  }\n}\n' +
          '// Copied from ./source.ts:twice with twice->double\nexport function double(x: number): number {\n' +
          '  return x * 2;\n}\n// Copied from ./gone.ts:twice\nexport function gone(): void {}\n',
      );
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('names each copy that differs and each source that is gone', () => {
      const problems = checkCopies([dir]);
      expect(problems.map((p) => [path.basename(p.at), p.message])).toEqual([
        ['copy.ts:7', 'differs from ./source.ts:A.scale; change both, or drop the marker'],
        ['copy.ts:16', 'its source ./gone.ts:twice is not there'],
      ]);
    });
  });
});
