/** Gradient-check cases for indexing ops. */
import type { GradCase } from "../gradcheck.ts";

export const cases: GradCase[] = [];
