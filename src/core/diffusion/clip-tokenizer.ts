import { FilterlabError, invalidArgument } from '../errors.js';
import { byteDecode, byteEncode, preTokenize } from './clip-byte-level.js';
import {
  readClipTokenizerFolder,
  sourceFromTokenizerJson,
  sourceFromVocabAndMerges,
  type ClipSpecialTokens,
  type ClipTokenizerSource,
} from './clip-tokenizer-files.js';

export type { ClipSpecialTokens } from './clip-tokenizer-files.js';

/**
 * CLIP's byte-level BPE tokenizer, as transformers' CLIPTokenizer (and the `tokenizers` CLIP
 * tokenizer.json) encode a Stable Diffusion prompt:
 *
 *   1. normalize: NFC, runs of whitespace to one space, trim, lower-case;
 *   2. split with CLIP's pattern (special tokens, 's 't 're 've 'm 'll 'd, letter runs, single
 *      digits, runs of other non-space characters);
 *   3. UTF-8 bytes of each piece -> the printable characters of `bytes_to_unicode`, "</w>" on the
 *      last one, then merge pairs by rank (lowest first) until no ranked pair is left;
 *   4. <|startoftext|> + ids + <|endoftext|>, truncated to the window (77) and padded with the pad
 *      token the tokenizer's config names (<|endoftext|> for SD 1.x, "!" = id 0 for SD 2.x).
 *
 * Not reproduced: ftfy's mojibake repair, which transformers applies only when ftfy is installed.
 */

export const CLIP_BOS = '<|startoftext|>';
export const CLIP_EOS = '<|endoftext|>';
export const CLIP_MAX_LENGTH = 77;
const END_OF_WORD = '</w>';
const CACHE_LIMIT = 10_000;

export interface ClipEncoding {
  /** `maxLength` ids: <|startoftext|>, the prompt, <|endoftext|>, then padding. */
  ids: Int32Array;
  /** 1 for <|startoftext|> through <|endoftext|>, 0 for padding. */
  attentionMask: Int32Array;
  /** Tokens before padding, both special tokens included. */
  length: number;
  /** Whether the prompt was longer than the window and lost its end. */
  truncated: boolean;
  /** Prompt tokens cut off by truncation (0 when nothing was). */
  droppedTokens: number;
  /** Set when truncated: what a user should be told. */
  warning?: string;
}

export class ClipTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  readonly unkId: number;
  readonly padId: number;
  readonly maxLength: number;
  private readonly ranks: ReadonlyMap<string, number>;
  private readonly byId: ReadonlyMap<number, string>;
  private readonly cache = new Map<string, readonly string[]>();

  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    merges: readonly (readonly [string, string])[],
    special: ClipSpecialTokens = {},
  ) {
    this.ranks = new Map(merges.map(([a, b], rank) => [`${a} ${b}`, rank]));
    this.byId = new Map([...vocab].map(([token, id]) => [id, token]));
    this.bosId = this.idOf(special.bosToken ?? CLIP_BOS, 'bos_token');
    this.eosId = this.idOf(special.eosToken ?? CLIP_EOS, 'eos_token');
    this.unkId = this.idOf(special.unkToken ?? CLIP_EOS, 'unk_token');
    this.padId = this.idOf(special.padToken ?? special.eosToken ?? CLIP_EOS, 'pad_token');
    this.maxLength = special.maxLength ?? CLIP_MAX_LENGTH;
    if (!Number.isInteger(this.maxLength) || this.maxLength < 2) {
      throw invalidArgument(
        'an integer window of at least 2 tokens',
        'model_max_length',
        this.maxLength,
      );
    }
  }

  /** Read a tokenizer folder: tokenizer.json, or vocab.json + merges.txt, plus the config files. */
  static async fromFolder(dir: string): Promise<ClipTokenizer> {
    return ClipTokenizer.fromSource(await readClipTokenizerFolder(dir));
  }

  /** From the `tokenizers` library format (model.vocab and model.merges of a BPE model). */
  static fromTokenizerJson(json: unknown, special: ClipSpecialTokens = {}): ClipTokenizer {
    return ClipTokenizer.fromSource(sourceFromTokenizerJson(json, special));
  }

  /** From the slow tokenizer's files: vocab.json (token -> id) and merges.txt. */
  static fromVocabAndMerges(
    vocab: unknown,
    mergesText: string,
    special: ClipSpecialTokens = {},
  ): ClipTokenizer {
    return ClipTokenizer.fromSource(sourceFromVocabAndMerges(vocab, mergesText, special));
  }

  private static fromSource(source: ClipTokenizerSource): ClipTokenizer {
    return new ClipTokenizer(source.vocab, source.merges, source.special);
  }

  /** The BPE tokens of a prompt, without the special tokens around it. */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') throw invalidArgument('a prompt string', 'text', text);
    const tokens: string[] = [];
    for (const piece of preTokenize(text)) {
      if (piece === CLIP_BOS || piece === CLIP_EOS) tokens.push(piece);
      else tokens.push(...this.bpe(byteEncode(piece)));
    }
    return tokens;
  }

  /** Token ids for the text encoder: BOS + prompt + EOS, truncated and padded to the window. */
  encode(text: string, options: { maxLength?: number } = {}): ClipEncoding {
    const maxLength = options.maxLength ?? this.maxLength;
    if (!Number.isInteger(maxLength) || maxLength < 2)
      throw invalidArgument('an integer >= 2', 'maxLength', maxLength);
    const content = this.tokenize(text).map((token) => this.vocab.get(token) ?? this.unkId);
    const room = maxLength - 2;
    const droppedTokens = Math.max(0, content.length - room);
    const kept = droppedTokens > 0 ? content.slice(0, room) : content;
    const ids = new Int32Array(maxLength).fill(this.padId);
    const attentionMask = new Int32Array(maxLength);
    ids[0] = this.bosId;
    ids.set(kept, 1);
    ids[kept.length + 1] = this.eosId;
    attentionMask.fill(1, 0, kept.length + 2);
    const encoding: ClipEncoding = {
      ids,
      attentionMask,
      length: kept.length + 2,
      truncated: droppedTokens > 0,
      droppedTokens,
    };
    if (droppedTokens > 0) {
      encoding.warning = `The prompt is ${content.length} tokens but the text encoder reads ${room}; the last ${droppedTokens} were dropped`;
    }
    return encoding;
  }

  /** Text back from ids (special tokens and padding dropped), for logs and tests. */
  decode(ids: ArrayLike<number>): string {
    const special = new Set([this.bosId, this.eosId, this.padId]);
    const text = Array.from(ids)
      .filter((id) => !special.has(id))
      .map((id) => this.byId.get(id) ?? '')
      .join('');
    return byteDecode(text.replaceAll(END_OF_WORD, ' ')).trim();
  }

  /** CLIPTokenizer.bpe: merge the lowest-ranked adjacent pair, everywhere it occurs, until none is ranked. */
  private bpe(token: string): readonly string[] {
    const cached = this.cache.get(token);
    if (cached) return cached;
    const chars = Array.from(token);
    let word = [...chars.slice(0, -1), `${chars[chars.length - 1] ?? ''}${END_OF_WORD}`];
    while (word.length > 1) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      word = mergeAll(word, word[best] as string, word[best + 1] as string);
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(token, word);
    return word;
  }

  private idOf(token: string, name: string): number {
    const id = this.vocab.get(token);
    if (id === undefined) {
      throw new FilterlabError(
        'FL_ERR_DIFFUSION_LAYOUT',
        `Expected the ${name} ${JSON.stringify(token)} in the tokenizer vocabulary but it is missing`,
        {
          details: { name, token },
        },
      );
    }
    return id;
  }
}

/** Replace every non-overlapping (first, second) pair, left to right, by their concatenation. */
function mergeAll(word: readonly string[], first: string, second: string): string[] {
  const merged: string[] = [];
  for (let i = 0; i < word.length; i++) {
    if (word[i] === first && word[i + 1] === second) {
      merged.push(first + second);
      i++;
    } else {
      merged.push(word[i] as string);
    }
  }
  return merged;
}
