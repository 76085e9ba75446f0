/** Gradient-check cases for pool ops. */
import type { GradCase } from "../gradcheck.ts";

export const cases: GradCase[] = [];
