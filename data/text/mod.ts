/**
 * Text data: BERT's WordPiece tokenizer over a `vocab.txt`, the text
 * datasets (SST-2, AG News, the TextGCN corpora, a generated one) in the
 * text registry, and the encoder that turns a split into padded `[N, T]`
 * id / segment / mask arrays for a BERT-style model.
 *
 * @example Tokenize and encode the generated dataset
 * ```ts
 * import { BertTokenizer, encodeSplit, generatedTextVocab, makeGeneratedText, parseVocab } from "./mod.ts";
 *
 * const data = makeGeneratedText({ trainSize: 8, testSize: 4 });
 * const tok = new BertTokenizer(parseVocab(generatedTextVocab().join("\n")));
 * const batch = encodeSplit(data.train, tok, { maxLength: 32 });
 * console.log(batch.count, batch.seqLength); // 8 32
 * ```
 * @module
 */
import "./datasets.ts";

export {
  type EncodedText,
  getTextDataset,
  listTextDatasets,
  registerTextDataset,
  type TextDataset,
  type TextDatasetLoader,
  type TextExample,
  type TextLoadOptions,
  type Tokenizer,
} from "./types.ts";
export { basicTokenize } from "./basic_tokenizer.ts";
export {
  BertTokenizer,
  type BertTokenizerOptions,
  loadBertTokenizer,
  truncateLongestFirst,
  vocabIsUncased,
} from "./bert_tokenizer.ts";
export {
  formatVocab,
  parseVocab,
  readVocab,
  SPECIAL_TOKENS,
  type Vocab,
  writeVocab,
} from "./vocab.ts";
export { MAX_INPUT_CHARS_PER_WORD, WordPiece } from "./wordpiece.ts";
export { type EncodedSplit, encodeSplit, type EncodeSplitOptions } from "./encode.ts";
export { type DelimitedRecord, parseCsv, parseTsv } from "./csv.ts";
export { loadSst2, parseSst2, sst2Loader } from "./sst2.ts";
export { AG_NEWS_CLASSES, agNewsLoader, loadAgNews, parseAgNews } from "./ag_news.ts";
export {
  loadTextGcnCorpus,
  parseTextGcnCorpus,
  TEXTGCN_CORPORA,
  textGcnDataset,
  type TextGcnDocument,
  textGcnLoaders,
} from "./textgcn_corpus.ts";
export {
  GENERATED_TEXT_DEFAULTS,
  generatedKeywords,
  generatedTextLoader,
  type GeneratedTextOptions,
  generatedTextVocab,
  makeGeneratedText,
  writeGeneratedVocab,
} from "./generated.ts";
