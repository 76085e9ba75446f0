/**
 * Tokenizer + encodeSplit throughput on a generated text corpus of a few MB
 * (or on a text file and vocab.txt given on the command line), reported as
 * MB/s and tokens/s. Not a `deno bench` file: run it by hand,
 *
 *   deno run -A --no-lock bench/text_encode.ts [--mb 4] [--max-length 128] \
 *     [--text FILE --vocab vocab.txt] [--compare-hf]
 *
 * With `--text`, each non-empty line is one example (label 0).
 * `--compare-hf` also times Hugging Face's JS tokenizer
 * (`npm:@huggingface/tokenizers@0.2.0`, configured as BERT's: the candidate
 * library this tokenizer was measured against) on the same examples, in
 * alternating rounds, and counts the examples whose ids differ.
 * @module
 */
import {
  BertTokenizer,
  encodeSplit,
  generatedTextVocab,
  loadBertTokenizer,
  makeGeneratedText,
  parseVocab,
  type TextExample,
} from "../data/text/mod.ts";

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : fallback;
}

const mb = Number(arg("--mb", "4"));
const maxLength = Number(arg("--max-length", "128"));
const textFile = arg("--text", "");
let examples: TextExample[];
let tokenizer: BertTokenizer;
if (textFile) {
  examples = (await Deno.readTextFile(textFile)).split("\n").filter((l) => l.trim() !== "")
    .map((text) => ({ text, label: 0 }));
  tokenizer = await loadBertTokenizer(arg("--vocab", "vocab.txt"));
} else {
  // A generated sentence is ~110 bytes: enough sentences for `mb` MB.
  const n = Math.ceil((mb * 1e6) / 110);
  examples = [...makeGeneratedText({ trainSize: n, testSize: 1, seed: 1 }).train];
  tokenizer = new BertTokenizer(parseVocab(generatedTextVocab().join("\n")));
}
const bytes = examples.reduce((s, e) => s + new TextEncoder().encode(e.text).length, 0) / 1e6;
console.log(`${examples.length} examples, ${bytes.toFixed(2)} MB, vocab ${tokenizer.vocabSize}`);
interface HfTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
}
let hf: HfTokenizer | null = null;
if (Deno.args.includes("--compare-hf")) {
  // A non-literal specifier keeps `deno check` and deno.lock free of this bench-only package.
  const lib = await import(["npm:@huggingface", "tokenizers@0.2.0"].join("/")) as {
    Tokenizer: new (json: object, config: object) => HfTokenizer;
  };
  const vocab: Record<string, number> = {};
  tokenizer.vocab.tokens.forEach((t, i) => (vocab[t] = i));
  hf = new lib.Tokenizer({
    normalizer: {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: tokenizer.lowercase,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab,
    },
    post_processor: null,
    decoder: null,
    added_tokens: [],
  }, {});
  let differ = 0;
  for (const e of examples) {
    if (
      tokenizer.ids(e.text).join() !== hf.encode(e.text, { add_special_tokens: false }).ids.join()
    ) {
      differ++;
    }
  }
  console.log(`Hugging Face JS tokenizer: ${differ} of ${examples.length} examples differ`);
}
for (let rep = 0; rep < 3; rep++) {
  if (hf !== null) {
    const t0 = performance.now();
    let tokens = 0;
    for (const e of examples) tokens += hf.encode(e.text, { add_special_tokens: false }).ids.length;
    const s = (performance.now() - t0) / 1000;
    console.log(
      `rep ${rep}: HF tokenize ${(bytes / s).toFixed(1)} MB/s, ${
        (tokens / s / 1e6).toFixed(2)
      } M tokens/s`,
    );
  }
  const t0 = performance.now();
  let tokens = 0;
  for (const e of examples) tokens += tokenizer.ids(e.text).length;
  const t1 = performance.now();
  const enc = encodeSplit(examples, tokenizer, { maxLength });
  const t2 = performance.now();
  let real = 0;
  for (const l of enc.lengths) real += l;
  const s1 = (t1 - t0) / 1000, s2 = (t2 - t1) / 1000;
  console.log(
    `rep ${rep}: tokenize ${(bytes / s1).toFixed(1)} MB/s, ${
      (tokens / s1 / 1e6).toFixed(2)
    } M tokens/s | ` +
      `encodeSplit(T=${maxLength}) ${s2.toFixed(2)} s, ${
        (real / s2 / 1e6).toFixed(2)
      } M tokens/s, ${enc.truncated} truncated`,
  );
}
