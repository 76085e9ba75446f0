/**
 * Delimited text files as the text datasets ship them: RFC 4180 CSV (AG
 * News: every field quoted, `""` inside a quoted field is one `"`, quoted
 * fields may span lines, CRLF or LF line ends) and plain TSV (GLUE: one
 * record per line, no quoting — GLUE's files contain bare `"`, which a
 * quoting reader would mangle). Records carry the 1-based line they start on
 * so loaders can name it in errors.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";

/** One record: its fields and the line it starts on. */
export interface DelimitedRecord {
  /** Field values, unquoted. */
  readonly fields: string[];
  /** 1-based line number of the record's first character. */
  readonly line: number;
}

/** Parse RFC 4180 CSV text; a malformed quote is an ActlabError naming `source` and the line. */
export function parseCsv(text: string, source: string): DelimitedRecord[] {
  const out: DelimitedRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let atFieldStart = true;
  const n = text.length;
  const endRecord = () => {
    fields.push(field);
    // A blank line (one empty unquoted field) is not a record.
    if (!(fields.length === 1 && fields[0] === "")) out.push({ fields, line: recordLine });
    fields = [];
    field = "";
    atFieldStart = true;
  };
  while (i < n) {
    const c = text[i];
    if (atFieldStart && c === '"') {
      // Quoted field: up to the closing quote not followed by another quote.
      const openLine = line;
      i++;
      let chunkStart = i;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          throw new ActlabError(
            `${source}:${openLine}: a quoted field is never closed`,
            'close every quoted field; a quote inside one is written "" (RFC 4180)',
          );
        }
        for (let k = i; k < q; k++) if (text.charCodeAt(k) === 10) line++;
        if (text[q + 1] === '"') {
          field += text.slice(chunkStart, q + 1);
          i = q + 2;
          chunkStart = i;
          continue;
        }
        field += text.slice(chunkStart, q);
        i = q + 1;
        break;
      }
      const next = text[i];
      if (i < n && next !== "," && next !== "\n" && next !== "\r") {
        throw new ActlabError(
          `${source}:${line}: unexpected ${JSON.stringify(next)} after a closing quote`,
          'a quoted field ends at a comma or a line end; a quote inside one is written ""',
        );
      }
      atFieldStart = false;
      continue;
    }
    if (c === ",") {
      fields.push(field);
      field = "";
      atFieldStart = true;
      i++;
    } else if (c === "\n" || c === "\r") {
      endRecord();
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      if (c === '"') {
        throw new ActlabError(
          `${source}:${line}: a quote inside an unquoted field`,
          'quote the whole field and write the quote as "" (RFC 4180)',
        );
      }
      // Copy the run of plain characters at once.
      let j = i + 1;
      while (j < n) {
        const d = text[j];
        if (d === "," || d === "\n" || d === "\r" || d === '"') break;
        j++;
      }
      field += text.slice(i, j);
      atFieldStart = false;
      i = j;
    }
  }
  if (!atFieldStart || fields.length > 0 || field !== "") endRecord();
  return out;
}

/** Split TSV text into records (no quoting); blank lines are skipped. */
export function parseTsv(text: string): DelimitedRecord[] {
  const lines = text.split("\n");
  const out: DelimitedRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i];
    if (l.endsWith("\r")) l = l.slice(0, -1);
    if (l === "") continue;
    out.push({ fields: l.split("\t"), line: i + 1 });
  }
  return out;
}
