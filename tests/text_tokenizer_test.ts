/**
 * BERT WordPiece tokenizer (data/text/): the golden tokenisations written by
 * tests/fixtures/text/make_tokenizer_golden.ts with Hugging Face's tokenizer
 * (accents, punctuation, unknown and long words, CJK, control characters,
 * cased and uncased), google-research/bert tokenization_test.py's cases, and
 * hand-derived [CLS]/[SEP], segment ids and longest-first truncation.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import { basicTokenize } from "../data/text/basic_tokenizer.ts";
import {
  BertTokenizer,
  loadBertTokenizer,
  truncateLongestFirst,
  vocabIsUncased,
} from "../data/text/bert_tokenizer.ts";
import { parseVocab, writeVocab } from "../data/text/vocab.ts";

const FIXTURES = new URL("./fixtures/text/", import.meta.url).pathname;

interface GoldenCase {
  text: string;
  lowercase: boolean;
  tokens: string[];
  ids: number[];
}

Deno.test("tokenizer: every golden case of the Hugging Face reference, cased and uncased", async () => {
  const golden = JSON.parse(await Deno.readTextFile(`${FIXTURES}tokenizer_golden.json`)) as {
    cases: GoldenCase[];
  };
  assert.ok(golden.cases.length >= 40);
  const uncased = await loadBertTokenizer(`${FIXTURES}golden_vocab.txt`, { lowercase: true });
  const cased = await loadBertTokenizer(`${FIXTURES}golden_vocab.txt`, { lowercase: false });
  for (const c of golden.cases) {
    const tok = c.lowercase ? uncased : cased;
    const label = `${JSON.stringify(c.text)} (lowercase=${c.lowercase})`;
    assert.deepEqual(tok.tokenize(c.text), c.tokens, label);
    assert.deepEqual(tok.ids(c.text), c.ids, label);
  }
});

Deno.test("tokenizer: the golden set exercises accents, CJK, long words and [UNK]", async () => {
  const tok = await loadBertTokenizer(`${FIXTURES}golden_vocab.txt`, { lowercase: true });
  assert.deepEqual(tok.tokenize("naïve résumé"), ["naive", "resume"]);
  assert.deepEqual(tok.tokenize("ah\u535A\u63A8zz"), ["ah", "\u535A", "[UNK]", "z", "##z"]);
  const hundred = tok.tokenize("a".repeat(100));
  // 100 chars is still split into pieces ("aa", "##aa", …), 101 is one [UNK].
  assert.ok(hundred.length > 1 && !hundred.includes("[UNK]"), hundred.join(" "));
  assert.equal(hundred.map((t) => t.replace("##", "")).join(""), "a".repeat(100));
  assert.deepEqual(tok.tokenize("b".repeat(101) + " after"), ["[UNK]", "after"]);
  assert.deepEqual(tok.tokenize("i like strawberries"), ["i", "like", "straw", "##berries"]);
});

// google-research/bert tokenization_test.py
const BERT_TEST_VOCAB = [
  "[UNK]",
  "[CLS]",
  "[SEP]",
  "want",
  "##want",
  "##ed",
  "wa",
  "un",
  "runn",
  "##ing",
  ",",
];

function bertTestTokenizer(): BertTokenizer {
  return new BertTokenizer(parseVocab([...BERT_TEST_VOCAB, "[PAD]"].join("\n")), {
    lowercase: true,
  });
}

Deno.test("tokenizer: BERT's test_full_tokenizer", () => {
  const tok = bertTestTokenizer();
  assert.deepEqual(tok.tokenize("UNwant\u00E9d,running"), [
    "un",
    "##want",
    "##ed",
    ",",
    "runn",
    "##ing",
  ]);
  assert.deepEqual(tok.ids("UNwant\u00E9d,running"), [7, 4, 5, 10, 8, 9]);
});

Deno.test("tokenizer: BERT's test_wordpiece_tokenizer (whole word [UNK])", () => {
  const tok = bertTestTokenizer();
  assert.deepEqual(tok.tokenize(""), []);
  assert.deepEqual(tok.tokenize("unwanted running"), ["un", "##want", "##ed", "runn", "##ing"]);
  assert.deepEqual(tok.tokenize("unwantedX running"), ["[UNK]", "runn", "##ing"]);
});

Deno.test("basic tokenizer: BERT's chinese, lower and no-lower cases", () => {
  assert.deepEqual(basicTokenize("ah\u535A\u63A8zz", true), ["ah", "\u535A", "\u63A8", "zz"]);
  const s = " \tHeLLo!how  \n Are yoU?  ";
  assert.deepEqual(basicTokenize(s, true), ["hello", "!", "how", "are", "you", "?"]);
  assert.deepEqual(basicTokenize("H\u00E9llo", true), ["hello"]);
  assert.deepEqual(basicTokenize(s, false), ["HeLLo", "!", "how", "Are", "yoU", "?"]);
});

Deno.test("basic tokenizer: BERT's punctuation includes ASCII symbols; controls vanish, whitespace splits", () => {
  assert.deepEqual(basicTokenize("a-b$c`d.e^f", false), [
    "a",
    "-",
    "b",
    "$",
    "c",
    "`",
    "d",
    ".",
    "e",
    "^",
    "f",
  ]);
  // \u0005 (Cc), \u200B (Cf), U+FFFD and NUL are dropped without splitting; NBSP and U+3000 split.
  assert.deepEqual(basicTokenize("x\u0005y\u200Bz\uFFFDw\u0000v", false), ["xyzwv"]);
  assert.deepEqual(basicTokenize("p\u00A0q\u3000r\ts", false), ["p", "q", "r", "s"]);
  // Cased mode keeps accents (no NFD).
  assert.deepEqual(basicTokenize("Café", false), ["Café"]);
});

Deno.test("encode: [CLS] A [SEP] (B [SEP]) with segment ids", () => {
  const tok = bertTestTokenizer(); // [CLS]=1, [SEP]=2
  const one = tok.encode("unwanted", undefined, 16);
  assert.deepEqual([...one.ids], [1, 7, 4, 5, 2]);
  assert.deepEqual([...one.typeIds], [0, 0, 0, 0, 0]);
  const two = tok.encode("unwanted", "running", 16);
  assert.deepEqual([...two.ids], [1, 7, 4, 5, 2, 8, 9, 2]);
  assert.deepEqual([...two.typeIds], [0, 0, 0, 0, 0, 1, 1, 1]);
});

Deno.test("encode: longest-first truncation as transformers' truncation=True", () => {
  const tok = bertTestTokenizer();
  // A = un ##want ##ed , runn ##ing (6), B = runn ##ing (2); maxLength 7 leaves 4 for tokens:
  // remove from the longer A until 2 + 2 = 4.
  const e = tok.encode("unwanted,running", "running", 7);
  assert.deepEqual([...e.ids], [1, 7, 4, 2, 8, 9, 2]);
  assert.deepEqual([...e.typeIds], [0, 0, 0, 0, 1, 1, 1]);
  // Single text: keep the first maxLength − 2 tokens.
  assert.deepEqual([...tok.encode("unwanted,running", undefined, 5).ids], [1, 7, 4, 5, 2]);
  // Ties drop from B: 3 + 3 into 5 leaves A 3, B 2.
  const a = [1, 2, 3], b = [4, 5, 6];
  truncateLongestFirst(a, b, 5);
  assert.deepEqual([a, b], [[1, 2, 3], [4, 5]]);
  const c = [1, 2, 3, 4, 5, 6, 7], d = [8, 9];
  truncateLongestFirst(c, d, 5); // short B is kept whole
  assert.deepEqual([c, d], [[1, 2, 3], [8, 9]]);
  const f = [1, 2, 3, 4], g = [5, 6, 7, 8, 9, 10];
  truncateLongestFirst(f, g, 4);
  assert.deepEqual([f, g], [[1, 2], [5, 6]]);
});

Deno.test("encode: maxLength with no room for the special tokens is an ActlabError", () => {
  const tok = bertTestTokenizer();
  assert.throws(
    () => tok.encode("a", "b", 2),
    (e) => e instanceof ActlabError && /≥ 3/.test(e.message),
  );
  assert.throws(() => tok.encode("a", undefined, 1), ActlabError);
  assert.equal(tok.encode("unwanted", "running", 3).ids.length, 3); // [CLS] [SEP] [SEP]
});

Deno.test("vocab: case inferred from the vocabulary, overridable", () => {
  const base = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
  assert.equal(vocabIsUncased(parseVocab([...base, "hello", "ℝ", "##ing"].join("\n"))), true);
  assert.equal(vocabIsUncased(parseVocab([...base, "hello", "Hello"].join("\n"))), false);
  const cased = new BertTokenizer(parseVocab([...base, "Hello", "hello"].join("\n")));
  assert.equal(cased.lowercase, false);
  assert.deepEqual(cased.tokenize("Hello hello"), ["Hello", "hello"]);
  const forced = new BertTokenizer(parseVocab([...base, "Hello", "hello"].join("\n")), {
    lowercase: true,
  });
  assert.deepEqual(forced.tokenize("Hello"), ["hello"]);
});

Deno.test("vocab: missing special tokens, blank lines and duplicates are ActlabErrors", async () => {
  assert.throws(
    () => new BertTokenizer(parseVocab("[PAD]\n[UNK]\n[CLS]\nhello\n", "v.txt")),
    (e) => e instanceof ActlabError && /v\.txt has no \[SEP\]/.test(e.message),
  );
  assert.throws(() => parseVocab("a\n\nb\n", "v.txt"), /v\.txt:2: empty line/);
  assert.throws(() => parseVocab("a\nb\na\n", "v.txt"), /v\.txt:3: token "a" repeats line 1/);
  await assert.rejects(loadBertTokenizer("/nonexistent/vocab.txt"), /cannot read vocabulary/);
  const dir = await Deno.makeTempDir();
  try {
    await writeVocab(`${dir}/vocab.txt`, [...BERT_TEST_VOCAB, "[PAD]"]);
    const tok = await loadBertTokenizer(`${dir}/vocab.txt`);
    assert.equal(tok.vocabSize, BERT_TEST_VOCAB.length + 1);
    assert.equal(tok.padId, BERT_TEST_VOCAB.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
