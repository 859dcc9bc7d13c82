import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAtomic } from './atomic-write.js';

describe('writeAtomic', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fl-atomic-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('replaces the target in one step and leaves no temporary file', async () => {
    const target = path.join(dir, 'a', 'b.txt');
    await writeAtomic(target, 'one');
    await writeAtomic(target, 'two');
    expect(await readFile(target, 'utf8')).toBe('two');
    expect(await readdir(path.dirname(target))).toEqual(['b.txt']);
  });

  it('reports a folder that cannot be written as FL_ERR_IO naming the file', async () => {
    const file = path.join(dir, 'plain-file');
    await writeFile(file, 'x');
    const target = path.join(file, 'out.jpg');
    await expect(writeAtomic(target, 'x')).rejects.toMatchObject({
      code: 'FL_ERR_IO',
      message: expect.stringContaining(target),
    });
  });
});
