/** Every op family's gradient-check cases, shared by the gradient checks and the backend parity tests. */
import type { GradCase } from "../gradcheck.ts";
import { cases as elementwise } from "./elementwise.ts";
import { cases as reduce } from "./reduce.ts";
import { cases as movement } from "./movement.ts";
import { cases as indexing } from "./indexing.ts";
import { cases as matmul } from "./matmul.ts";
import { cases as conv } from "./conv.ts";
import { cases as pool } from "./pool.ts";
import { cases as norm } from "./norm.ts";

/** All cases, family by family. */
export const ALL_CASES: readonly GradCase[] = [
  ...elementwise,
  ...reduce,
  ...movement,
  ...indexing,
  ...matmul,
  ...conv,
  ...pool,
  ...norm,
];
