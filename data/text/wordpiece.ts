/**
 * WordPiece: BERT's greedy longest-match-first split of one word into
 * vocabulary pieces, non-initial pieces prefixed `##`; a word longer than
 * `maxInputCharsPerWord` (100, BERT's default) or with any span no piece
 * matches becomes the single `[UNK]` (google-research/bert
 * `tokenization.py`, `WordpieceTokenizer`). Lengths count code points, as
 * Python's strings do.
 *
 * Two speed-ups that do not change the result: the longest candidate tried
 * is capped at the longest vocabulary token, and words already seen are
 * cached (corpora repeat words; the cache is cleared when it grows past
 * `CACHE_LIMIT` entries).
 * @module
 */
import type { Vocab } from "./vocab.ts";

/** BERT's `max_input_chars_per_word`. */
export const MAX_INPUT_CHARS_PER_WORD = 100;
const CACHE_LIMIT = 200_000;
const PREFIX = "##";

/** A WordPiece splitter over one vocabulary. */
export class WordPiece {
  readonly #ids: ReadonlyMap<string, number>;
  readonly #unkId: number;
  readonly #maxChars: number;
  /** Longest token in code points (a `##` token counts without its prefix). */
  readonly #maxPiece: number;
  readonly #cache = new Map<string, readonly number[]>();

  /** A splitter over `vocab`, mapping failures to `unkId`. */
  constructor(vocab: Vocab, unkId: number, maxInputCharsPerWord = MAX_INPUT_CHARS_PER_WORD) {
    this.#ids = vocab.ids;
    this.#unkId = unkId;
    this.#maxChars = maxInputCharsPerWord;
    let longest = 1;
    for (const t of vocab.tokens) {
      const n = [...(t.startsWith(PREFIX) ? t.slice(PREFIX.length) : t)].length;
      if (n > longest) longest = n;
    }
    this.#maxPiece = longest;
  }

  /** Ids of the pieces of one word (a word has no whitespace). */
  ids(word: string): readonly number[] {
    const hit = this.#cache.get(word);
    if (hit !== undefined) return hit;
    const out = this.#split(word);
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(word, out);
    return out;
  }

  #split(word: string): readonly number[] {
    // Code points, as BERT's `list(token)`; a plain string when no surrogate pairs occur.
    const chars: string | string[] = /[\uD800-\uDFFF]/.test(word) ? [...word] : word;
    const n = chars.length;
    if (n > this.#maxChars) return [this.#unkId];
    const slice = typeof chars === "string"
      ? (a: number, b: number) => chars.slice(a, b)
      : (a: number, b: number) => chars.slice(a, b).join("");
    const out: number[] = [];
    let start = 0;
    while (start < n) {
      let end = Math.min(n, start + this.#maxPiece);
      let id: number | undefined;
      while (start < end) {
        const piece = start > 0 ? PREFIX + slice(start, end) : slice(start, end);
        id = this.#ids.get(piece);
        if (id !== undefined) break;
        end--;
      }
      if (id === undefined) return [this.#unkId];
      out.push(id);
      start = end;
    }
    return out;
  }
}
