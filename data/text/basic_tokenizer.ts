/**
 * BERT's BasicTokenizer: the text → words step before WordPiece, as
 * google-research/bert `tokenization.py` (`BasicTokenizer`) defines it:
 *
 * 1. clean: drop NUL, U+FFFD and control characters (Unicode category C*,
 *    except tab, newline and carriage return); every whitespace character
 *    (tab, newline, CR, category Zs) becomes a space;
 * 2. put spaces around CJK ideographs (the CJK Unified Ideographs blocks
 *    BERT lists), so each is its own word;
 * 3. uncased only: lower-case, then strip accents (NFD, drop category Mn);
 * 4. split on whitespace, then split every punctuation character off as its
 *    own word. Punctuation is BERT's definition: the ASCII non-alphanumeric
 *    ranges 33–47, 58–64, 91–96, 123–126 (so `$`, `^`, `` ` `` count) plus
 *    every Unicode P* category.
 *
 * Steps run on the whole string with Unicode regexes rather than a loop per
 * character (the transformations are per character, so the result is the
 * same as BERT's per-word loop), with an ASCII fast path for step 3.
 * Not done (as in Google's original, unlike newer Hugging Face Python
 * versions): an NFC pass before step 1.
 * @module
 */

/** Control characters BERT drops: category C* except \t \n \r, plus U+FFFD (NUL is Cc). */
const DROP = /[\p{C}\uFFFD]/gu;
const KEEP_CONTROL = /[\t\n\r]/;
/** Whitespace BERT maps to a space. */
const SPACE = /[\t\n\r\p{Zs}]/gu;
/** CJK ideograph ranges, exactly BERT's `_is_chinese_char`. */
const CJK =
  /[\u4E00-\u9FFF\u3400-\u4DBF\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B820}-\u{2CEAF}\uF900-\uFAFF\u{2F800}-\u{2FA1F}]/gu;
const MARKS = /\p{Mn}/gu;
const PUNCT = String.raw`\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E\p{P}`;
/** One word: a single punctuation character, or a run of non-space, non-punctuation characters. */
const WORD = new RegExp(String.raw`[${PUNCT}]|[^\s${PUNCT}]+`, "gu");
/** WORD for ASCII-only text (every ASCII P* character lies in BERT's ASCII ranges); a non-Unicode regex is faster. */
const ASCII_PUNCT = String.raw`\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E`;
const ASCII_WORD = new RegExp(String.raw`[${ASCII_PUNCT}]|[^\s${ASCII_PUNCT}]+`, "g");
const ASCII_CLEAN = /^[\x20-\x7E]*$/;
// deno-lint-ignore no-control-regex -- the range is "any ASCII", control characters included on purpose
const HAS_NON_ASCII = /[^\x00-\x7F]/;

/** Step 1: drop control characters and U+FFFD, map whitespace to spaces. */
export function cleanText(text: string): string {
  if (ASCII_CLEAN.test(text)) return text;
  const kept = text.replace(DROP, (c) => (KEEP_CONTROL.test(c) ? c : ""));
  return kept.replace(SPACE, " ");
}

/** Step 3: lower-case and strip accents (NFD, drop non-spacing marks). */
export function lowerStripAccents(text: string): string {
  const lower = text.toLowerCase();
  if (!HAS_NON_ASCII.test(lower)) return lower;
  return lower.normalize("NFD").replace(MARKS, "");
}

/** BERT's basic tokenization of `text` into words (steps 1–4 above). */
export function basicTokenize(text: string, lowercase: boolean): string[] {
  let s = cleanText(text);
  if (!HAS_NON_ASCII.test(s)) return (lowercase ? s.toLowerCase() : s).match(ASCII_WORD) ?? [];
  s = s.replace(CJK, " $& ");
  if (lowercase) s = lowerStripAccents(s);
  return s.match(WORD) ?? [];
}
