/** Gradient-check cases for norm ops. */
import type { GradCase } from "../gradcheck.ts";

export const cases: GradCase[] = [];
