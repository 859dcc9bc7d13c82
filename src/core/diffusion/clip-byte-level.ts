/**
 * The text-to-symbols half of CLIP's tokenizer: prompt normalization, CLIP's pre-tokenization
 * pattern, and GPT-2's byte-level alphabet, in which BPE merges are written.
 */

const PRE_TOKENIZE =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

/**
 * The prompt as CLIP's BPE sees it: NFC, whitespace runs to one space, trimmed, lower-cased, then
 * split into special tokens, the contractions 's 't 're 've 'm 'll 'd, letter runs, single digits,
 * and runs of other non-space characters.
 */
export function preTokenize(text: string): string[] {
  const normalized = text.normalize('NFC').replace(/\s+/gu, ' ').trim().toLowerCase();
  return normalized.match(PRE_TOKENIZE) ?? [];
}

/**
 * GPT-2 / CLIP `bytes_to_unicode`: the printable bytes (! to ~, ¡ to ¬, ® to ÿ) stand for
 * themselves and the other 68 for U+0100 onwards, so every byte is a visible character and BPE never
 * sees a space. `order` is the byte of each vocabulary id 0..255 (ids 256..511 are the same symbols
 * with "</w>"); `charOf` maps a byte value to its symbol.
 */
function byteTable(): { order: number[]; charOf: string[] } {
  const printable = [...range(0x21, 0x7e), ...range(0xa1, 0xac), ...range(0xae, 0xff)];
  const rest = range(0, 255).filter((b) => !printable.includes(b));
  const charOf = new Array<string>(256);
  printable.forEach((b) => (charOf[b] = String.fromCodePoint(b)));
  rest.forEach((b, n) => (charOf[b] = String.fromCodePoint(256 + n)));
  return { order: [...printable, ...rest], charOf };
}

/** The symbol of each byte value: bytes_to_unicode()[b]. */
export function bytesToUnicode(): string[] {
  return byteTable().charOf;
}

/** The 256 byte symbols in CLIP vocabulary order (ids 0..255). */
export function byteSymbolsInVocabOrder(): string[] {
  const { order, charOf } = byteTable();
  return order.map((b) => charOf[b] as string);
}

const BYTE_TO_CHAR = bytesToUnicode();
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((ch, b) => [ch, b]));
const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder('utf-8');

/** A piece of text as byte symbols: its UTF-8 bytes, each written as its bytes_to_unicode symbol. */
export function byteEncode(piece: string): string {
  let out = '';
  for (const byte of UTF8.encode(piece)) out += BYTE_TO_CHAR[byte];
  return out;
}

/** The inverse of byteEncode; characters outside the alphabet (a space) pass through as UTF-8. */
export function byteDecode(symbols: string): string {
  const bytes: number[] = [];
  for (const ch of symbols) {
    const byte = CHAR_TO_BYTE.get(ch);
    if (byte !== undefined) bytes.push(byte);
    else bytes.push(...UTF8.encode(ch));
  }
  return UTF8_DECODER.decode(new Uint8Array(bytes));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
