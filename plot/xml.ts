/**
 * The one way plot/ writes SVG markup: `el` builds an element from an
 * attribute record (strings escaped, numbers rounded for coordinates), and
 * `escapeXml` is the only escaping. Charts never concatenate attributes by
 * hand, so no caller can forget to escape a run's name or a title.
 * @module
 */

/** Attribute values: strings are escaped, numbers written as coordinates, `undefined` omitted. */
export type Attrs = Readonly<Record<string, string | number | undefined>>;

/** Escape text for SVG content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

/** A coordinate: integers as they are, everything else to 2 decimals. */
export function coord(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

function attrs(a: Attrs): string {
  return Object.entries(a).filter(([, v]) => v !== undefined).map(([k, v]) =>
    ` ${k}="${typeof v === "number" ? coord(v) : escapeXml(v as string)}"`
  ).join("");
}

/** An element; `children` is markup (already built by `el`/`text`), so it is not escaped again. */
export function el(tag: string, a: Attrs, ...children: string[]): string {
  return children.length
    ? `<${tag}${attrs(a)}>${children.join("")}</${tag}>`
    : `<${tag}${attrs(a)}/>`;
}

/** A `<text>` element holding `content`, escaped. */
export function text(a: Attrs, content: string): string {
  return `<text${attrs(a)}>${escapeXml(content)}</text>`;
}

/** A `points` attribute value from [x, y] pixel pairs. */
export function points(xy: readonly (readonly [number, number])[]): string {
  return xy.map(([x, y]) => `${coord(x)},${coord(y)}`).join(" ");
}
