import { copyFile, mkdir, mkdtemp, rm, writeFile, appendFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../../test/support/paths.js';
import { loadDataset } from './dataset.js';

const THREE = ['B001231.jpg', 'B001239.jpg', 'C000984.jpg'];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fl-dataset-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function folderOf(name: string, files: readonly string[]): Promise<string> {
  const d = path.join(dir, name);
  await mkdir(d, { recursive: true });
  for (const f of files) await copyFile(path.join(FACES_DEV, f), path.join(d, f));
  return d;
}

describe('loadDataset on faces-dev', () => {
  it('joins labels.csv and extra_meta.csv on the file column', async () => {
    const ds = await loadDataset(FACES_DEV);
    expect(ds.items).toHaveLength(72);
    expect(ds.missing).toEqual([]);
    // labels.csv is read first, so its columns come first
    expect(ds.columns.slice(0, 4)).toEqual(['gender', 'age_band', 'source', 'license']);
    expect(ds.columns).toEqual(expect.arrayContaining(['kind', 'perceived_tone', 'note']));
    const first = ds.items.find((i) => i.file === 'B001231.jpg')!;
    expect(first.labels).toMatchObject({
      gender: 'F',
      age_band: '60+',
      kind: 'portrait',
      perceived_tone: 'lighter',
      expected_faces: '1',
    });
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.bytes).toBeGreaterThan(1000);
    expect(first.path).toBe(path.join(FACES_DEV, 'B001231.jpg'));
    // items are sorted by file name
    expect(ds.items.map((i) => i.file)).toEqual(ds.items.map((i) => i.file).sort());
  });

  it('filters with where (a value or a list of values), match and limit', async () => {
    expect((await loadDataset(FACES_DEV, { where: { kind: 'portrait' } })).items).toHaveLength(60);
    const women = await loadDataset(FACES_DEV, { where: { kind: 'portrait', gender: 'F' } });
    expect(women.items).toHaveLength(30);
    expect(women.items.every((i) => i.labels.gender === 'F')).toBe(true);
    const both = await loadDataset(FACES_DEV, { where: { kind: 'portrait', gender: ['F', 'M'] } });
    expect(both.items).toHaveLength(60);
    const b = await loadDataset(FACES_DEV, { match: '^B\\d+\\.jpg$' });
    expect(b.items.map((i) => i.file)).toEqual([
      'B001231.jpg',
      'B001239.jpg',
      'B001253.jpg',
      'B001270.jpg',
      'B001272.jpg',
      'B001273.jpg',
      'B001284.jpg',
    ]);
    const limited = await loadDataset(FACES_DEV, { where: { gender: 'M' }, limit: 4 });
    expect(limited.items.map((i) => i.file)).toEqual([
      'B001239.jpg',
      'B001272.jpg',
      'C000984.jpg',
      'C001068.jpg',
    ]);
  });

  it('says what matched nothing, and rejects a bad regular expression', async () => {
    await expect(loadDataset(FACES_DEV, { where: { gender: 'X' } })).rejects.toMatchObject({
      code: 'FL_ERR_DATASET',
      message: expect.stringContaining('matching the filters'),
    });
    await expect(loadDataset(FACES_DEV, { match: '(' })).rejects.toMatchObject({
      code: 'FL_ERR_INVALID_ARGUMENT',
      message: expect.stringContaining('Expected a regular expression for match'),
    });
  });
});

describe('manifest hash', () => {
  it('is stable, and changes when a photo changes, is renamed or is added', async () => {
    const d = await folderOf('manifest', THREE);
    const first = await loadDataset(d);
    expect(first.items).toHaveLength(3);
    expect((await loadDataset(d)).manifestHash).toBe(first.manifestHash);

    await appendFile(path.join(d, 'B001239.jpg'), Buffer.from([0]));
    const changed = await loadDataset(d);
    expect(changed.manifestHash).not.toBe(first.manifestHash);
    expect(changed.items[1]!.sha256).not.toBe(first.items[1]!.sha256);
    expect(changed.items[0]!.sha256).toBe(first.items[0]!.sha256);

    await copyFile(path.join(FACES_DEV, 'B001239.jpg'), path.join(d, 'B001239.jpg'));
    expect((await loadDataset(d)).manifestHash).toBe(first.manifestHash);

    await rename(path.join(d, 'C000984.jpg'), path.join(d, 'Z.jpg'));
    expect((await loadDataset(d)).manifestHash).not.toBe(first.manifestHash);
    await rename(path.join(d, 'Z.jpg'), path.join(d, 'C000984.jpg'));

    // labels are not part of what was scored: adding a labels file keeps the hash
    await writeFile(path.join(d, 'labels.csv'), 'file,gender\nB001231.jpg,F\n');
    expect((await loadDataset(d)).manifestHash).toBe(first.manifestHash);
  });
});

describe('labels.jsonl', () => {
  it('reads one object per line; any key is a column; files it names but lacks are missing', async () => {
    const d = await folderOf('jsonl', THREE);
    await writeFile(
      path.join(d, 'labels.jsonl'),
      [
        { file: 'B001231.jpg', gender: 'F', age: 61, smiling: true },
        { file: 'B001239.jpg', gender: 'M', age: 47 },
        { file: 'gone.jpg', gender: 'M' },
      ]
        .map((o) => JSON.stringify(o))
        .join('\r\n') + '\n\n',
    );
    const ds = await loadDataset(d);
    expect(ds.columns).toEqual(['gender', 'age', 'smiling']);
    expect(ds.items.map((i) => i.labels)).toEqual([
      { gender: 'F', age: '61', smiling: 'true' },
      { gender: 'M', age: '47' },
      {},
    ]);
    expect(ds.missing).toEqual(['gone.jpg']);
    expect((await loadDataset(d, { where: { age: '47' } })).items.map((i) => i.file)).toEqual([
      'B001239.jpg',
    ]);
  });

  it('names the line that is not a JSON object', async () => {
    const d = await folderOf('bad-jsonl', THREE.slice(0, 1));
    await writeFile(path.join(d, 'labels.jsonl'), '{"file":"B001231.jpg"}\n[1,2]\n');
    await expect(loadDataset(d)).rejects.toMatchObject({
      code: 'FL_ERR_DATASET',
      message: expect.stringContaining('line 2'),
    });
  });
});

describe('folders without photos', () => {
  it('an empty folder or a missing one is FL_ERR_DATASET', async () => {
    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    await writeFile(path.join(empty, 'labels.csv'), 'file,gender\n');
    await expect(loadDataset(empty)).rejects.toMatchObject({
      code: 'FL_ERR_DATASET',
      message: expect.stringContaining('Expected photos in'),
    });
    await expect(loadDataset(path.join(dir, 'nope'))).rejects.toMatchObject({
      code: 'FL_ERR_DATASET',
      message: expect.stringContaining('cannot be read'),
    });
  });
});
