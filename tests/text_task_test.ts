/**
 * The text task (tasks/text.ts): padded [B, T] feeds with `[CLS]` first,
 * segment ids and the mask; batches a pure function of (seed, epoch, batch);
 * evaluation in order with uncounted filler rows; clear errors for a bad
 * tokenizer, bad labels, a missing tokenizer, a vocabulary that contradicts
 * the model and text flags on the image task; and `bert` tiny trained end to
 * end through `train({ task: "text" })` on the generated keyword dataset —
 * evaluation from the checkpoint and resume included.
 */
import assert from "node:assert/strict";
import {
  evaluate,
  referenceBackend,
  resolveConfig,
  Run,
  setTokenizerFactory,
  type TaskBatch,
  type TextDataset,
  textTask,
  textTaskPlugin,
  train,
} from "../mod.ts";
import { keywordExamples, TEST_VOCAB, testTokenizer } from "./text_fixtures.ts";

const DATA: TextDataset = {
  name: "kw",
  numClasses: 2,
  classNames: ["without", "with"],
  train: [
    { text: "the movie was good", label: 1 },
    { text: "a plot", pair: "the actor was long", label: 0 },
    ...keywordExamples(38, 3),
  ],
  test: keywordExamples(10, 4),
  source: "generated",
};

const T = 8;

function rows(b: TaskBatch, name: string): number[][] {
  const d = Array.from(b.feeds[name].data);
  return Array.from({ length: d.length / T }, (_, r) => d.slice(r * T, (r + 1) * T));
}

Deno.test("text task: padded ids, segment ids and mask, [CLS] first", () => {
  const task = textTask({ dataset: DATA, tokenizer: testTokenizer(), maxLength: T });
  assert.equal(task.trainSize, 40);
  assert.deepEqual(task.modelHints, { vocabSize: TEST_VOCAB.length });
  const [b] = task.evalBatches(2);
  assert.deepEqual(b.feeds.ids.shape, [2, T]);
  assert.equal(b.feeds.ids.dtype, "i32");
  assert.equal(b.feeds.typeIds.dtype, "i32");
  assert.equal(b.feeds.mask.dtype, "f32");
  // Encode the first training examples through a one-batch-per-example eval over the train split.
  const trainTask = textTask({
    dataset: DATA,
    tokenizer: testTokenizer(),
    maxLength: T,
    evalSplit: "train",
  });
  const [first] = trainTask.evalBatches(2);
  const id = (w: string) => TEST_VOCAB.indexOf(w);
  assert.deepEqual(rows(first, "ids"), [
    [id("[CLS]"), id("the"), id("movie"), id("was"), id("good"), id("[SEP]"), 0, 0],
    // The pair is truncated longest-first to fit 8: "a plot" + "the actor was".
    [id("[CLS]"), id("a"), id("plot"), id("[SEP]"), id("the"), id("actor"), id("was"), id("[SEP]")],
  ]);
  assert.deepEqual(rows(first, "typeIds"), [[0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]]);
  assert.deepEqual(rows(first, "mask"), [[1, 1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1]]);
  assert.deepEqual(Array.from(first.labels), [1, 0]);
});

Deno.test("text task: batches are a function of (seed, epoch, batch); eval is in order with filler", () => {
  const task = textTask({ dataset: DATA, tokenizer: testTokenizer(), maxLength: T });
  const epoch = (seed: number, e: number, start = 0) => [
    ...task.trainBatches({ batchSize: 16, seed, epoch: e, startBatch: start }),
  ];
  const a = epoch(1, 0), again = epoch(1, 0);
  assert.equal(a.length, 2, "40 examples in batches of 16: the partial batch is dropped");
  assert.deepEqual(a.map((b) => b.feeds.ids.data), again.map((b) => b.feeds.ids.data));
  assert.notDeepEqual(a[0].feeds.ids.data, epoch(1, 1)[0].feeds.ids.data);
  assert.notDeepEqual(a[0].feeds.ids.data, epoch(2, 0)[0].feeds.ids.data);
  const resumed = epoch(1, 0, 1);
  assert.equal(resumed[0].index, 1);
  assert.deepEqual(resumed[0].feeds.ids.data, a[1].feeds.ids.data);
  for (const b of a) {
    for (const r of rows(b, "ids")) assert.equal(r[0], TEST_VOCAB.indexOf("[CLS]"));
  }
  const ev = [...task.evalBatches(4)];
  assert.deepEqual(ev.map((b) => b.valid), [4, 4, 2]);
  const last = ev[2];
  assert.deepEqual(rows(last, "ids")[3].slice(0, 3), [2, 3, 0], "filler row: [CLS] [SEP]");
  assert.deepEqual(rows(last, "mask")[3].slice(0, 3), [1, 1, 0]);
});

Deno.test("text task: bad tokenizers, labels and settings are clear errors", async () => {
  const tok = testTokenizer();
  const noCls = {
    ...tok,
    encode: (a: string, b: string | undefined, n: number) => {
      const e = tok.encode(a, b, n);
      return { ids: e.ids.slice(1), typeIds: e.typeIds.slice(1) };
    },
  };
  assert.throws(
    () => textTask({ dataset: DATA, tokenizer: noCls, maxLength: T }),
    /kw train example 0: the tokenizer returned ids \[4, 6, 7, 16, …\] \(\[CLS\] is 2/,
  );
  const badLabel = { ...DATA, test: [{ text: "good", label: 2 }] };
  assert.throws(
    () => textTask({ dataset: badLabel, tokenizer: tok, maxLength: T }),
    /kw test example 0 has label 2, outside \[0, 2\)/,
  );
  assert.throws(() => textTask({ dataset: DATA, tokenizer: tok, maxLength: 1 }), /max-length/);
  assert.throws(() => resolveConfig({ out: "/tmp/x", maxLength: 0 }), /--max-length must be/);

  // The default tokenizer is WordPiece over --vocab: without one, the text task says what to pass.
  const config = resolveConfig({ out: "/tmp/x", task: "text", dataset: "keyword-test" });
  await assert.rejects(textTaskPlugin.create(config, { train: true }), /no --vocab was given/);
  await assert.rejects(
    textTaskPlugin.create({ ...config, vocab: "/nonexistent/vocab.txt" }, { train: true }),
    /\/nonexistent\/vocab\.txt/,
  );
  await assert.rejects(
    Run.open(resolveConfig({ out: "/tmp/x", task: "image", vocab: "v.txt" }), {
      backend: referenceBackend,
    }),
    /--vocab is an option of the text task/,
  );

  // The model's vocabulary comes from the tokenizer; a contradicting option is refused.
  const task = textTask({ dataset: DATA, tokenizer: tok, maxLength: T });
  const open = (vocabSize?: number) =>
    Run.open(
      resolveConfig({
        out: "/tmp/x",
        task: "text",
        model: "bert",
        modelOptions: {
          size: "tiny",
          layers: 1,
          hidden: 8,
          heads: 2,
          ...(vocabSize ? { vocabSize } : {}),
        },
        activation: "relu",
        batchSize: 4,
        evalBatchSize: 4,
      }),
      { backend: referenceBackend, task, train: false },
    );
  const run = await open();
  assert.equal(run.model.config.options.vocabSize, TEST_VOCAB.length);
  run.dispose();
  await assert.rejects(
    open(30522),
    /model option vocabSize=30522 contradicts the task's data, which needs 18/,
  );
});

Deno.test("bert tiny learns the keyword task end to end through train({ task: 'text' })", async () => {
  const previous = setTokenizerFactory(() => Promise.resolve(testTokenizer()));
  const out = await Deno.makeTempDir({ prefix: "actlab_text_e2e_" });
  try {
    const config = {
      task: "text",
      model: "bert",
      modelOptions: { size: "tiny", layers: 1, hidden: 16, heads: 2 },
      dataset: "keyword-test",
      maxLength: 12,
      activation: "dpa",
      backend: "reference",
      epochs: 6,
      batchSize: 32,
      evalBatchSize: 64,
      lr: 3e-3,
      out,
    };
    const summary = await train(config, { progress: false, log: () => {} });
    assert.equal(summary.steps, 6 * 16);
    // Chance is 0.5 (balanced labels); the keyword is found through attention from [CLS].
    assert.ok(summary.test_top1! >= 0.9, `test top-1 ${summary.test_top1}`);
    const stored = JSON.parse(await Deno.readTextFile(`${out}/config.json`));
    assert.equal(stored.task, "text");
    assert.equal(stored.maxLength, 12);
    assert.equal(stored.modelOptionsResolved.vocabSize, TEST_VOCAB.length);
    assert.equal(stored.initFromReport, null);
    const log = (await Deno.readTextFile(`${out}/log.jsonl`)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.ok("masked_fraction" in log[0].train, "DPA pools the [CLS] position of the FFN site");

    const again = await evaluate(`${out}/last.ckpt`);
    assert.equal(again.images, 200);
    assert.equal(again.top1, summary.test_top1);
    assert.equal(again.loss, summary.test_loss);

    const more = await train({ ...config, epochs: 7 }, {
      progress: false,
      log: () => {},
      resume: `${out}/last.ckpt`,
    });
    assert.equal(more.steps, 7 * 16);
    assert.ok(more.test_top1! >= 0.9);
  } finally {
    setTokenizerFactory(previous);
    await Deno.remove(out, { recursive: true });
  }
});
