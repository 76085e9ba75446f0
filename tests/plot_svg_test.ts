/** The SVG plotting module, the run's curves.svg and the run-wide progress bar. */
import assert from "node:assert/strict";
import { barChart, escapeXml, gridSvg, heatmap, linearAxis, lineChart } from "../plot/mod.ts";
import { curvesSvg, type EpochLogLine } from "../train/curves.ts";
import { Progress } from "../train/progress.ts";

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

/** Tick values read back from labels (d3 writes U+2212 minus and thousands commas). */
const tickValues = (svg: string, cls: string) =>
  [...svg.matchAll(new RegExp(`class="${cls}"[^>]*>([^<]*)<`, "g"))].map((m) =>
    Number(m[1].replace("\u2212", "-").replace(/,/g, ""))
  );

/** Ticks are evenly spaced by 1, 2 or 5 × 10^k and sit on multiples of that step. */
function assertNiceTicks(ticks: readonly number[], what: string) {
  assert.ok(ticks.length >= 2, `${what}: ${ticks}`);
  const step = ticks[1] - ticks[0];
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  assert.ok([1, 2, 5].some((n) => Math.abs(mantissa - n) < 1e-6), `${what}: step ${step}`);
  for (const [i, t] of ticks.entries()) {
    assert.ok(Math.abs(t / step - Math.round(t / step)) < 1e-6, `${what}: ${t} is off the grid`);
    if (i) assert.ok(Math.abs(t - ticks[i - 1] - step) < 1e-9 * (1 + step), `${what}: uneven`);
  }
}

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

Deno.test("axes tick at nice numbers: 1, 2 or 5 × 10^k, never data values like 0.629", () => {
  const y = linearAxis([0.629, 0.7, 0.823], [200, 0], { nice: true });
  assertNiceTicks(y.ticks.map((t) => t.value), "linearAxis");
  assert.deepEqual(y.domain, [0.6, 0.85], "the domain is widened to ticks around the data");
  assert.deepEqual(y.ticks.map((t) => t.label), ["0.60", "0.65", "0.70", "0.75", "0.80", "0.85"]);
  assert.equal(y.at(0.6), 200);
  assert.equal(y.at(0.85), 0);
  for (const [lo, hi] of [[-3.7, 12.2], [0.0012, 0.0047], [180, 54_321], [1e-7, 3e-7]]) {
    assertNiceTicks(
      linearAxis([lo, hi], [0, 100], { nice: true }).ticks.map((t) => t.value),
      `[${lo}, ${hi}]`,
    );
  }
  // The chart's y labels are the same nice values (the old linear split gave 0.629, 0.678, ...).
  const p = lineChart({
    title: "top-1",
    series: [{ name: "test", points: [[1, 0.629], [2, 0.71], [3, 0.823]] }],
  });
  const ys = tickValues(p.svg, "ytick");
  assertNiceTicks(ys, "lineChart y");
  assert.ok(!ys.includes(0.629) && !ys.includes(0.823), String(ys));
  // A long integer x axis (epochs) gets nice integer steps.
  const long = lineChart({
    title: "long",
    series: [{ name: "a", points: Array.from({ length: 37 }, (_, i) => [i + 1, i] as const) }],
  });
  assertNiceTicks(tickValues(long.svg, "xtick"), "lineChart x");
});

Deno.test("barChart: a bar per finite value, error bars, a reference line, n/a for NaN", () => {
  const p = barChart({
    title: "b",
    reference: 1,
    bars: [
      { label: "relu", value: 1, note: "1.00×" },
      { label: "dpa <&>", value: 1.37, error: 0.1, note: "1.37×" },
      { label: "lost", value: NaN },
    ],
  });
  assert.equal(count(p.svg, /class="bar"/g), 2);
  assert.equal(count(p.svg, /class="errorbar"/g), 1);
  assert.equal(count(p.svg, /class="reference"/g), 1);
  assert.ok(
    p.svg.includes('data-label="dpa &lt;&amp;&gt;"') && p.svg.includes(">dpa &lt;&amp;&gt;<"),
  );
  assert.ok(p.svg.includes(">1.37×<") && p.svg.includes(">n/a<") && !p.svg.includes("NaN"));
  const ticks = tickValues(p.svg, "xtick");
  assertNiceTicks(ticks, "barChart x");
  assert.equal(ticks[0], 0, "bars grow from 0 by default");
  assert.ok(ticks.at(-1)! >= 1.47, "the axis reaches the error bar's end");
  // Without zero, the axis fits the values: 89.2 and 89.9 do not start at 0.
  const fit = barChart({
    title: "f",
    zero: false,
    bars: [{ label: "a", value: 89.2 }, { label: "b", value: 89.9 }],
  });
  assert.ok(tickValues(fit.svg, "xtick")[0] > 80);
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
  const titled = gridSvg([a], 1, "run <1>");
  assert.ok(titled.includes(">run &lt;1&gt;<") && titled.includes('<svg x="0" y="28"'));
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
