/**
 * One case of the fuzz drill (a mutated input and what it must do) and the
 * byte-level mutations the case builders share.
 * @module
 */

/** One mutated input and what it must do. */
export interface Case {
  readonly label: string;
  /** The file written (its path must appear in a rejection). */
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly expect: "reject" | "accept";
  /** CLI flags besides --out. */
  readonly args: string[];
  /** The CLI run (default train, which also gets --out). */
  readonly command?: "train" | "eval" | "export";
}

/** `b` with bit `bit` of byte `pos` flipped (a copy). */
export function flip(b: Uint8Array, pos: number, bit: number): Uint8Array {
  const c = b.slice();
  c[pos] ^= 1 << bit;
  return c;
}

/** Budget of random mutations per file kind. */
export interface Mutations {
  readonly bitFlips: number;
  readonly truncations: number;
  /** Uniform integer in [0, n). */
  readonly int: (n: number) => number;
}
