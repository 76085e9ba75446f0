/**
 * actlab's one plotting module, shared by a run's `curves.svg`
 * (`train/curves.ts`), the channel heatmaps (`analyze/`), the `compare`
 * report chart (`compare/svg.ts`) and the bench chart
 * (`bench/results_svg.ts`): one escaping (`xml.ts`), one palette
 * (`palette.ts`), one axis and tick implementation (`axis.ts`), shared chart
 * parts (`frame.ts`, `panel.ts`) and the charts (`line_chart.ts`,
 * `bar_chart.ts`, `heatmap.ts`). Output is plain SVG strings: no browser,
 * DOM or Python needed to get plots next to a run.
 *
 * Library choice (measured 2026-12, Deno 2.9.6, 2 CPU cores shared with
 * other jobs, so ranges; all three install from npm with no install
 * scripts and pass `deno publish --dry-run`). "load" = import in a warm
 * cache; "render" = `curves.svg`-sized output (two line panels, 4 series ×
 * 10 epochs); "process" = wall time of `deno run` importing and rendering
 * once, vs 30 ms for an empty script:
 *
 * | candidate | packages / size | load | render first / warm | process |
 * |---|---|---|---|---|
 * | vega 6.4 + vega-lite 6.5, `view.toSVG()` | 79 / 19 MB | 110–250 ms | 116–180 / 40 ms | 430 ms |
 * | @observablehq/plot 0.6.17 + linkedom | 63 / 12 MB | 130–430 ms | 31–93 / 5–15 ms | 350 ms |
 * | d3-scale 4.0.3 + this module's SVG | 9 / 0.6 MB | 14–22 ms | 9–14 / 1–3 ms | old + 20–40 ms |
 *
 * (d3-scale's row is `train/curves.ts` itself, against the hand-written
 * module it replaces, which loaded in 1 ms and rendered in 0.5 ms.)
 *
 * Both full libraries render our charts headless, but `curves.svg` is
 * redrawn after every epoch of every `deno task train` and `compare` cell,
 * so vega would add about 0.4 s per process and 40+ ms per epoch for
 * charts of a few hundred elements; Observable Plot needs a DOM shim and
 * its types need `lib.dom` (casts through `unknown` under Deno); and
 * neither lets a chart keep the semantic markup our tests and readers use
 * (`polyline.series[data-series]`, `rect.cell`, nested panels). d3-scale is
 * the scale layer both of them are built on (vega-scale and Plot call it),
 * so the axes get the same nice domains, 1/2/5 × 10^k ticks and
 * same-precision labels, and the SVG stays ours.
 * @module
 */
export { escapeXml } from "./xml.ts";
export { heatColour, NEUTRAL, PALETTE, seriesColour } from "./palette.ts";
export { type Axis, type AxisOptions, linearAxis, shortNumber, type Tick } from "./axis.ts";
export { gridSvg, type SvgPanel } from "./panel.ts";
export { lineChart, type LineChartSpec, type LineSeries } from "./line_chart.ts";
export { type Bar, barChart, type BarChartSpec } from "./bar_chart.ts";
export { heatmap, type HeatmapSpec } from "./heatmap.ts";
