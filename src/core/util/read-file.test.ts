import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBytes, readText } from './read-file.js';

describe('readBytes and readText', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fl-read-'));
    await writeFile(path.join(dir, 'a.txt'), 'héllo');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads bytes and text', async () => {
    expect(await readText(path.join(dir, 'a.txt'), 'a note')).toBe('héllo');
    expect((await readBytes(path.join(dir, 'a.txt'), 'a note')).length).toBe(6);
  });

  it('names what was expected, where, and why it could not be read', async () => {
    const missing = path.join(dir, 'missing.cube');
    await expect(readBytes(missing, 'a .cube LUT file')).rejects.toMatchObject({
      code: 'FL_ERR_IO',
      message: `Expected a .cube LUT file at ${missing} but it cannot be read: ENOENT`,
      details: { file: missing },
    });
    await expect(readText(dir, 'a model manifest', 'FL_ERR_MODEL_MANIFEST')).rejects.toMatchObject({
      code: 'FL_ERR_MODEL_MANIFEST',
      message: expect.stringMatching(/cannot be read: EISDIR$/),
    });
  });
});
