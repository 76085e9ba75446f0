/**
 * A text split encoded for a BERT-style model: every example through the
 * tokenizer (`[CLS] A [SEP] (B [SEP])`, longest-first truncation), padded
 * with `[PAD]` into row-major `[N, T]` arrays — token ids, segment ids and
 * the attention mask (1 = real token, 0 = padding) — plus the labels.
 *
 * `T` is `maxLength` by default (static shapes: one compiled step graph per
 * run, as DESIGN's static-shape backends want); `pad: "longest"` uses the
 * longest encoded row instead (≤ maxLength), for evaluation-only passes or
 * a caller that buckets.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { EncodedText, TextExample, Tokenizer } from "./types.ts";

/** How to encode a split. */
export interface EncodeSplitOptions {
  /** Maximum sequence length including special tokens (e.g. 128). */
  readonly maxLength: number;
  /** Pad every row to `maxLength` (default, static shapes) or to the longest row. */
  readonly pad?: "max" | "longest";
}

/** An encoded split: `[N, T]` row-major arrays and `[N]` labels. */
export interface EncodedSplit {
  /** Number of examples N. */
  readonly count: number;
  /** Row length T. */
  readonly seqLength: number;
  /** Token ids `[N, T]`, `[PAD]` after each row's end. */
  readonly ids: Int32Array;
  /** Segment ids `[N, T]` (0 for `[CLS] A [SEP]`, 1 for `B [SEP]`, 0 on padding). */
  readonly typeIds: Int32Array;
  /** Attention mask `[N, T]`: 1 on tokens, 0 on padding. */
  readonly mask: Float32Array;
  /** Real (unpadded) length of each row `[N]`. */
  readonly lengths: Int32Array;
  /** Class of each row `[N]`. */
  readonly labels: Int32Array;
  /** How many rows were truncated to fit `maxLength`. */
  readonly truncated: number;
}

/**
 * The row `encode(…, maxLength)` gives, from the row of `encode(…, maxLength + 1)`:
 * longest-first truncation removes one token at a time (the last of the longer
 * segment, of B on ties), so one more removal is one more step.
 */
export function dropOneLongestFirst(row: EncodedText): EncodedText {
  const n = row.ids.length;
  let nb = 0;
  for (let k = 0; k < n; k++) nb += row.typeIds[k];
  if (nb === 0) {
    // [CLS] A [SEP]: drop A's last token.
    const ids = new Int32Array(n - 1);
    ids.set(row.ids.subarray(0, n - 2));
    ids[n - 2] = row.ids[n - 1];
    return { ids, typeIds: new Int32Array(n - 1) };
  }
  const la = n - nb - 2; // A's tokens: n = 1 + la + 1 + (lb + 1), nb = lb + 1
  const lb = nb - 1;
  const drop = la > lb ? la : la + 1 + lb; // index of the token to remove
  const ids = new Int32Array(n - 1);
  const typeIds = new Int32Array(n - 1);
  ids.set(row.ids.subarray(0, drop));
  ids.set(row.ids.subarray(drop + 1), drop);
  typeIds.set(row.typeIds.subarray(0, drop));
  typeIds.set(row.typeIds.subarray(drop + 1), drop);
  return { ids, typeIds };
}

/** Encode `examples` with `tokenizer` into padded `[N, T]` arrays (see the module doc). */
export function encodeSplit(
  examples: readonly TextExample[],
  tokenizer: Tokenizer,
  options: EncodeSplitOptions,
): EncodedSplit {
  const { maxLength } = options;
  const pad = options.pad ?? "max";
  if (!Number.isInteger(maxLength) || maxLength < 3) {
    throw new ActlabError(
      `encode: maxLength must be an integer ≥ 3, got ${maxLength}`,
      "pass the model's sequence length, e.g. 128",
    );
  }
  if (pad !== "max" && pad !== "longest") {
    throw new ActlabError(`encode: pad must be "max" or "longest", got ${JSON.stringify(pad)}`);
  }
  const n = examples.length;
  const lengths = new Int32Array(n);
  const labels = new Int32Array(n);
  let truncated = 0;
  const encodeRow = (i: number): EncodedText => {
    const ex = examples[i];
    labels[i] = ex.label;
    // One extra slot shows whether the row had to be cut; cutting it is then one more
    // longest-first step, without tokenizing again.
    const row = tokenizer.encode(ex.text, ex.pair, maxLength + 1);
    if (row.ids.length <= maxLength) return row;
    truncated++;
    return dropOneLongestFirst(row);
  };
  // pad "max" writes each row straight into the output (no rows kept alive);
  // "longest" needs every row's length first.
  const rows = pad === "max" ? null : Array.from({ length: n }, (_, i) => encodeRow(i));
  const t = rows === null ? maxLength : rows.reduce((m, r) => Math.max(m, r.ids.length), 0);
  const ids = new Int32Array(n * t);
  const typeIds = new Int32Array(n * t);
  const mask = new Float32Array(n * t);
  if (tokenizer.padId !== 0) ids.fill(tokenizer.padId);
  for (let i = 0; i < n; i++) {
    const row = rows === null ? encodeRow(i) : rows[i];
    const off = i * t;
    lengths[i] = row.ids.length;
    ids.set(row.ids, off);
    typeIds.set(row.typeIds, off);
    mask.fill(1, off, off + lengths[i]);
  }
  return { count: n, seqLength: t, ids, typeIds, mask, lengths, labels, truncated };
}
