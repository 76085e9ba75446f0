/**
 * WordPiece vocabularies in BERT's `vocab.txt` layout: one token per line,
 * the token's id is its line index (0-based), as google-research/bert
 * `tokenization.py` `load_vocab` reads it (each line stripped of its line
 * ending and surrounding whitespace). Also the writer the generated text
 * dataset and the tests use.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";

/** BERT's special tokens, in the order bert-base-uncased's vocab.txt has them after [PAD]. */
export const SPECIAL_TOKENS: readonly string[] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/** A vocabulary: tokens in id order and the reverse map. */
export interface Vocab {
  /** Tokens in id order. */
  readonly tokens: readonly string[];
  /** Token → id. */
  readonly ids: ReadonlyMap<string, number>;
  /** Where it came from (a path, or `inline`), for error messages. */
  readonly source: string;
}

/** Parse `vocab.txt` text; duplicate tokens keep their first id and are reported. */
export function parseVocab(text: string, source = "inline"): Vocab {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const tokens: string[] = [];
  const ids = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const token = lines[i].trim();
    if (token === "") {
      throw new ActlabError(
        `${source}:${
          i + 1
        }: empty line in a vocabulary (ids are line indices, so a blank line would shift every later id)`,
        "give one token per line with no blank lines (BERT's vocab.txt layout)",
      );
    }
    if (ids.has(token)) {
      throw new ActlabError(
        `${source}:${i + 1}: token "${token}" repeats line ${ids.get(token)! + 1}`,
        "each token must appear once in vocab.txt",
      );
    }
    ids.set(token, i);
    tokens.push(token);
  }
  if (tokens.length === 0) {
    throw new ActlabError(`${source}: the vocabulary is empty`, "give a BERT vocab.txt");
  }
  return { tokens, ids, source };
}

/** Read a `vocab.txt` file. */
export async function readVocab(path: string): Promise<Vocab> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new ActlabError(
      `cannot read vocabulary ${path} (${(e as Error).message})`,
      "pass the vocab.txt of a BERT checkpoint (e.g. bert-base-uncased's), or write one with writeVocab",
    );
  }
  return parseVocab(text, path);
}

/** The `vocab.txt` text for `tokens` (ids = positions). */
export function formatVocab(tokens: readonly string[]): string {
  return tokens.join("\n") + "\n";
}

/** Write `tokens` as a `vocab.txt` file. */
export async function writeVocab(path: string, tokens: readonly string[]): Promise<void> {
  parseVocab(formatVocab(tokens), path); // same checks as reading it back
  await Deno.writeTextFile(path, formatVocab(tokens));
}
