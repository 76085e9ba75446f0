/** Gradient-check cases for matmul ops. */
import type { GradCase } from "../gradcheck.ts";

export const cases: GradCase[] = [];
