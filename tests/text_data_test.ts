/**
 * Text datasets (data/text/): the CSV/TSV readers, SST-2, AG News and the
 * TextGCN corpora from generated files (layout, label mapping, every
 * malformed-input error naming file and line), the generated dataset, the
 * registry, and encodeSplit's padded arrays.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import {
  BertTokenizer,
  encodeSplit,
  generatedKeywords,
  generatedTextVocab,
  getTextDataset,
  listTextDatasets,
  makeGeneratedText,
  parseCsv,
  parseTsv,
  parseVocab,
  type TextExample,
  writeGeneratedVocab,
} from "../data/text/mod.ts";
import { loadBertTokenizer } from "../data/text/bert_tokenizer.ts";
import { dropOneLongestFirst } from "../data/text/encode.ts";

async function withDir(files: Record<string, string>, f: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "actlab_text_" });
  try {
    for (const [name, text] of Object.entries(files)) {
      const path = `${dir}/${name}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, text);
    }
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function rejectsWith(p: Promise<unknown>, re: RegExp): Promise<void> {
  return assert.rejects(p, (e) => e instanceof ActlabError && re.test(e.message));
}

// ---------- CSV ----------

Deno.test('csv: quoted fields, "" escapes, embedded newlines, CRLF and record start lines', () => {
  const text = '"3","Wall St. ""Bears""","line one\r\nline two"\r\n"1","a,b",plain\n\n"2","",""\n';
  const rows = parseCsv(text, "x.csv");
  assert.deepEqual(rows.map((r) => r.fields), [
    ["3", 'Wall St. "Bears"', "line one\r\nline two"],
    ["1", "a,b", "plain"],
    ["2", "", ""],
  ]);
  assert.deepEqual(rows.map((r) => r.line), [1, 3, 5]);
  assert.deepEqual(parseCsv('"a","b"', "x.csv").map((r) => r.fields), [["a", "b"]]); // no final newline
});

Deno.test("tsv: one record per line, no quoting, CRLF and blank lines", () => {
  const rows = parseTsv('sentence\tlabel\r\nsays "hi\t1\r\n\r\nok\t0');
  assert.deepEqual(rows.map((r) => r.fields), [["sentence", "label"], ['says "hi', "1"], [
    "ok",
    "0",
  ]]);
  assert.deepEqual(rows.map((r) => r.line), [1, 2, 4]);
});

Deno.test("csv: malformed quoting is an ActlabError naming file and line", () => {
  assert.throws(
    () => parseCsv('"1","ok"\n"2","never closed\n', "a.csv"),
    /a\.csv:2: a quoted field is never closed/,
  );
  assert.throws(
    () => parseCsv('"1","ok"\n"2","x"y\n', "a.csv"),
    /a\.csv:2: unexpected "y" after a closing quote/,
  );
  assert.throws(
    () => parseCsv('"1","ok"\n\n2,ab"c\n', "a.csv"),
    /a\.csv:3: a quote inside an unquoted field/,
  );
});

// ---------- SST-2 ----------

const SST_TRAIN = "sentence\tlabel\nhide new secretions from the parental units \t0\n" +
  'contains no wit , only labored gags \t0\nthat loves its characters and "communicates" \t1\n';
const SST_DEV = "sentence\tlabel\nit 's a charming and often affecting journey . \t1\n";

Deno.test("sst2: GLUE train.tsv / dev.tsv, dev is the evaluation split, bare quotes kept", async () => {
  await withDir({ "SST-2/train.tsv": SST_TRAIN, "SST-2/dev.tsv": SST_DEV }, async (dir) => {
    const d = await getTextDataset("sst2").load({ dataDir: dir }); // finds DIR/SST-2
    assert.equal(d.numClasses, 2);
    assert.deepEqual(d.classNames, ["negative", "positive"]);
    assert.equal(d.train.length, 3);
    assert.deepEqual(d.train[2], {
      text: 'that loves its characters and "communicates" ',
      label: 1,
    });
    assert.deepEqual(d.test, [{
      text: "it 's a charming and often affecting journey . ",
      label: 1,
    }]);
    assert.equal(d.source, `${dir}/SST-2`);
  });
});

Deno.test("sst2: bad header, label or field count name the file and line; missing files name the URL", async () => {
  await withDir({ "train.tsv": "index\tsentence\n0\tx\n", "dev.tsv": SST_DEV }, async (dir) => {
    await rejectsWith(
      getTextDataset("sst2").load({ dataDir: dir }),
      /train\.tsv:1: header is .*test\.tsv has no labels/s,
    );
  });
  await withDir({ "train.tsv": SST_TRAIN + "good movie\t2\n", "dev.tsv": SST_DEV }, async (dir) => {
    await rejectsWith(getTextDataset("sst2").load({ dataDir: dir }), /train\.tsv:5: label "2"/);
  });
  await withDir({ "train.tsv": SST_TRAIN, "dev.tsv": SST_DEV + "no label here\n" }, async (dir) => {
    await rejectsWith(
      getTextDataset("sst2").load({ dataDir: dir }),
      /dev\.tsv:3: 1 tab-separated fields/,
    );
  });
  await withDir({ "train.tsv": SST_TRAIN }, async (dir) => {
    await rejectsWith(
      getTextDataset("sst2").load({ dataDir: dir }),
      /no dev\.tsv[\s\S]*SST-2\.zip/,
    );
  });
});

// ---------- AG News ----------

const AG_TRAIN =
  '"3","Wall St. Bears Claw Back","Reuters - Short-sellers, ""bears"", are back."\n' +
  '"4","Title","multi\nline description"\n"1","World title","desc"\n"2","Sports","x"\n';
const AG_TEST = '"2","Win","Team wins."\n';

Deno.test("ag_news: classes 1–4 → 0–3, text = title + ' ' + description, CSV quoting", async () => {
  await withDir(
    { "ag_news_csv/train.csv": AG_TRAIN, "ag_news_csv/test.csv": AG_TEST },
    async (dir) => {
      const d = await getTextDataset("ag_news").load({ dataDir: dir });
      assert.deepEqual(d.classNames, ["World", "Sports", "Business", "Sci/Tech"]);
      assert.deepEqual(d.train.map((e) => e.label), [2, 3, 0, 1]);
      assert.equal(
        d.train[0].text,
        'Wall St. Bears Claw Back Reuters - Short-sellers, "bears", are back.',
      );
      assert.equal(d.train[1].text, "Title multi\nline description");
      assert.deepEqual(d.test, [{ text: "Win Team wins.", label: 1 }]);
    },
  );
});

Deno.test("ag_news: a bad class or field count names the file and the record's line", async () => {
  await withDir({ "train.csv": AG_TRAIN + '"5","t","d"\n', "test.csv": AG_TEST }, async (dir) => {
    // Line 6: the quoted newline in record 2 shifts later records by one line.
    await rejectsWith(getTextDataset("ag_news").load({ dataDir: dir }), /train\.csv:6: class "5"/);
  });
  await withDir({ "train.csv": AG_TRAIN, "test.csv": '"1","only title"\n' }, async (dir) => {
    await rejectsWith(getTextDataset("ag_news").load({ dataDir: dir }), /test\.csv:1: 2 fields/);
  });
  await withDir({}, async (dir) => {
    await rejectsWith(
      getTextDataset("ag_news").load({ dataDir: dir }),
      /AG News: data files not found[\s\S]*Crepe/,
    );
  });
});

// ---------- TextGCN corpora ----------

const R8_META = "0\ttrain\tacq\n1\ttest\tearn\n2\ttrain\tearn\n3\ttraining\tcrude\n";
const R8_CLEAN =
  "champion products approves stock split\ncomputer terminal systems\nshr cts net\noil prices\n";

Deno.test("textgcn-r8: meta + clean text, splits as build_graph.py reads them, sorted class names", async () => {
  await withDir({ "R8.txt": R8_META, "corpus/R8.clean.txt": R8_CLEAN }, async (dir) => {
    const d = await getTextDataset("textgcn-r8").load({ dataDir: dir });
    assert.equal(d.name, "textgcn-r8");
    assert.deepEqual(d.classNames, ["acq", "crude", "earn"]);
    assert.deepEqual(d.train, [
      { text: "champion products approves stock split", label: 0 },
      { text: "shr cts net", label: 2 },
      { text: "oil prices", label: 1 },
    ]);
    assert.deepEqual(d.test, [{ text: "computer terminal systems", label: 2 }]);
  });
});

Deno.test("textgcn: bad meta lines, a bad split and mismatched files are ActlabErrors naming them", async () => {
  await withDir(
    { "mr.txt": "0\ttrain\t1\n1\ttrain\n", "corpus/mr.clean.txt": "a\nb\n" },
    async (dir) => {
      await rejectsWith(
        getTextDataset("textgcn-mr").load({ dataDir: dir }),
        /mr\.txt:2: "1\\ttrain"[\s\S]*name<TAB>split<TAB>label/,
      );
    },
  );
  await withDir(
    { "mr.txt": "0\ttrain\t1\n1\tdev\t0\n", "corpus/mr.clean.txt": "a\nb\n" },
    async (dir) => {
      await rejectsWith(
        getTextDataset("textgcn-mr").load({ dataDir: dir }),
        /mr\.txt:2: split "dev"/,
      );
    },
  );
  await withDir({ "mr.txt": "0\ttrain\t1\n", "corpus/mr.clean.txt": "a\nb\n" }, async (dir) => {
    await rejectsWith(
      getTextDataset("textgcn-mr").load({ dataDir: dir }),
      /lists 1 documents but .*mr\.clean\.txt has 2 lines/,
    );
  });
  await withDir({ "20ng.txt": "0\ttrain\tx\n" }, async (dir) => {
    await rejectsWith(
      getTextDataset("textgcn-20ng").load({ dataDir: dir }),
      /no corpus\/20ng\.clean\.txt[\s\S]*remove_words\.py 20ng/,
    );
  });
});

Deno.test("registry: every text dataset is listed under a name distinct from the graph ones", () => {
  const names = listTextDatasets();
  for (
    const n of [
      "sst2",
      "ag_news",
      "generated",
      "textgcn-r8",
      "textgcn-r52",
      "textgcn-mr",
      "textgcn-ohsumed",
      "textgcn-20ng",
    ]
  ) {
    assert.ok(names.includes(n), n);
    assert.ok(getTextDataset(n).description.length > 20);
  }
  assert.throws(() => getTextDataset("r8"), /unknown text dataset "r8"/);
});

// ---------- generated ----------

Deno.test("generated: deterministic in the seed, every word in its vocabulary, labels learnable from keywords", async () => {
  const a = makeGeneratedText({ trainSize: 300, testSize: 50, seed: 3 });
  const b = makeGeneratedText({ trainSize: 300, testSize: 50, seed: 3 });
  const c = makeGeneratedText({ trainSize: 300, testSize: 50, seed: 4 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.train, c.train);
  // Example i does not depend on the split size.
  assert.deepEqual(
    makeGeneratedText({ trainSize: 10, testSize: 5, seed: 3 }).train,
    a.train.slice(0, 10),
  );
  const keywords = generatedKeywords(4);
  assert.equal(new Set(keywords.flat()).size, 4 * 12);
  const counts = [0, 0, 0, 0];
  const tok = new BertTokenizer(parseVocab(generatedTextVocab(4).join("\n")));
  assert.equal(tok.lowercase, true);
  for (const ex of a.train) {
    counts[ex.label]++;
    const words = ex.text.toLowerCase().split(" ");
    // The class's own keywords outnumber any other class's.
    const own = words.filter((w) => keywords[ex.label].includes(w)).length;
    assert.ok(own >= 2);
    for (let k = 0; k < 4; k++) {
      if (k !== ex.label) {
        assert.ok(words.filter((w) => keywords[k].includes(w)).length < own, ex.text);
      }
    }
    assert.ok(!tok.tokenize(ex.text).includes("[UNK]"), ex.text);
  }
  for (const n of counts) assert.ok(n > 40, `class counts ${counts}`);
  assert.throws(() => makeGeneratedText({ numClasses: 1 }), ActlabError);
  assert.throws(() => makeGeneratedText({ trainSize: 0 }), ActlabError);
  const loaded = await getTextDataset("generated").load({ seed: 3 });
  assert.equal(loaded.train.length, 2048);
  assert.equal(loaded.source, "generated");
});

Deno.test("generated: writeGeneratedVocab writes a vocab.txt the tokenizer loads", async () => {
  await withDir({}, async (dir) => {
    await writeGeneratedVocab(`${dir}/vocab.txt`, 6);
    const tok = await loadBertTokenizer(`${dir}/vocab.txt`);
    assert.equal(tok.vocabSize, generatedTextVocab(6).length);
    assert.equal(tok.padId, 0);
  });
});

// ---------- encodeSplit ----------

Deno.test("encodeSplit: [N, T] ids / typeIds / mask padded with [PAD], labels, truncation count", () => {
  const tok = new BertTokenizer(parseVocab(generatedTextVocab(4).join("\n")));
  const examples: TextExample[] = [
    { text: "the time", label: 1 },
    { text: "the", pair: "new time", label: 0 },
    { text: "the a of and to in is it that was for on with", label: 3 },
  ];
  const e = encodeSplit(examples, tok, { maxLength: 8 });
  assert.equal(e.count, 3);
  assert.equal(e.seqLength, 8);
  const cls = tok.clsId, sep = tok.sepId, id = (w: string) => tok.vocab.ids.get(w)!;
  assert.deepEqual([...e.ids.subarray(0, 8)], [cls, id("the"), id("time"), sep, 0, 0, 0, 0]);
  assert.deepEqual([...e.ids.subarray(8, 16)], [
    cls,
    id("the"),
    sep,
    id("new"),
    id("time"),
    sep,
    0,
    0,
  ]);
  assert.deepEqual([...e.typeIds.subarray(8, 16)], [0, 0, 0, 1, 1, 1, 0, 0]);
  assert.deepEqual([...e.mask.subarray(8, 16)], [1, 1, 1, 1, 1, 1, 0, 0]);
  assert.deepEqual([...e.ids.subarray(16, 24)], [
    cls,
    ...["the", "a", "of", "and", "to", "in"].map(id),
    sep,
  ]);
  assert.deepEqual([...e.lengths], [4, 6, 8]);
  assert.deepEqual([...e.labels], [1, 0, 3]);
  assert.equal(e.truncated, 1);
  const l = encodeSplit(examples.slice(0, 2), tok, { maxLength: 8, pad: "longest" });
  assert.equal(l.seqLength, 6);
  assert.throws(() => encodeSplit(examples, tok, { maxLength: 2 }), ActlabError);
});

Deno.test("encodeSplit: the truncated rows equal the tokenizer's own encode(maxLength)", () => {
  const data = makeGeneratedText({ trainSize: 200, testSize: 1, seed: 9 });
  const tok = new BertTokenizer(parseVocab(generatedTextVocab(4).join("\n")));
  const pairs: TextExample[] = data.train.map((ex, i) => (
    i % 2 === 0 ? { ...ex, pair: data.train[(i * 7 + 3) % 200].text } : ex
  ));
  for (const maxLength of [5, 9, 16, 40]) {
    const e = encodeSplit(pairs, tok, { maxLength });
    for (let i = 0; i < pairs.length; i++) {
      const want = tok.encode(pairs[i].text, pairs[i].pair, maxLength);
      const off = i * maxLength;
      assert.deepEqual([...e.ids.subarray(off, off + want.ids.length)], [...want.ids], `row ${i}`);
      assert.deepEqual([...e.typeIds.subarray(off, off + want.ids.length)], [...want.typeIds]);
      assert.equal(e.lengths[i], want.ids.length);
    }
    assert.ok(maxLength > 30 || e.truncated > 0);
  }
  // One more longest-first step on a tie drops from B.
  const r = dropOneLongestFirst({
    ids: Int32Array.from([1, 5, 6, 2, 7, 8, 2]),
    typeIds: Int32Array.from([0, 0, 0, 0, 1, 1, 1]),
  });
  assert.deepEqual([...r.ids], [1, 5, 6, 2, 7, 2]);
});
