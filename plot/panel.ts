/**
 * Panels and documents: every chart is a standalone `<svg>` panel with its
 * size, and `gridSvg` tiles panels (nested `<svg x y>` elements, so no
 * coordinate is rewritten) under an optional title into the one document
 * that carries the namespace, the font and a white background.
 * @module
 */
import { el, text } from "./xml.ts";

/** One standalone SVG panel. */
export interface SvgPanel {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** A complete `<svg>` element. */
  readonly svg: string;
}

/** A panel of the given size from its parts (markup). */
export function panel(width: number, height: number, parts: readonly string[]): SvgPanel {
  return {
    width,
    height,
    svg: `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
      `${parts.join("")}</svg>`,
  };
}

const TITLE_H = 28;

/** Tile panels into one SVG document, `columns` per row in order, under `title` when given. */
export function gridSvg(panels: readonly SvgPanel[], columns = 2, title?: string): string {
  const cols = Math.max(1, Math.min(columns, panels.length || 1));
  const colW: number[] = new Array(cols).fill(0);
  const rowH: number[] = [];
  panels.forEach((p, i) => {
    const r = Math.floor(i / cols), c = i % cols;
    colW[c] = Math.max(colW[c], p.width);
    rowH[r] = Math.max(rowH[r] ?? 0, p.height);
  });
  const top = title ? TITLE_H : 0;
  const w = Math.max(colW.reduce((a, b) => a + b, 0), title ? 8 * title.length : 0);
  const h = top + rowH.reduce((a, b) => a + b, 0);
  const parts = [
    `<style>text{font-family:sans-serif;font-size:11px}</style>`,
    el("rect", { width: "100%", height: "100%", fill: "#fff" }),
  ];
  if (title) {
    parts.push(text({ x: 8, y: 19, "font-size": 14, "font-weight": "bold" }, title));
  }
  panels.forEach((p, i) => {
    const r = Math.floor(i / cols), c = i % cols;
    const x = colW.slice(0, c).reduce((a, b) => a + b, 0);
    const y = top + rowH.slice(0, r).reduce((a, b) => a + b, 0);
    parts.push(p.svg.replace(/^<svg /, `<svg x="${x}" y="${y}" `));
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" ` +
    `viewBox="0 0 ${w} ${h}">${parts.join("")}</svg>\n`;
}
