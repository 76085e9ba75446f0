/**
 * BERT's full tokenizer (`Tokenizer` of `types.ts`): BasicTokenizer, then
 * WordPiece, then `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]` with segment ids
 * 0 / 1 (google-research/bert `tokenization.py` and `run_classifier.py`
 * `convert_single_example`).
 *
 * Truncation is Hugging Face's `truncation=True` (`longest_first`): while the
 * pair is too long, drop the last token of the longer segment, of B when they
 * are equally long (transformers `truncate_sequences`; BERT's
 * `_truncate_seq_pair` differs only in dropping from A on ties).
 *
 * Cased or uncased: the `lowercase` option says; when omitted it follows the
 * vocabulary — uncased vocabularies (bert-base-uncased & co.) hold no token outside
 * the bracketed special tokens that lower-casing changes, cased ones hold
 * many — so a vocab with any such token means cased. This is
 * an assumption (BERT ships the flag beside the checkpoint, not in
 * vocab.txt); pass `lowercase` to override it.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { basicTokenize } from "./basic_tokenizer.ts";
import type { EncodedText, Tokenizer } from "./types.ts";
import { readVocab, type Vocab } from "./vocab.ts";
import { MAX_INPUT_CHARS_PER_WORD, WordPiece } from "./wordpiece.ts";

/** Options of a BERT tokenizer. */
export interface BertTokenizerOptions {
  /** Lower-case and strip accents (uncased BERT); default: follows the vocabulary (see module doc). */
  readonly lowercase?: boolean;
  /** Words longer than this (code points) become `[UNK]` (default 100, BERT's). */
  readonly maxInputCharsPerWord?: number;
}

/**
 * Whether a vocabulary looks uncased: no token outside the `[…]` special
 * tokens changes under lower-casing (bert-base-uncased holds `ℝ`, an
 * upper-case letter with no lower-case form, so "has an upper-case letter"
 * would misjudge it).
 */
export function vocabIsUncased(vocab: Vocab): boolean {
  for (const t of vocab.tokens) {
    if (t.startsWith("[") && t.endsWith("]")) continue;
    if (t !== t.toLowerCase()) return false;
  }
  return true;
}

/** Drop tokens from the end of the longer list until the total fits (ties: from `b`). */
export function truncateLongestFirst(a: number[], b: number[] | undefined, budget: number): void {
  if (b === undefined) {
    if (a.length > budget) a.length = Math.max(0, budget);
    return;
  }
  let na = a.length, nb = b.length;
  while (na + nb > budget) {
    if (na > nb) na--;
    else nb--;
  }
  a.length = na;
  b.length = nb;
}

/** BERT's WordPiece tokenizer over a `vocab.txt` vocabulary. */
export class BertTokenizer implements Tokenizer {
  /** Vocabulary size (the model's embedding rows). */
  readonly vocabSize: number;
  /** Id of `[CLS]`. */
  readonly clsId: number;
  /** Id of `[SEP]`. */
  readonly sepId: number;
  /** Id of `[PAD]`. */
  readonly padId: number;
  /** Id of `[UNK]`. */
  readonly unkId: number;
  /** Whether text is lower-cased and accent-stripped (uncased BERT). */
  readonly lowercase: boolean;
  /** The vocabulary. */
  readonly vocab: Vocab;
  readonly #wordpiece: WordPiece;

  /** A tokenizer over `vocab`; the special tokens must be in it. */
  constructor(vocab: Vocab, options: BertTokenizerOptions = {}) {
    const special = (t: string): number => {
      const id = vocab.ids.get(t);
      if (id === undefined) {
        throw new ActlabError(
          `vocabulary ${vocab.source} has no ${t} token`,
          "BERT's vocab.txt holds [PAD], [UNK], [CLS], [SEP] (and [MASK]); add them (writeVocab puts them first)",
        );
      }
      return id;
    };
    this.vocab = vocab;
    this.vocabSize = vocab.tokens.length;
    this.padId = special("[PAD]");
    this.unkId = special("[UNK]");
    this.clsId = special("[CLS]");
    this.sepId = special("[SEP]");
    this.lowercase = options.lowercase ?? vocabIsUncased(vocab);
    const maxChars = options.maxInputCharsPerWord ?? MAX_INPUT_CHARS_PER_WORD;
    if (!Number.isInteger(maxChars) || maxChars < 1) {
      throw new ActlabError(
        `maxInputCharsPerWord must be a positive integer, got ${maxChars}`,
        "leave it unset for BERT's 100",
      );
    }
    this.#wordpiece = new WordPiece(vocab, this.unkId, maxChars);
  }

  /** The text's WordPiece ids (no special tokens). */
  ids(text: string): number[] {
    const out: number[] = [];
    for (const word of basicTokenize(text, this.lowercase)) {
      for (const id of this.#wordpiece.ids(word)) out.push(id);
    }
    return out;
  }

  /** The text's WordPiece tokens (no special tokens). */
  tokenize(text: string): string[] {
    return this.ids(text).map((id) => this.vocab.tokens[id]);
  }

  /** `[CLS] A [SEP] (B [SEP])` ids and segment ids, longest-first truncated to `maxLength`. */
  encode(text: string, pair: string | undefined, maxLength: number): EncodedText {
    const specials = pair === undefined ? 2 : 3;
    if (!Number.isInteger(maxLength) || maxLength < specials) {
      throw new ActlabError(
        `maxLength must be an integer ≥ ${specials} (room for the special tokens), got ${maxLength}`,
        "pass the model's sequence length, e.g. 128",
      );
    }
    const a = this.ids(text);
    const b = pair === undefined ? undefined : this.ids(pair);
    truncateLongestFirst(a, b, maxLength - specials);
    const n = a.length + (b === undefined ? 0 : b.length) + specials;
    const ids = new Int32Array(n);
    const typeIds = new Int32Array(n);
    ids[0] = this.clsId;
    ids.set(a, 1);
    ids[a.length + 1] = this.sepId;
    if (b !== undefined) {
      const off = a.length + 2;
      ids.set(b, off);
      ids[n - 1] = this.sepId;
      typeIds.fill(1, off);
    }
    return { ids, typeIds };
  }
}

/** A BERT tokenizer from a `vocab.txt` file. */
export async function loadBertTokenizer(
  vocabPath: string,
  options: BertTokenizerOptions = {},
): Promise<BertTokenizer> {
  return new BertTokenizer(await readVocab(vocabPath), options);
}
