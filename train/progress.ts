/**
 * Progress reporting: a bar redrawn in place on a TTY, plain periodic lines
 * otherwise (logs stay readable when piped). One `Progress` spans a whole
 * run, so its ETA is the run's, not the current epoch's.
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

/** Where and how progress is shown (defaults: stderr, TTY detection, the wall clock). */
export interface ProgressOptions {
  /** Redraw one line in place (default: whether stderr is a terminal). */
  readonly tty?: boolean;
  /** Output sink (default: stderr). */
  readonly write?: (text: string) => void;
  /** Clock in milliseconds (default `performance.now`). */
  readonly now?: () => number;
  /** Seconds between plain lines when not on a TTY (default 10). */
  readonly plainEvery?: number;
}

const encoder = new TextEncoder();

/** A progress bar over `total` units (e.g. the training steps left in the run). */
export class Progress {
  private readonly tty: boolean;
  private readonly write: (text: string) => void;
  private readonly now: () => number;
  private readonly start: number;
  private readonly plainEvery: number;
  private lastPlain = -Infinity;
  private drawn = false;

  /** `label` prefixes each line (change it with `setLabel`). */
  constructor(private label: string, private readonly total: number, opts: ProgressOptions = {}) {
    this.tty = opts.tty ?? Deno.stderr.isTerminal();
    this.write = opts.write ?? ((t) => Deno.stderr.writeSync(encoder.encode(t)));
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
    this.plainEvery = opts.plainEvery ?? 10;
  }

  /** Change the prefix (e.g. the epoch) without resetting the clock. */
  setLabel(label: string): void {
    this.label = label;
  }

  /**
   * Report `done` of `total` units finished, with a short status. The ETA is
   * elapsed ÷ done × remaining over everything since construction, so time
   * spent between units (evaluation, checkpoints) is part of the estimate.
   */
  update(done: number, status = ""): void {
    const elapsed = (this.now() - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : NaN;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const times = `${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}`;
    if (this.tty) {
      const width = 24;
      const fill = Math.round(frac * width);
      const bar = "█".repeat(fill) + "░".repeat(width - fill);
      // \r + erase-line: redraw in place, whatever the previous line's length.
      this.write(`\r\x1b[2K${this.label} ${bar} ${done}/${this.total} ${times} ${status}`);
      this.drawn = true;
    } else if (elapsed - this.lastPlain >= this.plainEvery || done === this.total) {
      this.lastPlain = elapsed;
      this.write(`${this.label} ${done}/${this.total} ${times} ${status}\n`);
    }
  }

  /** Erase the in-place bar (TTY) so a log line can be printed; the next update redraws it. */
  clear(): void {
    if (this.tty && this.drawn) this.write("\r\x1b[2K");
    this.drawn = false;
  }

  /** Finish: leave the last bar on its own line (TTY). */
  done(): void {
    if (this.tty && this.drawn) this.write("\n");
    this.drawn = false;
  }
}
