/** The SVG plotting module, the run's curves.svg and the run-wide progress bar. */
import assert from "node:assert/strict";
import { escapeXml, gridSvg, heatmap, lineChart } from "../plot/svg.ts";
import { curvesSvg, type EpochLogLine } from "../train/curves.ts";
import { Progress } from "../train/progress.ts";

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

Deno.test("lineChart: one polyline per finite run, a band polygon, legend entries", () => {
  const p = lineChart({
    title: "t <&>",
    series: [
      { name: "a", points: [[1, 1], [2, 2], [3, 3]], band: [[1, 0, 2], [2, 1, 3], [3, 2, 4]] },
      { name: "b", points: [[1, 3], [2, NaN], [3, 1], [4, 0]] },
    ],
  });
  assert.ok(p.svg.startsWith("<svg") && p.svg.endsWith("</svg>"));
  assert.ok(p.svg.includes("t &lt;&amp;&gt;"), "titles are escaped");
  assert.equal(count(p.svg, /class="series" data-series="a"/g), 1);
  // The NaN splits b into [1,3] and [3,1],[4,0]: two polylines, no "NaN" coordinates.
  assert.equal(count(p.svg, /class="series" data-series="b"/g), 2);
  assert.ok(!p.svg.includes("NaN"));
  assert.equal(count(p.svg, /class="band"/g), 1);
  assert.equal(count(p.svg, /class="legend"/g), 2);
  // Integer x (epochs) gets integer ticks 1..4.
  const ticks = [...p.svg.matchAll(/class="xtick"[^>]*>([^<]*)</g)].map((m) => m[1]);
  assert.deepEqual(ticks, ["1", "2", "3", "4"]);
  // The highest point (band top 4) maps to the top of the plot area, the lowest (0) to its bottom.
  const ys = [...p.svg.matchAll(/points="([^"]*)"/g)].flatMap((m) =>
    m[1].split(" ").map((xy) => Number(xy.split(",")[1]))
  );
  assert.equal(Math.min(...ys), 24);
});

Deno.test("heatmap: one cell per entry, sequential for >= 0, diverging with negatives", () => {
  const h = heatmap({ title: "h", values: [[0, 1, 2], [3, 4, 5]], rowLabels: ["x", "y"] });
  assert.equal(count(h.svg, /class="cell"/g), 6);
  assert.equal(count(h.svg, /class="rowlabel"/g), 2);
  assert.ok(h.svg.includes('fill="rgb(255,255,255)"'), "0 is white");
  assert.ok(h.svg.includes('fill="rgb(8,48,107)"'), "the maximum is the darkest blue");
  const d = heatmap({ title: "d", values: [[-2, 0, 2]] });
  assert.ok(d.svg.includes('fill="rgb(165,15,21)"') && d.svg.includes('fill="rgb(8,48,107)"'));
});

Deno.test("gridSvg tiles panels with offsets and one root namespace", () => {
  const a = lineChart({ title: "a", series: [], width: 100, height: 50 });
  const b = lineChart({ title: "b", series: [], width: 120, height: 60 });
  const c = lineChart({ title: "c", series: [], width: 100, height: 70 });
  const doc = gridSvg([a, b, c], 2);
  assert.equal(count(doc, /xmlns=/g), 1);
  assert.ok(doc.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="220" height="130"'));
  assert.ok(doc.includes('<svg x="0" y="0"') && doc.includes('<svg x="100" y="0"'));
  assert.ok(doc.includes('<svg x="0" y="60"'));
  assert.equal(escapeXml(`"a"`), "&quot;a&quot;");
});

const line = (epoch: number, extra: Record<string, number> = {}): EpochLogLine => ({
  epoch,
  step: epoch * 10,
  train: { loss: 2 / epoch, top1: 0.1 * epoch, ...extra },
  test: { loss: 2.5 / epoch, top1: 0.2 * epoch },
});

Deno.test("curvesSvg: loss and top-1 always, DPA / ARR panels only when logged", () => {
  const plain = curvesSvg([line(1), line(2), line(3)]);
  assert.equal(count(plain, /<svg x=/g), 2);
  assert.ok(
    plain.includes('data-series="test top-1"') && plain.includes('data-series="train loss"'),
  );
  assert.ok(!plain.includes("masked"));
  const dpa = curvesSvg([1, 2].map((e) => line(e, { masked_fraction: 0.01, dpa_channel: 0.2 })));
  assert.equal(count(dpa, /<svg x=/g), 4);
  assert.ok(dpa.includes("DPA masked fraction") && dpa.includes("DPA channel loss"));
  const arr = curvesSvg([line(1, { arr: 0.3 })]);
  assert.ok(arr.includes("ARR loss") && !arr.includes("DPA"));
});

Deno.test("Progress: the ETA spans the whole run; a TTY bar is redrawn in place", () => {
  let t = 0;
  const out: string[] = [];
  const p = new Progress("epoch 1/2", 10, {
    tty: true,
    write: (s) => out.push(s),
    now: () => t,
  });
  t = 2000;
  p.update(2, "loss 1");
  // 2 of 10 units in 2 s → 8 s left.
  assert.ok(out[0].startsWith("\r\x1b[2Kepoch 1/2 "), JSON.stringify(out[0]));
  assert.ok(out[0].includes("2/10") && out[0].includes("ETA 0:08"), out[0]);
  p.clear();
  assert.equal(out[1], "\r\x1b[2K");
  p.setLabel("epoch 2/2");
  t = 10_000; // an evaluation in between slows the estimate: 5 units in 10 s → 10 s left
  p.update(5);
  assert.ok(out[2].includes("epoch 2/2") && out[2].includes("ETA 0:10"), out[2]);
  p.done();
  assert.equal(out.at(-1), "\n");

  const plain: string[] = [];
  t = 0;
  const q = new Progress("run", 4, { tty: false, write: (s) => plain.push(s), now: () => t });
  for (let i = 1; i <= 4; i++) {
    t = i * 1000;
    q.update(i);
  }
  // First update, then nothing until 10 s pass, then the last unit: no carriage returns.
  assert.equal(plain.length, 2);
  assert.ok(plain.every((l) => l.endsWith("\n") && !l.includes("\r")));
  assert.ok(plain[1].startsWith("run 4/4 0:04 elapsed, ETA 0:00"), plain[1]);
});
