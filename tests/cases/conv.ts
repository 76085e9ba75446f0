/** Gradient-check cases for conv ops. */
import type { GradCase } from "../gradcheck.ts";

export const cases: GradCase[] = [];
