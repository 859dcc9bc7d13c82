import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import { parseWith } from '../util/parse-with.js';

/**
 * Reading a CLIP tokenizer from the files of a diffusers `tokenizer/` folder: the `tokenizers`
 * library's tokenizer.json, or the slow tokenizer's vocab.json + merges.txt, plus the special-token
 * settings of tokenizer_config.json and special_tokens_map.json.
 */

/** The special-token settings of tokenizer_config.json / special_tokens_map.json. */
export interface ClipSpecialTokens {
  bosToken?: string;
  eosToken?: string;
  unkToken?: string;
  padToken?: string;
  /** The window, model_max_length; default 77. */
  maxLength?: number;
}

/** What a ClipTokenizer is built from. */
export interface ClipTokenizerSource {
  vocab: Map<string, number>;
  /** Merge rules, in rank order. */
  merges: [string, string][];
  special: ClipSpecialTokens;
}

/** transformers keeps merges.txt lines [1 : 49152 - 256 - 2 + 1] (the CLIP vocab's size). */
const MAX_MERGES = 49152 - 256 - 2;

export async function readClipTokenizerFolder(dir: string): Promise<ClipTokenizerSource> {
  const special = await readSpecialTokens(dir);
  const tokenizerJson = await readOptional(path.join(dir, 'tokenizer.json'));
  if (tokenizerJson !== undefined) {
    return sourceFromTokenizerJson(parseJson(tokenizerJson, dir, 'tokenizer.json'), special);
  }
  const vocab = await readOptional(path.join(dir, 'vocab.json'));
  const merges = await readOptional(path.join(dir, 'merges.txt'));
  if (vocab === undefined || merges === undefined) {
    const found =
      vocab === undefined && merges === undefined
        ? 'neither'
        : vocab === undefined
          ? 'no vocab.json'
          : 'no merges.txt';
    throw new FilterlabError(
      'FL_ERR_DIFFUSION_LAYOUT',
      `Expected tokenizer.json, or vocab.json and merges.txt, in ${dir} but found ${found}`,
      { details: { dir } },
    );
  }
  return sourceFromVocabAndMerges(parseJson(vocab, dir, 'vocab.json'), merges, special);
}

/** The `tokenizers` library format: model.vocab and model.merges of a BPE model. */
export function sourceFromTokenizerJson(
  json: unknown,
  special: ClipSpecialTokens = {},
): ClipTokenizerSource {
  const parsed = parseWith(
    TokenizerJsonSchema,
    json,
    'FL_ERR_DIFFUSION_LAYOUT',
    'Invalid tokenizer.json',
  );
  const vocab = new Map(Object.entries(parsed.model.vocab));
  for (const added of parsed.added_tokens ?? []) vocab.set(added.content, added.id);
  const merges = parsed.model.merges.map((m) => (typeof m === 'string' ? splitMerge(m) : m));
  const padToken = special.padToken ?? parsed.padding?.pad_token;
  return { vocab, merges, special: padToken === undefined ? special : { ...special, padToken } };
}

/** The slow tokenizer's files: vocab.json (token -> id) and merges.txt (a header line, then "A B"). */
export function sourceFromVocabAndMerges(
  vocab: unknown,
  mergesText: string,
  special: ClipSpecialTokens = {},
): ClipTokenizerSource {
  const parsed = parseWith(VocabSchema, vocab, 'FL_ERR_DIFFUSION_LAYOUT', 'Invalid vocab.json');
  const lines = mergesText
    .trim()
    .split('\n')
    .slice(1, MAX_MERGES + 1);
  return { vocab: new Map(Object.entries(parsed)), merges: lines.map(splitMerge), special };
}

function splitMerge(line: string): [string, string] {
  const parts = line.split(' ');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new FilterlabError(
      'FL_ERR_DIFFUSION_LAYOUT',
      `Expected a merge "A B" but received ${JSON.stringify(line)}`,
    );
  }
  return [parts[0], parts[1]];
}

const VocabSchema = z.record(z.string(), z.number().int().nonnegative());

const TokenizerJsonSchema = z.looseObject({
  model: z.looseObject({
    type: z
      .literal('BPE', {
        error: (i) => `Expected a BPE model but received ${JSON.stringify(i.input)}`,
      })
      .optional(),
    vocab: VocabSchema,
    merges: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])),
  }),
  added_tokens: z
    .array(z.looseObject({ id: z.number().int().nonnegative(), content: z.string() }))
    .nullish(),
  padding: z.looseObject({ pad_token: z.string().optional() }).nullish(),
});

/** A token in tokenizer_config.json / special_tokens_map.json: a string or an AddedToken object. */
const TokenSetting = z
  .union([z.string(), z.looseObject({ content: z.string() })])
  .nullish()
  .transform((value) => (typeof value === 'string' ? value : value?.content));

const SpecialTokensSchema = z.looseObject({
  bos_token: TokenSetting,
  eos_token: TokenSetting,
  unk_token: TokenSetting,
  pad_token: TokenSetting,
  model_max_length: z.number().nullish(),
});

/**
 * tokenizer_config.json, then special_tokens_map.json over it (transformers' from_pretrained lets
 * the map override the config: SD 2.x's map sets pad_token "!" while its config says <|endoftext|>).
 */
async function readSpecialTokens(dir: string): Promise<ClipSpecialTokens> {
  const special: ClipSpecialTokens = {};
  for (const file of ['tokenizer_config.json', 'special_tokens_map.json']) {
    const text = await readOptional(path.join(dir, file));
    if (text === undefined) continue;
    const parsed = parseWith(
      SpecialTokensSchema,
      parseJson(text, dir, file),
      'FL_ERR_DIFFUSION_LAYOUT',
      `Invalid ${file}`,
    );
    if (parsed.bos_token) special.bosToken = parsed.bos_token;
    if (parsed.eos_token) special.eosToken = parsed.eos_token;
    if (parsed.unk_token) special.unkToken = parsed.unk_token;
    if (parsed.pad_token) special.padToken = parsed.pad_token;
    // transformers writes a huge placeholder when a tokenizer has no real limit
    if (parsed.model_max_length && parsed.model_max_length < 1e6)
      special.maxLength = parsed.model_max_length;
  }
  return special;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FilterlabError('FL_ERR_IO', `Could not read ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function parseJson(text: string, dir: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FilterlabError(
      'FL_ERR_DIFFUSION_LAYOUT',
      `Expected valid JSON in ${path.join(dir, file)} but it does not parse: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
