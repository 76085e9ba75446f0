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
  private readonly scratch: ScratchArena;

  private constructor(
    graph: Graph,
    options: CompileOptions,
    ctx: DnnlContext,
    owned: DnnlPrimitive[],
    wrap: (k: KernelLookup) => KernelLookup,
    scratch: ScratchArena = new ScratchArena(),
  ) {
    super(
      graph,
      options,
      wrap(onednnLookup({ ctx, own: (p) => owned.push(p), scratch })),
      onednnFusions(graph),
    );
    this.owned = owned;
    this.scratch = scratch;
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
    // Primitives first: they point at the buffers the executor and the arena free.
    for (const p of this.owned) p.destroy();
    this.owned.length = 0;
    this.scratch.release();
    super.release();
  }
}
