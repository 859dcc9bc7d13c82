import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildClipTokenizerFiles,
  writeClipTokenizerFixture,
} from '../../../scripts/fixtures/clip-tokenizer.js';
import { byteSymbolsInVocabOrder } from './clip-byte-level.js';
import { CLIP_BOS, CLIP_EOS, ClipTokenizer } from './clip-tokenizer.js';

/**
 * The real CLIP vocabulary, reconstructed from the head of its merges.txt: CLIP's vocab is the 256
 * byte symbols, the same with "</w>", one token per merge in merge order (id 512 + rank), then
 * <|startoftext|> = 49406 and <|endoftext|> = 49407. __fixtures__/clip-merges-head.txt holds the
 * first 1862 merges of openai/clip-vit-base-patch32's merges.txt (MIT), copied unmodified. BPE
 * only applies a merge after every merge that built its parts, so words whose tokens all come from
 * this head tokenize exactly as with the full file.
 */
async function realClipHead(
  special: ConstructorParameters<typeof ClipTokenizer>[2] = {},
): Promise<ClipTokenizer> {
  const text = await readFile(
    path.join(import.meta.dirname, '__fixtures__', 'clip-merges-head.txt'),
    'utf8',
  );
  const merges = text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(' ') as [string, string]);
  const symbols = byteSymbolsInVocabOrder();
  const vocab = new Map<string, number>();
  [...symbols, ...symbols.map((s) => `${s}</w>`), ...merges.map(([a, b]) => a + b)].forEach(
    (t, id) => vocab.set(t, id),
  );
  vocab.set(CLIP_BOS, 49406);
  vocab.set(CLIP_EOS, 49407);
  return new ClipTokenizer(vocab, merges, special);
}

describe('ClipTokenizer against published CLIP ids', () => {
  // Published ids of openai/clip-vit-base-patch32 / SD's CLIP tokenizer, as asserted by other
  // projects' tests that run transformers' CLIPTokenizer: Bumblebee (test/bumblebee/text/
  // clip_tokenizer_test.exs: "a photo of a cat" / "a photo of a dog"), klartraum (sd15
  // clip_tokenizer tests: "don't stop") and an SDXL tokenizer parity test ("A PHOTO of  a Cat!",
  // "don't stop 42 times").
  it.each([
    ['a photo of a cat', [49406, 320, 1125, 539, 320, 2368, 49407]],
    ['a photo of a dog', [49406, 320, 1125, 539, 320, 1929, 49407]],
    ['A PHOTO of  a Cat!', [49406, 320, 1125, 539, 320, 2368, 256, 49407]],
    ["don't stop", [49406, 847, 713, 1691, 49407]],
    ["don't stop 42 times", [49406, 847, 713, 1691, 275, 273, 1661, 49407]],
    ['', [49406, 49407]],
  ])('%j', async (text, expected) => {
    const encoding = (await realClipHead()).encode(text);
    expect([...encoding.ids.subarray(0, expected.length)]).toEqual(expected);
    expect(encoding.length).toBe(expected.length);
  });

  it('pads SD 1.x with <|endoftext|> and SD 2.x with "!" (id 0)', async () => {
    const sd1 = (await realClipHead()).encode('a photo of a cat');
    const sd2 = (await realClipHead({ padToken: '!' })).encode('a photo of a cat');
    expect(sd1.ids).toHaveLength(77);
    expect([...sd1.ids.subarray(7)]).toEqual(new Array(70).fill(49407));
    expect([...sd2.ids.subarray(7)]).toEqual(new Array(70).fill(0));
    expect([...sd1.attentionMask.subarray(0, 8)]).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
  });

  it('truncates to 75 prompt tokens, keeps <|endoftext|> last and says how many were dropped', async () => {
    const encoding = (await realClipHead()).encode(new Array(100).fill('cat').join(' '));
    expect(encoding.ids[76]).toBe(49407);
    expect(encoding.ids[75]).toBe(2368);
    expect(encoding).toMatchObject({ truncated: true, droppedTokens: 25, length: 77 });
    expect(encoding.warning).toBe(
      'The prompt is 100 tokens but the text encoder reads 75; the last 25 were dropped',
    );
  });
});

describe('ClipTokenizer on the fixture tokenizer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'filterlab-clip-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds a 1000-token vocabulary laid out like CLIP', () => {
    const vocab = JSON.parse(buildClipTokenizerFiles()['vocab.json']) as Record<string, number>;
    expect(Object.keys(vocab)).toHaveLength(1000);
    expect(vocab['!']).toBe(0);
    expect(vocab['a</w>']).toBe(320);
    expect(vocab[CLIP_BOS]).toBe(998);
    expect(vocab[CLIP_EOS]).toBe(999);
    expect(buildClipTokenizerFiles()).toEqual(buildClipTokenizerFiles());
  });

  it('reads tokenizer.json and vocab.json + merges.txt to the same ids', async () => {
    const files = buildClipTokenizerFiles();
    const fromJson = ClipTokenizer.fromTokenizerJson(JSON.parse(files['tokenizer.json']));
    const fromSlow = ClipTokenizer.fromVocabAndMerges(
      JSON.parse(files['vocab.json']),
      files['merges.txt'],
    );
    const prompt =
      'A cinematic photo of a dog running on the beach at sunset, soft light — 50mm ✨';
    expect([...fromJson.encode(prompt).ids]).toEqual([...fromSlow.encode(prompt).ids]);
    // decoding puts a space after every word-final token, as CLIPTokenizer.decode does
    expect(fromJson.decode(fromJson.encode(prompt).ids)).toBe(
      'a cinematic photo of a dog running on the beach at sunset , soft light — 5 0 mm ✨',
    );
  });

  it('merges learned words into single tokens and spells unknown ones in bytes', () => {
    const tokenizer = ClipTokenizer.fromTokenizerJson(
      JSON.parse(buildClipTokenizerFiles()['tokenizer.json']),
    );
    expect(tokenizer.tokenize('the photo')).toEqual(['the</w>', 'photo</w>']);
    expect(tokenizer.tokenize('zq')).toEqual(['z', 'q</w>']);
    expect(tokenizer.tokenize('é')).toEqual(['Ã', '©</w>']);
  });

  it('keeps special tokens written in the prompt', () => {
    const tokenizer = ClipTokenizer.fromTokenizerJson(
      JSON.parse(buildClipTokenizerFiles()['tokenizer.json']),
    );
    expect([...tokenizer.encode('cat<|endoftext|>').ids.subarray(0, 4)]).toEqual([
      998,
      tokenizer.encode('cat').ids[1],
      999,
      999,
    ]);
  });

  it('loads a folder, with special_tokens_map.json overriding tokenizer_config.json', async () => {
    const sd2 = path.join(dir, 'sd2');
    await writeClipTokenizerFixture(sd2, { pad: 'exclamation' });
    const tokenizer = await ClipTokenizer.fromFolder(sd2);
    expect(tokenizer.padId).toBe(0);
    expect(tokenizer.maxLength).toBe(77);

    const slowOnly = path.join(dir, 'slow');
    await writeClipTokenizerFixture(slowOnly);
    await rm(path.join(slowOnly, 'tokenizer.json'));
    await rm(path.join(slowOnly, 'special_tokens_map.json'));
    const slow = await ClipTokenizer.fromFolder(slowOnly);
    expect(slow.padId).toBe(999);
    const fast = ClipTokenizer.fromTokenizerJson(
      JSON.parse(buildClipTokenizerFiles()['tokenizer.json']),
    );
    expect([...slow.encode('a cat').ids]).toEqual([...fast.encode('a cat').ids]);
  });

  it('says what is missing from a tokenizer folder', async () => {
    const empty = path.join(dir, 'empty');
    await writeClipTokenizerFixture(empty);
    await Promise.all(['tokenizer.json', 'merges.txt'].map((f) => rm(path.join(empty, f))));
    await expect(ClipTokenizer.fromFolder(empty)).rejects.toMatchObject({
      code: 'FL_ERR_DIFFUSION_LAYOUT',
      message: `Expected tokenizer.json, or vocab.json and merges.txt, in ${empty} but found no merges.txt`,
    });
    await writeFile(
      path.join(empty, 'tokenizer.json'),
      '{"model": {"vocab": {"a": 0}, "merges": []}}',
    );
    await expect(ClipTokenizer.fromFolder(empty)).rejects.toMatchObject({
      code: 'FL_ERR_DIFFUSION_LAYOUT',
      message:
        'Expected the bos_token "<|startoftext|>" in the tokenizer vocabulary but it is missing',
    });
  });

  it('accepts merges written as pairs (newer tokenizers versions)', () => {
    const json = JSON.parse(buildClipTokenizerFiles()['tokenizer.json']) as {
      model: { merges: unknown[] };
    };
    json.model.merges = json.model.merges.map((m) => (m as string).split(' '));
    const tokenizer = ClipTokenizer.fromTokenizerJson(json);
    expect(tokenizer.tokenize('the photo')).toEqual(['the</w>', 'photo</w>']);
  });
});
