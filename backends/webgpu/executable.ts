/**
 * The WebGPU executable: buffers allocated once from `core/plan`'s liveness
 * plan (buffers.ts), pipelines and bind groups built once (steps.ts,
 * pipeline_cache.ts), and every run recorded into one command encoder with
 * one submit and at most one `mapAsync` (all requested outputs are copied
 * into one staging buffer). State lives in GPU buffers between runs and is
 * read back only by `readState`.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Graph } from "../../core/graph.ts";
import { type HostTensor, sizeOf, type TensorData } from "../../core/host_tensor.ts";
import type { CompileOptions, ExecStats } from "../backend.ts";
import { ExecutableBase, type Feed, type StateEntry } from "../executable_base.ts";
import {
  allocateNodes,
  encodeStateCopies,
  GpuBuffers,
  HOST_OPS,
  layoutOutputs,
  type NodeBuffers,
  type OutputLayout,
  planStateCopies,
  type StateCopies,
} from "./buffers.ts";
import { checkAlive, type GpuContext } from "./device.ts";
import { checkDiagnostics, DIAG_BYTES } from "./diagnostics.ts";
import { deviceLimits } from "./dispatch.ts";
import { profileSteps } from "./profile.ts";
import { encodeSteps, nodeSteps, type Step, type StepContext } from "./steps.ts";
import { fromDevice, mapRead, toDevice } from "./transfer.ts";

/** Counters of the WebGPU executable (the common ones plus GPU traffic). */
export interface WebGpuExecStats extends ExecStats {
  /** Queue submissions over all runs (one per run). */
  readonly submits: number;
  /** `mapAsync` readbacks over all runs (at most one per run). */
  readonly readbacks: number;
  /** Compute dispatches recorded per run. */
  readonly dispatchesPerRun: number;
  /** Distinct compute pipelines this executable uses. */
  readonly pipelines: number;
  /** Bytes of GPU buffers this executable allocated. */
  readonly gpuBytes: number;
}

/** What `build` produces: everything a run replays. */
interface Program {
  readonly buffers: NodeBuffers;
  readonly steps: readonly Step[];
  readonly diag: GPUBuffer | null;
  readonly outputs: OutputLayout;
  readonly stateCopies: StateCopies;
}

/** Executable produced by the WebGPU backend (create with `WebGpuExecutable.create`). */
export class WebGpuExecutable extends ExecutableBase {
  private readonly ctx: GpuContext;
  private readonly device: GPUDevice;
  private readonly mem: GpuBuffers;
  private readonly pipelines = new Set<GPUComputePipeline>();
  private program: Program | null = null;
  private submits = 0;
  private readbacks = 0;

  private constructor(ctx: GpuContext, graph: Graph, options: CompileOptions) {
    super(graph, options);
    this.ctx = ctx;
    this.device = ctx.device;
    this.mem = new GpuBuffers(ctx.device);
  }

  /** Plan, allocate, compile pipelines and bind groups; validation errors surface here. */
  static async create(
    ctx: GpuContext,
    graph: Graph,
    options: CompileOptions = {},
  ): Promise<WebGpuExecutable> {
    const t0 = performance.now();
    if (options.precision === "f64") {
      throw new ActlabError(
        "webgpu: precision f64 is not supported (WGSL has no portable float64)",
        "use precision f32 (the default), or the reference backend for float64 gradient checks",
      );
    }
    checkAlive(ctx);
    const exe = new WebGpuExecutable(ctx, graph, options);
    exe.device.pushErrorScope("validation");
    exe.device.pushErrorScope("out-of-memory");
    let buildError: unknown = null;
    try {
      exe.program = exe.build();
    } catch (e) {
      buildError = e;
    }
    const oom = await exe.device.popErrorScope();
    const invalid = await exe.device.popErrorScope();
    if (buildError || oom || invalid) exe.dispose();
    if (buildError) throw buildError;
    if (oom) {
      throw new ActlabError(
        `webgpu (${ctx.provider}): out of GPU memory allocating ${exe.mem.bytes} bytes: ${oom.message}`,
        "use a smaller batch or model",
      );
    }
    if (invalid) {
      throw new ActlabError(
        `webgpu (${ctx.provider}): a kernel failed validation: ${invalid.message}`,
        "this is a bug in backends/webgpu; run the graph on --backend reference meanwhile",
      );
    }
    exe.compiled(performance.now() - t0);
    return exe;
  }

  /** Allocate buffers, plan every node's steps, the output readback and the state updates. */
  private build(): Program {
    const g = this.graph;
    const limits = deviceLimits(this.device);
    const buffers = allocateNodes(g, this.plan, this.states.values(), this.mem, limits.maxBinding);
    const ctx: StepContext = {
      graph: g,
      mem: this.mem,
      nodeBuf: buffers.node,
      limits,
      pipelines: this.pipelines,
      diag: null,
    };
    const steps: Step[] = [];
    for (const id of this.plan.order) {
      if (!HOST_OPS.has(g.nodes[id].op)) steps.push(...nodeSteps(g.nodes[id], ctx));
    }
    const outputs = layoutOutputs(g, this.outputNames, ctx.diag !== null, this.mem);
    const stateCopies = planStateCopies(this.states.values(), buffers, this.mem);
    return { buffers, steps, diag: ctx.diag, outputs, stateCopies };
  }

  protected override checkUsable(method: string): void {
    super.checkUsable(method);
    checkAlive(this.ctx);
  }

  /** Upload the feeds into their buffers. */
  private upload(p: Program, feeds: readonly Feed[]): void {
    for (const { node, value } of feeds) {
      if (value.data.length) {
        this.device.queue.writeBuffer(p.buffers.node[node.id], 0, toDevice(node.dtype, value.data));
      }
    }
  }

  protected async execute(feeds: readonly Feed[]): Promise<Record<string, HostTensor>> {
    const p = this.program!;
    this.upload(p, feeds);
    const enc = this.device.createCommandEncoder();
    encodeSteps(enc, p.steps);
    const { outputs, staging, diagOffset } = p.outputs;
    // Outputs are copied before state is overwritten: an output may be a state's old value.
    for (const o of outputs) {
      const bytes = sizeOf(o.node.shape) * 4;
      if (bytes) enc.copyBufferToBuffer(p.buffers.node[o.node.id], 0, staging!, o.offset, bytes);
    }
    if (p.diag) {
      enc.copyBufferToBuffer(p.diag, 0, staging!, diagOffset, DIAG_BYTES);
      enc.clearBuffer(p.diag);
    }
    encodeStateCopies(enc, p.stateCopies);
    this.device.queue.submit([enc.finish()]);
    this.submits++;
    let words = new ArrayBuffer(0);
    if (staging) {
      words = await mapRead(this.ctx, staging);
      this.readbacks++;
      if (p.diag) checkDiagnostics(this.graph, new Uint32Array(words, diagOffset, 4));
    } else {
      // Nothing to read: still wait, so a run's end means its work is done.
      await this.device.queue.onSubmittedWorkDone();
      checkAlive(this.ctx);
    }
    const out: Record<string, HostTensor> = {};
    for (const o of outputs) {
      const n = staging ? sizeOf(o.node.shape) : 0;
      out[o.name] = {
        dtype: o.node.dtype,
        shape: o.node.shape,
        data: fromDevice(o.node.dtype, words, o.offset, n),
      };
    }
    return out;
  }

  /**
   * Time every step on its own (one submission and wait each) and total the
   * milliseconds per op: a diagnostic for finding slow kernels, not a run
   * (state is not updated and no outputs are returned).
   */
  async profile(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, number>> {
    this.checkUsable("profile()");
    const p = this.program!;
    this.upload(p, this.checkFeeds(feeds));
    return await profileSteps(this.ctx, p.steps);
  }

  protected async readStateData(entries: readonly StateEntry[]): Promise<TensorData[]> {
    const state = this.program!.buffers.state;
    const offsets: number[] = [];
    let total = 0;
    for (const { node } of entries) {
      offsets.push(total);
      total += sizeOf(node.shape) * 4;
    }
    let words = new ArrayBuffer(0);
    if (total > 0) {
      const staging = this.device.createBuffer({
        size: Math.ceil(total / 16) * 16,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      const enc = this.device.createCommandEncoder();
      entries.forEach(({ name, node }, k) => {
        const bytes = sizeOf(node.shape) * 4;
        if (bytes) enc.copyBufferToBuffer(state.get(name)!, 0, staging, offsets[k], bytes);
      });
      this.device.queue.submit([enc.finish()]);
      try {
        words = await mapRead(this.ctx, staging);
        this.readbacks++;
      } finally {
        staging.destroy();
      }
    }
    return entries.map(({ node }, k) => {
      const n = sizeOf(node.shape);
      return fromDevice(node.dtype, words, n ? offsets[k] : 0, n);
    });
  }

  protected writeStateData(values: readonly (readonly [StateEntry, HostTensor])[]): void {
    const state = this.program!.buffers.state;
    for (const [{ name, node }, v] of values) {
      if (v.data.length) {
        this.device.queue.writeBuffer(state.get(name)!, 0, toDevice(node.dtype, v.data));
      }
    }
  }

  override stats(): WebGpuExecStats {
    return {
      ...super.stats(),
      submits: this.submits,
      readbacks: this.readbacks,
      dispatchesPerRun: (this.program?.steps ?? []).filter((s) => s.kind === "dispatch").length,
      pipelines: this.pipelines.size,
      gpuBytes: this.mem.bytes,
      deviceBytes: this.mem.bytes,
    };
  }

  protected release(): void {
    this.mem.destroy();
    this.program = null;
  }
}
