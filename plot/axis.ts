/**
 * Linear axes for every chart: d3-scale's `scaleLinear` maps data to
 * pixels, `nice()` widens the domain to round bounds, `ticks()` picks steps
 * of 1, 2 or 5 × 10^k and `tickFormat()` gives every label of an axis the
 * same precision (0.60, 0.65, … 0.80). Why d3-scale rather than a whole
 * plotting library: see `plot/mod.ts`. Its types come from
 * `@types/d3-scale` (in deno.json; Deno finds it next to the package, and
 * `deno publish` writes the `@ts-types` comment).
 * @module
 */
import { scaleLinear } from "d3-scale";

/** One tick: its value, its label and its pixel position. */
export interface Tick {
  /** The tick's data value. */
  readonly value: number;
  /** Its label, at the axis's common precision. */
  readonly label: string;
  /** Its pixel position. */
  readonly at: number;
}

/** A data → pixel mapping with its ticks. */
export interface Axis {
  /** The (possibly widened) data range drawn. */
  readonly domain: readonly [number, number];
  /** Nice tick values inside the domain. */
  readonly ticks: readonly Tick[];
  /** The pixel position of a data value. */
  at(v: number): number;
}

/** How `linearAxis` fits its domain. */
export interface AxisOptions {
  /** About how many ticks (default 5). */
  readonly count?: number;
  /** Widen the domain to tick values (default false: it spans the data exactly). */
  readonly nice?: boolean;
  /** Integer data (epochs): only integer ticks, labelled without decimals. */
  readonly integer?: boolean;
  /** Values the domain must contain besides the data (0 for bars, a reference line). */
  readonly include?: readonly number[];
}

/** The extent of the finite values; a single value is padded, none gives [0, 1]. */
export function extent(values: Iterable<number>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return [0, 1];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/** An axis over `values` (non-finite ones ignored) onto the pixel `range` [start, end]. */
export function linearAxis(
  values: Iterable<number>,
  range: readonly [number, number],
  opts: AxisOptions = {},
): Axis {
  const count = opts.count ?? 5;
  const scale = scaleLinear().domain(extent([...values, ...(opts.include ?? [])])).range(range);
  if (opts.nice) scale.nice(count);
  let tickValues = scale.ticks(count);
  if (opts.integer) tickValues = tickValues.filter(Number.isInteger);
  const label = scale.tickFormat(count, opts.integer ? "d" : undefined);
  const [d0, d1] = scale.domain();
  return {
    domain: [d0, d1],
    ticks: tickValues.map((v) => ({ value: v, label: label(v), at: scale(v) })),
    at: (v) => scale(v),
  };
}

/** A data value's label (not a tick): 3 significant digits, exponent form for tiny or huge values. */
export function shortNumber(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}
