/**
 * A seeded text classification dataset for offline runs and tests: the
 * label of a sentence is which of K keyword sets it draws its keywords from.
 * A sentence of class k has 8–24 words: each is one of class k's 12 keywords
 * with probability 0.25, another class's keyword with probability 0.05 (so
 * one word never decides), else one of 48 shared filler words; then words
 * are replaced by class-k keywords, from the start, until there are at least
 * two and more than of any other class. The first word is capitalised and a period ends it,
 * so the tokenizer's lower-casing and punctuation split are exercised.
 *
 * Keywords are fixed pseudo-words (syllable pairs), so `generatedTextVocab`
 * lists every word the sentences use and nothing becomes `[UNK]`. Example i
 * of a split depends only on (seed, split, i).
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { hashName, Rng } from "../../core/rng.ts";
import type { TextDataset, TextDatasetLoader, TextExample, TextLoadOptions } from "./types.ts";
import { SPECIAL_TOKENS, writeVocab } from "./vocab.ts";

/** Size and seed of a generated text dataset. */
export interface GeneratedTextOptions {
  /** Classes K, 2–16 (default 4). */
  readonly numClasses?: number;
  /** Train sentences (default 2048). */
  readonly trainSize?: number;
  /** Test sentences (default 512). */
  readonly testSize?: number;
  /** Seed (default 0). */
  readonly seed?: number;
}

/** The defaults of `GeneratedTextOptions`. */
export const GENERATED_TEXT_DEFAULTS: Readonly<Required<GeneratedTextOptions>> = {
  numClasses: 4,
  trainSize: 2048,
  testSize: 512,
  seed: 0,
};

const MAX_CLASSES = 16;
const KEYWORDS_PER_CLASS = 12;
const FILLER = (
  "the a of and to in is it that was for on with as at by this from be have or an " +
  "one all were they we when there can more some would what about which out up into " +
  "time only new also after first two over like"
).split(" ");
const ONSETS = "b d f g k l m n p r s t v z h j".split(" ");
const RIMES = "ra lo mi ne ku sa te vo di fa go pe".split(" ");

/** The K keyword sets: class k's words are `ONSET[k] + rime + ONSET[k] + rime'`-style pseudo-words. */
export function generatedKeywords(numClasses: number): string[][] {
  checkClasses(numClasses);
  const out: string[][] = [];
  for (let k = 0; k < numClasses; k++) {
    const words: string[] = [];
    for (let j = 0; j < KEYWORDS_PER_CLASS; j++) {
      words.push(
        `${ONSETS[k]}${RIMES[j]}${ONSETS[(k + j + 1) % ONSETS.length]}${
          RIMES[(j * 5 + k) % RIMES.length]
        }`,
      );
    }
    out.push(words);
  }
  return out;
}

/** Every token of the generated sentences with BERT's special tokens first (a vocab.txt's lines). */
export function generatedTextVocab(numClasses = GENERATED_TEXT_DEFAULTS.numClasses): string[] {
  return [...SPECIAL_TOKENS, ".", ",", ...FILLER, ...generatedKeywords(numClasses).flat()];
}

/** Write `generatedTextVocab(numClasses)` as a `vocab.txt` file. */
export async function writeGeneratedVocab(
  path: string,
  numClasses = GENERATED_TEXT_DEFAULTS.numClasses,
): Promise<void> {
  await writeVocab(path, generatedTextVocab(numClasses));
}

function checkClasses(k: number): void {
  if (!Number.isInteger(k) || k < 2 || k > MAX_CLASSES) {
    throw new ActlabError(
      `generated text: numClasses must be an integer in [2, ${MAX_CLASSES}], got ${k}`,
    );
  }
}

function checkSize(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new ActlabError(`generated text: ${name} must be a positive integer, got ${n}`);
  }
}

function sentence(key: Rng, keywords: readonly string[][]): TextExample {
  const u = key.bits(64);
  let c = 0;
  const next = () => u[c++] / 4294967296; // uniform [0, 1)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
  const K = keywords.length;
  const label = Math.floor(next() * K);
  const len = 8 + Math.floor(next() * 17);
  const words: string[] = [];
  let own = 0;
  for (let i = 0; i < len; i++) {
    const r = next();
    if (r < 0.25) {
      words.push(pick(keywords[label]));
      own++;
    } else if (r < 0.30) {
      words.push(pick(keywords[(label + 1 + Math.floor(next() * (K - 1))) % K]));
    } else {
      words.push(pick(FILLER));
    }
  }
  // At least two own keywords, and more than of any other class: the label is never ambiguous.
  const count = (k: number) => words.reduce((n, w) => n + (keywords[k].includes(w) ? 1 : 0), 0);
  const otherMax = () => Math.max(...keywords.map((_, k) => (k === label ? 0 : count(k))));
  for (let i = 0; i < len && (own < 2 || own <= otherMax()); i++) {
    if (keywords[label].includes(words[i])) continue;
    words[i] = pick(keywords[label]);
    own++;
  }
  words[0] = words[0][0].toUpperCase() + words[0].slice(1);
  return { text: words.join(" ") + " .", label };
}

/** A generated text dataset (see the module doc). */
export function makeGeneratedText(options: GeneratedTextOptions = {}): TextDataset {
  const o = { ...GENERATED_TEXT_DEFAULTS, ...options };
  checkClasses(o.numClasses);
  checkSize("trainSize", o.trainSize);
  checkSize("testSize", o.testSize);
  const keywords = generatedKeywords(o.numClasses);
  const root = Rng.fromSeed(o.seed).fold(hashName("generated-text"));
  const split = (name: string, n: number) => {
    const key = root.fold(hashName(name));
    return Array.from({ length: n }, (_, i) => sentence(key.fold(i), keywords));
  };
  return {
    name: "generated",
    numClasses: o.numClasses,
    classNames: Array.from({ length: o.numClasses }, (_, k) => `topic${k}`),
    train: split("train", o.trainSize),
    test: split("test", o.testSize),
    source: "generated",
  };
}

/** The `generated` loader (default sizes, the run's seed). */
export const generatedTextLoader: TextDatasetLoader = {
  name: "generated",
  description:
    "generated keyword-topic sentences (4 classes, 2048 train / 512 test, seeded; vocab.txt from writeGeneratedVocab): offline runs and tests",
  load: (options: TextLoadOptions) =>
    Promise.resolve(makeGeneratedText({ seed: options.seed ?? 0 })),
};
