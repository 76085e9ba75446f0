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
import { kernelEnv, type OnednnEnv, onednnLookup } from "./kernel.ts";
import "./kernels/mod.ts";
import "./host/mod.ts";
import type { DnnlPrimitive } from "./primitive.ts";
import type { ScratchArena } from "./scratch.ts";
import { fusionMode, onednnFusions } from "./fuse.ts";
import { fuseLoops } from "./fuse_loops.ts";
import { batchNormSiblings, pairBatchNorms } from "./kernels/batch_norm.ts";
import { onednnComposite } from "./kernels/composites.ts";
import { expandComposites } from "../../core/expand.ts";
import { loadAssembler } from "./wasm/assemble.ts";
import { type WasmArena, wasmBacking } from "./wasm/memory.ts";
import { fusedScratchBytes } from "./fuse_loops.ts";

/** Executable produced by the onednn-cpu backend (f32 only). */
export class OnednnExecutable extends ReferenceExecutable {
  private readonly owned: DnnlPrimitive[];
  private readonly scratch: ScratchArena;
  private readonly wasm: WasmArena;

  private constructor(
    graph: Graph,
    options: CompileOptions,
    ctx: DnnlContext,
    owned: DnnlPrimitive[],
    wrap: (k: KernelLookup) => KernelLookup,
    env: OnednnEnv = kernelEnv(ctx, (p) => owned.push(p)),
  ) {
    // Composites without a oneDNN kernel become their decompositions; then the matmul + bias
    // pairs are chosen, and loop fusion leaves their adds alone.
    const expanded = expandComposites(graph, onednnComposite);
    const bias = onednnFusions(expanded);
    const loops = fusionMode() === "all"
      ? fuseLoops(expanded, new Set(bias.aliasNodes.keys()), options.outputs)
      : null;
    const planned = loops?.graph ?? expanded;
    // Batch norm: forward with its moments, and backward with its parameters' gradients.
    pairBatchNorms(planned, env.shared);
    super(
      planned,
      options,
      wrap(onednnLookup(env)),
      {
        ...bias,
        siblings: new Map([
          ...batchNormSiblings(planned, options.outputs),
          ...loops?.siblings ?? [],
        ]),
      },
      wasmBacking(env.wasm, fusedScratchBytes(planned)),
    );
    this.owned = owned;
    this.scratch = env.scratch;
    this.wasm = env.wasm;
    this.loopFusion = { groups: loops?.groups ?? 0, absorbed: loops?.absorbed ?? 0 };
  }

  /** The loop-fusion groups made (fused nodes) and the nodes they absorbed. */
  readonly loopFusion: { readonly groups: number; readonly absorbed: number };

  /** How many fused nodes run as WebAssembly kernels (the rest run their JavaScript loop). */
  get wasmKernels(): number {
    return this.wasm.kernels;
  }

  /**
   * Compile `graph` on `ctx`; primitives created before a failure are
   * destroyed. `wrap` may wrap the kernel lookup (a profiler timing each op).
   */
  static async create(
    graph: Graph,
    options: CompileOptions,
    ctx: DnnlContext,
    wrap: (k: KernelLookup) => KernelLookup = (k) => k,
  ): Promise<OnednnExecutable> {
    // Without the assembler the fused nodes run their JavaScript loops (kernels/fused.ts).
    await loadAssembler();
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
