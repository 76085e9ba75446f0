/**
 * The one palette of every actlab chart: Okabe–Ito's colour-blind-safe
 * qualitative colours for series and bars (series i gets `seriesColour(i)`
 * in every panel, so an arm keeps its colour across a report), a neutral
 * grey for baselines, and the heatmaps' sequential / diverging scale.
 * @module
 */

/** Okabe & Ito (2008), "Color Universal Design": distinguishable under common colour-vision deficiencies. */
export const PALETTE: readonly string[] = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#F0E442",
  "#000000",
];

/** Baselines and reference marks (ReLU in the bench chart, axis frames). */
export const NEUTRAL = "#999999";

/** The colour of series / bar `i` (the palette repeats after 8). */
export function seriesColour(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** Missing (non-finite) heatmap cells. */
export const MISSING = "#ccc";

/**
 * Heatmap colours for `values`: white → dark blue for non-negative data,
 * blue–white–red (symmetric about 0) when any value is negative.
 */
export function heatColour(values: readonly (readonly number[])[]): (v: number) => string {
  const flat = values.flat().filter(Number.isFinite);
  const lo = flat.reduce((a, b) => Math.min(a, b), 0),
    hi = flat.reduce((a, b) => Math.max(a, b), 0);
  const mix = (a: number[], b: number[], t: number) =>
    `rgb(${a.map((v, i) => Math.round(v + (b[i] - v) * t)).join(",")})`;
  const white = [255, 255, 255], blue = [8, 48, 107], red = [165, 15, 21];
  if (lo >= 0) {
    const top = hi > 0 ? hi : 1;
    return (v) => Number.isFinite(v) ? mix(white, blue, Math.min(1, v / top)) : MISSING;
  }
  const top = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  return (v) => {
    if (!Number.isFinite(v)) return MISSING;
    return v >= 0 ? mix(white, red, Math.min(1, v / top)) : mix(white, blue, Math.min(1, -v / top));
  };
}
