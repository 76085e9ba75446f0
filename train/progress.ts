/**
 * Progress reporting: a redrawn bar with ETA on a TTY, plain periodic lines
 * otherwise (logs stay readable when piped).
 * @module
 */

/** Format seconds as h:mm:ss or m:ss. */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(sec).padStart(2, "0")}`;
}

/** A progress bar over `total` units. */
export class Progress {
  private readonly start = performance.now();
  private lastPlain = 0;
  private readonly tty: boolean;
  private readonly encoder = new TextEncoder();

  /** `label` prefixes each line; output goes to stderr. */
  constructor(
    private readonly label: string,
    private readonly total: number,
    tty = Deno.stderr.isTerminal(),
  ) {
    this.tty = tty;
  }

  /** Report `done` units finished, with a short status text (running loss etc.). */
  update(done: number, status = ""): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : NaN;
    const frac = this.total > 0 ? done / this.total : 1;
    if (this.tty) {
      const width = 24;
      const fill = Math.round(frac * width);
      const bar = "█".repeat(fill) + "░".repeat(width - fill);
      const line = `\r${this.label} ${bar} ${done}/${this.total} ${formatDuration(elapsed)}<${
        formatDuration(eta)
      } ${status}`;
      Deno.stderr.writeSync(this.encoder.encode(line.padEnd(100)));
    } else if (elapsed - this.lastPlain >= 10 || done === this.total) {
      this.lastPlain = elapsed;
      console.error(
        `${this.label} ${done}/${this.total} elapsed ${formatDuration(elapsed)} eta ${
          formatDuration(eta)
        } ${status}`,
      );
    }
  }

  /** Finish the bar (newline on a TTY). */
  done(): void {
    if (this.tty) Deno.stderr.writeSync(this.encoder.encode("\n"));
  }
}
