/**
 * The pure-TypeScript reference backend: the correctness oracle, always
 * available, optionally in float64 for gradient checks.
 * @module
 */
import type { Graph } from "../../core/graph.ts";
import type { Availability, Backend, CompileOptions, Executable } from "../backend.ts";
import { expandComposites } from "../../core/expand.ts";
import { ReferenceExecutable } from "./executable.ts";
import "./kernels/mod.ts";

/** The reference backend. */
export const referenceBackend: Backend = {
  name: "reference",
  description:
    "pure TypeScript on typed arrays (correctness oracle; float64 mode for gradient checks)",
  speedRank: 100,
  probe(): Promise<Availability> {
    return Promise.resolve({
      available: true,
      reason: "always available (pure TypeScript)",
      fix: "",
    });
  },
  // deno-lint-ignore require-await -- async so that graph errors reject instead of throwing
  async compile(graph: Graph, options?: CompileOptions): Promise<Executable> {
    return new ReferenceExecutable(expandComposites(graph), options);
  },
};
