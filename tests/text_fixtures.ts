/**
 * Text fixtures for the text task and `bert` tests: a whitespace tokenizer
 * over a fixed word list (BERT's special tokens first, unknown words →
 * `[UNK]`, pairs truncated longest-first) and a generated keyword dataset
 * (label 1 iff the sentence contains the keyword `good`; balanced, seeded),
 * registered in the text registry as `keyword-test`.
 */
import { registerTextDataset, Rng, type TextExample, type Tokenizer } from "../mod.ts";

/** Filler words of the keyword dataset. */
export const FILLER = [
  "the",
  "a",
  "movie",
  "was",
  "plot",
  "actor",
  "scene",
  "long",
  "very",
  "it",
  "and",
  "of",
];

/** The word list of the test tokenizer: specials, fillers, the keyword, one spare word. */
export const TEST_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", ...FILLER, "good", "bad"];

/** A whitespace tokenizer over `vocab` with BERT's special tokens. */
export function testTokenizer(vocab: readonly string[] = TEST_VOCAB): Tokenizer {
  const index = new Map(vocab.map((w, i) => [w, i]));
  const id = (w: string) => index.get(w) ?? index.get("[UNK]")!;
  const tokenize = (text: string) => text.toLowerCase().split(/\s+/).filter((w) => w.length);
  return {
    vocabSize: vocab.length,
    clsId: id("[CLS]"),
    sepId: id("[SEP]"),
    padId: id("[PAD]"),
    unkId: id("[UNK]"),
    tokenize,
    encode(text, pair, maxLength) {
      const a = tokenize(text), b = pair === undefined ? null : tokenize(pair);
      const budget = maxLength - (b ? 3 : 2);
      while (a.length + (b?.length ?? 0) > budget) {
        if (b && b.length > a.length) b.pop();
        else a.pop();
      }
      const ids = [id("[CLS]"), ...a.map(id), id("[SEP]")];
      const typeIds = ids.map(() => 0);
      if (b) {
        for (const w of [...b.map(id), id("[SEP]")]) {
          ids.push(w);
          typeIds.push(1);
        }
      }
      return { ids: Int32Array.from(ids), typeIds: Int32Array.from(typeIds) };
    },
  };
}

/** `n` sentences of 3–9 words; half contain the keyword `good` at a random place (label 1). */
export function keywordExamples(n: number, seed: number): TextExample[] {
  const rng = Rng.fromSeed(seed);
  const u = rng.uniform(n * 12);
  let j = 0;
  return Array.from({ length: n }, (_, i) => {
    const label = i % 2;
    const len = 3 + Math.floor(u[j++] * 7);
    const words = Array.from({ length: len }, () => FILLER[Math.floor(u[j++] * FILLER.length)]);
    if (label === 1) words[Math.floor(u[j++] * len)] = "good";
    else j++;
    j += 9 - len;
    return { text: words.join(" "), label };
  });
}

registerTextDataset({
  name: "keyword-test",
  description: "generated: label 1 iff the sentence contains 'good' (tests only)",
  load: (o) =>
    Promise.resolve({
      name: "keyword-test",
      numClasses: 2,
      classNames: ["without", "with"],
      train: keywordExamples(512, 100 + (o.seed ?? 0)),
      test: keywordExamples(200, 7),
      source: "generated",
    }),
});
