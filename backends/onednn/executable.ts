/**
 * The onednn-cpu executable: the reference executor (plan, pooled buffers,
 * one prepared run per node) with the onednn-cpu kernel lookup, plus the
 * oneDNN primitives it created, destroyed on `dispose`.
 * @module
 */
import type { Graph } from "../../core/graph.ts";
import type { CompileOptions } from "../backend.ts";
import { type KernelLookup, ReferenceExecutable } from "../reference/executable.ts";
import type { DnnlContext } from "./engine.ts";
import { onednnLookup } from "./kernel.ts";
import "./kernels/mod.ts";
import "./host/mod.ts";
import type { DnnlPrimitive } from "./primitive.ts";
import { ScratchArena } from "./scratch.ts";
import { onednnFusions } from "./fuse.ts";

/** Executable produced by the onednn-cpu backend (f32 only). */
export class OnednnExecutable extends ReferenceExecutable {
  private readonly owned: DnnlPrimitive[];

  private constructor(
    graph: Graph,
    options: CompileOptions,
    ctx: DnnlContext,
    owned: DnnlPrimitive[],
    wrap: (k: KernelLookup) => KernelLookup,
  ) {
    super(
      graph,
      options,
      wrap(onednnLookup({ ctx, own: (p) => owned.push(p), scratch: new ScratchArena() })),
      onednnFusions(graph),
    );
    this.owned = owned;
  }

  /**
   * Compile `graph` on `ctx`; primitives created before a failure are
   * destroyed. `wrap` may wrap the kernel lookup (a profiler timing each op).
   */
  static create(
    graph: Graph,
    options: CompileOptions,
    ctx: DnnlContext,
    wrap: (k: KernelLookup) => KernelLookup = (k) => k,
  ): OnednnExecutable {
    const owned: DnnlPrimitive[] = [];
    try {
      return new OnednnExecutable(graph, options, ctx, owned, wrap);
    } catch (e) {
      for (const p of owned) p.destroy();
      throw e;
    }
  }

  protected override release(): void {
    super.release();
    for (const p of this.owned) p.destroy();
    this.owned.length = 0;
  }
}
