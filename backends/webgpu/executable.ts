/**
 * The WebGPU executable: buffers allocated once from `core/plan`'s liveness
 * plan, pipelines and bind groups built once, and every run recorded into
 * one command encoder with one submit and at most one `mapAsync` (all
 * requested outputs are copied into one staging buffer). State lives in GPU
 * buffers between runs and is read back only by `readState`.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Graph, Node } from "../../core/graph.ts";
import { type DType, type HostTensor, sizeOf, type TensorData } from "../../core/host_tensor.ts";
import { attrsOf } from "../../core/ops/attrs.ts";
import { type Plan, plan as makePlan } from "../../core/plan.ts";
import { fmtShape } from "../../core/shape.ts";
import type { CompileOptions, ExecStats, Executable } from "../backend.ts";
import { checkValue } from "../reference/executable.ts";
import { checkAlive, type GpuContext } from "./device.ts";
import { type BufferRef, getGpuKernel, type KernelLimits, type Pass } from "./kernel.ts";

/** Ops whose values the host provides: feeds, state, constants and `full` (uploaded once). */
export const HOST_OPS: ReadonlySet<string> = new Set(["input", "state", "constant", "full"]);

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

type Step =
  | {
    kind: "dispatch";
    op: string;
    pipeline: GPUComputePipeline;
    bindGroup: GPUBindGroup;
    wg: [number, number, number];
  }
  | {
    kind: "copy";
    op: string;
    src: GPUBuffer;
    dst: GPUBuffer;
    bytes: number;
    srcOff: number;
    dstOff: number;
  };

/** A compiled shader with the bind-group layout its declarations imply. */
interface CompiledPipeline {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  readonly bindings: readonly { binding: number; type: GPUBufferBindingType }[];
}

/** Pipelines per device, keyed by WGSL source (which encodes op, shapes and attributes). */
const pipelineCaches = new WeakMap<GPUDevice, Map<string, CompiledPipeline>>();

/** Host data of a tensor as the GPU stores it (f32 / i32 / u32 words). */
function toDevice(dtype: DType, data: TensorData): BufferSource {
  const own = data.buffer instanceof ArrayBuffer;
  if (dtype === "f32") {
    return data instanceof Float32Array && own
      ? data as Float32Array<ArrayBuffer>
      : Float32Array.from(data);
  }
  if (dtype === "i32") {
    return data instanceof Int32Array && own
      ? data as Int32Array<ArrayBuffer>
      : Int32Array.from(data);
  }
  return Uint32Array.from(data, (v) => (v !== 0 ? 1 : 0));
}

/** Words read back from the GPU as host tensor storage (bool → Uint8Array). */
function fromDevice(dtype: DType, words: ArrayBuffer, offset: number, n: number): TensorData {
  if (dtype === "f32") return new Float32Array(words.slice(offset, offset + 4 * n));
  if (dtype === "i32") return new Int32Array(words.slice(offset, offset + 4 * n));
  return Uint8Array.from(new Uint32Array(words, offset, n));
}

function hostValue(node: Node): HostTensor {
  if (node.op === "constant") return attrsOf(node, "constant").value;
  const v = attrsOf(node, "full").value;
  const n = sizeOf(node.shape);
  const data = node.dtype === "f32"
    ? new Float32Array(n).fill(v)
    : node.dtype === "i32"
    ? new Int32Array(n).fill(Math.trunc(v) | 0)
    : new Uint8Array(n).fill(v !== 0 ? 1 : 0);
  return { dtype: node.dtype, shape: node.shape, data };
}

/** Executable produced by the WebGPU backend (create with `WebGpuExecutable.create`). */
export class WebGpuExecutable implements Executable {
  private readonly ctx: GpuContext;
  private readonly device: GPUDevice;
  private readonly graph: Graph;
  private readonly plan: Plan;
  private readonly outputNames: string[];
  private readonly nodeBuf: GPUBuffer[] = [];
  private readonly owned: GPUBuffer[] = [];
  private readonly steps: Step[] = [];
  private readonly stateBuf = new Map<string, GPUBuffer>();
  private readonly feedIds: number[] = [];
  private readonly outLayout: { name: string; node: Node; offset: number }[] = [];
  private staging: GPUBuffer | null = null;
  private diag: GPUBuffer | null = null;
  private diagOffset = 0;
  private stateSwap: { src: GPUBuffer; tmp: GPUBuffer; dst: GPUBuffer; bytes: number }[] = [];
  private stateCopies: { src: GPUBuffer; dst: GPUBuffer; bytes: number }[] = [];
  private gpuBytes = 0;
  private pipelines = new Set<GPUComputePipeline>();
  private disposed = false;
  private counters = {
    runs: 0,
    compileMs: 0,
    lastRunMs: 0,
    totalRunMs: 0,
    submits: 0,
    readbacks: 0,
  };

  private constructor(ctx: GpuContext, graph: Graph, options: CompileOptions) {
    this.ctx = ctx;
    this.device = ctx.device;
    this.graph = graph;
    this.outputNames = [...(options.outputs ?? graph.outputs.keys())];
    this.plan = makePlan(graph, { outputs: this.outputNames });
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
      exe.build();
    } catch (e) {
      buildError = e;
    }
    const oom = await exe.device.popErrorScope();
    const invalid = await exe.device.popErrorScope();
    if (buildError || oom || invalid) exe.dispose();
    if (buildError) throw buildError;
    if (oom) {
      throw new ActlabError(
        `webgpu (${ctx.provider}): out of GPU memory allocating ${exe.gpuBytes} bytes: ${oom.message}`,
        "use a smaller batch or model",
      );
    }
    if (invalid) {
      throw new ActlabError(
        `webgpu (${ctx.provider}): a kernel failed validation: ${invalid.message}`,
        "this is a bug in backends/webgpu; run the graph on --backend reference meanwhile",
      );
    }
    exe.counters.compileMs = performance.now() - t0;
    return exe;
  }

  /** Device limits the kernels and dispatches plan around. */
  private limits(): KernelLimits & { maxBinding: number; maxPerDim: number } {
    const l = this.device.limits;
    return {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxBinding: Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize),
      maxPerDim: l.maxComputeWorkgroupsPerDimension,
    };
  }

  /** Allocate a GPU buffer this executable owns (at least 16 bytes, 16-byte multiple). */
  private buffer(bytes: number, usage: number, label: string): GPUBuffer {
    // Zero-sized bindings are invalid; empty tensors get a small dummy buffer.
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const b = this.device.createBuffer({ size, usage, label });
    this.owned.push(b);
    this.gpuBytes += size;
    return b;
  }

  /** Allocate buffers, plan every node's passes, outputs and state updates. */
  private build(): void {
    const g = this.graph;
    const lim = this.limits();
    const STORE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    for (const id of this.plan.order) {
      const n = g.nodes[id];
      const bytes = sizeOf(n.shape) * 4;
      if (bytes > lim.maxBinding) {
        throw new ActlabError(
          `webgpu: node #${id} (${n.op}, ${n.dtype}${fmtShape(n.shape)}) needs ${bytes} bytes, ` +
            `but this device binds at most ${lim.maxBinding} bytes per storage buffer`,
          "use a smaller batch or layer, or a device with a larger maxStorageBufferBindingSize",
        );
      }
    }
    // Pooled buffers: the plan's slots, resized for 4-byte bools.
    const slotBytes = new Array<number>(this.plan.bufferBytes.length).fill(0);
    for (const [id, b] of this.plan.bufferOf) {
      if (HOST_OPS.has(g.nodes[id].op)) continue;
      slotBytes[b] = Math.max(slotBytes[b], sizeOf(g.nodes[id].shape) * 4);
    }
    const slots = slotBytes.map((b, i) => this.buffer(b, STORE, `pool${i}`));
    for (const id of this.plan.order) {
      const n = g.nodes[id];
      const bytes = sizeOf(n.shape) * 4;
      if (n.op === "input") {
        this.nodeBuf[id] = this.buffer(bytes, STORE, `feed ${attrsOf(n, "input").name}`);
        this.feedIds.push(id);
      } else if (n.op === "constant" || n.op === "full") {
        const buf = this.buffer(bytes, STORE, `${n.op}#${id}`);
        const v = hostValue(n);
        if (bytes) this.device.queue.writeBuffer(buf, 0, toDevice(n.dtype, v.data));
        this.nodeBuf[id] = buf;
      } else if (n.op !== "state") {
        this.nodeBuf[id] = slots[this.plan.bufferOf.get(id)!];
      }
    }
    for (const [name, slot] of g.states) {
      const n = g.nodes[slot.id];
      const buf = this.buffer(sizeOf(n.shape) * 4, STORE, `state ${name}`);
      this.stateBuf.set(name, buf);
      this.nodeBuf[slot.id] = buf;
    }
    for (const id of this.plan.order) {
      const n = g.nodes[id];
      if (HOST_OPS.has(n.op)) continue;
      this.planNode(n, lim);
    }
    this.planOutputs();
    this.planStateUpdates();
  }

  /** Plan one node's passes and their scratch buffers. */
  private planNode(n: Node, lim: ReturnType<WebGpuExecutable["limits"]>): void {
    const g = this.graph;
    const inputs = n.inputs.map((i) => g.nodes[i]);
    const kp = getGpuKernel(n.op)({ node: n, inputs, limits: lim });
    const scratch = (kp.scratchBytes ?? []).map((b, k) =>
      this.buffer(
        b,
        GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
        `${n.op}#${n.id} scratch${k}`,
      )
    );
    const resolve = (r: BufferRef): GPUBuffer => {
      if (r.kind === "out") return this.nodeBuf[n.id];
      if (r.kind === "in") return this.nodeBuf[n.inputs[r.index]];
      if (r.kind === "scratch") return scratch[r.index];
      this.diag ??= this.buffer(
        16,
        GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
        "diagnostics",
      );
      return this.diag;
    };
    for (const p of kp.passes) this.steps.push(this.makeStep(n, p, resolve, lim));
  }

  /** Turn a planned pass into a recorded step (pipeline, bind group, workgroup counts). */
  private makeStep(
    n: Node,
    p: Pass,
    resolve: (r: BufferRef) => GPUBuffer,
    lim: ReturnType<WebGpuExecutable["limits"]>,
  ): Step {
    if (p.kind === "copy") {
      return {
        kind: "copy",
        op: n.op,
        src: resolve(p.src),
        dst: resolve(p.dst),
        bytes: p.bytes,
        srcOff: p.srcOffset ?? 0,
        dstOff: p.dstOffset ?? 0,
      };
    }
    let cache = pipelineCaches.get(this.device);
    if (!cache) pipelineCaches.set(this.device, cache = new Map());
    let compiled = cache.get(p.code);
    if (!compiled) {
      compiled = this.compilePipeline(p.code, `${n.op}#${n.id}`);
      cache.set(p.code, compiled);
    }
    const storageCount = compiled.bindings.filter((b) => b.type !== "uniform").length;
    if (storageCount > lim.maxStorageBuffersPerShaderStage) {
      throw new ActlabError(
        `webgpu: the ${n.op} kernel binds ${storageCount} storage buffers but this device ` +
          `allows ${lim.maxStorageBuffersPerShaderStage} per shader stage`,
        "split the op into smaller ones",
      );
    }
    this.pipelines.add(compiled.pipeline);
    let uniformBuf: GPUBuffer | null = null;
    if (p.uniforms) {
      uniformBuf = this.buffer(
        p.uniforms.byteLength,
        GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
        `${n.op}#${n.id} uniforms`,
      );
      this.device.queue.writeBuffer(uniformBuf, 0, p.uniforms);
    }
    // Only the bindings the shader declares are bound (a pass may list more buffers).
    const entries: GPUBindGroupEntry[] = compiled.bindings.map((b) => {
      if (b.binding < p.buffers.length) {
        return { binding: b.binding, resource: { buffer: resolve(p.buffers[b.binding]) } };
      }
      if (!uniformBuf) {
        throw new ActlabError(
          `webgpu: the ${n.op} kernel declares binding ${b.binding} but its plan has no buffer for it`,
          "this is a bug in backends/webgpu/kernels",
        );
      }
      return { binding: b.binding, resource: { buffer: uniformBuf } };
    });
    const bindGroup = this.device.createBindGroup({
      layout: compiled.layout,
      entries,
      label: `${n.op}#${n.id}`,
    });
    const pipeline = compiled.pipeline;
    let wg: [number, number, number];
    if (typeof p.workgroups === "number") {
      const total = p.workgroups;
      const x = Math.min(total, lim.maxPerDim);
      const y = Math.ceil(total / x);
      if (y > lim.maxPerDim) {
        throw new ActlabError(
          `webgpu: the ${n.op} kernel needs ${total} workgroups, more than ${lim.maxPerDim}² on this device`,
          "use a smaller batch or layer",
        );
      }
      wg = [x, y, 1];
    } else {
      wg = [...p.workgroups] as [number, number, number];
      if (wg.some((d) => d > lim.maxPerDim)) {
        throw new ActlabError(
          `webgpu: the ${n.op} kernel needs [${wg}] workgroups, over ${lim.maxPerDim} on an axis`,
          "use a smaller batch or layer",
        );
      }
    }
    if (wg.some((d) => d === 0)) wg = [0, 0, 0];
    return { kind: "dispatch", op: n.op, pipeline, bindGroup, wg };
  }

  /**
   * Compile `code` with an explicit bind-group layout read from its
   * declarations, so that a shader may leave some of a pass's buffers unused.
   */
  private compilePipeline(code: string, label: string): CompiledPipeline {
    const bindings: { binding: number; type: GPUBufferBindingType }[] = [];
    for (
      const m of code.matchAll(/@binding\((\d+)\)\s*var<(uniform|storage,\s*(read_write|read))>/g)
    ) {
      const type = m[2] === "uniform"
        ? "uniform"
        : m[3] === "read"
        ? "read-only-storage"
        : "storage";
      bindings.push({ binding: Number(m[1]), type });
    }
    bindings.sort((x, y) => x.binding - y.binding);
    const layout = this.device.createBindGroupLayout({
      label,
      entries: bindings.map((b) => ({
        binding: b.binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: b.type },
      })),
    });
    const module = this.device.createShaderModule({ code, label });
    const pipeline = this.device.createComputePipeline({
      label,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout], label }),
      compute: { module, entryPoint: "main" },
    });
    return { pipeline, layout, bindings };
  }

  /** Lay the requested outputs (and diagnostics) out in one staging buffer. */
  private planOutputs(): void {
    let offset = 0;
    for (const name of this.outputNames) {
      const node = this.graph.nodes[this.graph.outputs.get(name)!];
      this.outLayout.push({ name, node, offset });
      offset += sizeOf(node.shape) * 4;
    }
    this.diagOffset = offset;
    if (this.diag) offset += 16;
    if (offset > 0) {
      this.staging = this.buffer(
        offset,
        GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        "outputs",
      );
    }
  }

  /** Plan the end-of-run copies of state updates into the state buffers. */
  private planStateUpdates(): void {
    const g = this.graph;
    const stateIds = new Set([...g.states.values()].map((s) => s.id));
    for (const [name, slot] of g.states) {
      if (slot.update === undefined || slot.update === slot.id) continue;
      const bytes = sizeOf(g.nodes[slot.id].shape) * 4;
      if (!bytes) continue;
      const src = this.nodeBuf[slot.update];
      const dst = this.stateBuf.get(name)!;
      if (stateIds.has(slot.update)) {
        // Another state's old value: snapshot it first, since that state may be overwritten too.
        const tmp = this.buffer(
          bytes,
          GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
          `swap ${name}`,
        );
        this.stateSwap.push({ src, tmp, dst, bytes });
      } else {
        this.stateCopies.push({ src, dst, bytes });
      }
    }
  }

  async run(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    this.checkUsable();
    const t0 = performance.now();
    const g = this.graph;
    const q = this.device.queue;
    for (const id of this.feedIds) {
      const node = g.nodes[id];
      const name = attrsOf(node, "input").name;
      const v = checkValue("feed", name, node, feeds[name]);
      if (v.data.length) q.writeBuffer(this.nodeBuf[id], 0, toDevice(node.dtype, v.data));
    }
    const enc = this.device.createCommandEncoder();
    let pass: GPUComputePassEncoder | null = null;
    for (const s of this.steps) {
      if (s.kind === "dispatch") {
        pass ??= enc.beginComputePass();
        pass.setPipeline(s.pipeline);
        pass.setBindGroup(0, s.bindGroup);
        pass.dispatchWorkgroups(s.wg[0], s.wg[1], s.wg[2]);
      } else {
        if (pass) {
          pass.end();
          pass = null;
        }
        enc.copyBufferToBuffer(s.src, s.srcOff, s.dst, s.dstOff, s.bytes);
      }
    }
    if (pass) pass.end();
    // Outputs are copied before state is overwritten: an output may be a state's old value.
    for (const o of this.outLayout) {
      const bytes = sizeOf(o.node.shape) * 4;
      if (bytes) enc.copyBufferToBuffer(this.nodeBuf[o.node.id], 0, this.staging!, o.offset, bytes);
    }
    if (this.diag) {
      enc.copyBufferToBuffer(this.diag, 0, this.staging!, this.diagOffset, 16);
      enc.clearBuffer(this.diag);
    }
    for (const s of this.stateSwap) enc.copyBufferToBuffer(s.src, 0, s.tmp, 0, s.bytes);
    for (const s of this.stateCopies) enc.copyBufferToBuffer(s.src, 0, s.dst, 0, s.bytes);
    for (const s of this.stateSwap) enc.copyBufferToBuffer(s.tmp, 0, s.dst, 0, s.bytes);
    q.submit([enc.finish()]);
    this.counters.submits++;
    const out: Record<string, HostTensor> = {};
    if (this.staging) {
      const words = await this.mapRead(this.staging);
      if (this.diag) this.checkDiag(new Uint32Array(words, this.diagOffset, 4));
      for (const o of this.outLayout) {
        const n = sizeOf(o.node.shape);
        out[o.name] = {
          dtype: o.node.dtype,
          shape: o.node.shape,
          data: fromDevice(o.node.dtype, words, o.offset, n),
        };
      }
    } else {
      // Nothing to read: still wait, so a run's end means its work is done.
      await q.onSubmittedWorkDone();
      checkAlive(this.ctx);
      for (const o of this.outLayout) {
        out[o.name] = {
          dtype: o.node.dtype,
          shape: o.node.shape,
          data: fromDevice(o.node.dtype, new ArrayBuffer(0), 0, 0),
        };
      }
    }
    const ms = performance.now() - t0;
    this.counters.runs++;
    this.counters.lastRunMs = ms;
    this.counters.totalRunMs += ms;
    return out;
  }

  /**
   * Time every step on its own (one submission and wait each) and total the
   * milliseconds per op: a diagnostic for finding slow kernels, not a run
   * (state is not updated and no outputs are returned).
   */
  async profile(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, number>> {
    this.checkUsable();
    const g = this.graph;
    for (const id of this.feedIds) {
      const node = g.nodes[id];
      const name = attrsOf(node, "input").name;
      const v = checkValue("feed", name, node, feeds[name]);
      if (v.data.length) {
        this.device.queue.writeBuffer(this.nodeBuf[id], 0, toDevice(node.dtype, v.data));
      }
    }
    await this.device.queue.onSubmittedWorkDone();
    // The cost of an empty submission and wait, subtracted from every step.
    let idle = Infinity;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      this.device.queue.submit([this.device.createCommandEncoder().finish()]);
      await this.device.queue.onSubmittedWorkDone();
      idle = Math.min(idle, performance.now() - t0);
    }
    const ms: Record<string, number> = {};
    for (const s of this.steps) {
      const enc = this.device.createCommandEncoder();
      if (s.kind === "dispatch") {
        const pass = enc.beginComputePass();
        pass.setPipeline(s.pipeline);
        pass.setBindGroup(0, s.bindGroup);
        pass.dispatchWorkgroups(s.wg[0], s.wg[1], s.wg[2]);
        pass.end();
      } else {
        enc.copyBufferToBuffer(s.src, s.srcOff, s.dst, s.dstOff, s.bytes);
      }
      const t0 = performance.now();
      this.device.queue.submit([enc.finish()]);
      await this.device.queue.onSubmittedWorkDone();
      ms[s.op] = (ms[s.op] ?? 0) + Math.max(0, performance.now() - t0 - idle);
    }
    checkAlive(this.ctx);
    return ms;
  }

  /** Turn a diagnostics record set by a kernel into the error the reference backend raises. */
  private checkDiag(d: Uint32Array): void {
    if (d[0] === 0) return;
    const node = this.graph.nodes[d[1]];
    const idxShape = this.graph.nodes[node.inputs[1]].shape;
    const axis = attrsOf(node, ["gather", "scatter_add"]).axis;
    const dim = node.op === "gather"
      ? this.graph.nodes[node.inputs[0]].shape[axis]
      : node.shape[axis];
    let rem = d[3];
    const coords = idxShape.map(() => 0);
    for (let ax = idxShape.length - 1; ax >= 0; ax--) {
      coords[ax] = rem % idxShape[ax];
      rem = Math.floor(rem / idxShape[ax]);
    }
    const pos = idxShape.length ? ` at [${coords}]` : "";
    throw new ActlabError(
      `${node.op}: index ${d[2] | 0}${pos} of the indices is out of range for axis ${axis} ` +
        `of size ${dim} (node #${node.id}, webgpu)`,
      `indices must lie in [0, ${dim - 1}]; check labels/token ids against the table size`,
    );
  }

  /** Map a staging buffer once and copy its contents out. */
  private async mapRead(buf: GPUBuffer): Promise<ArrayBuffer> {
    try {
      await buf.mapAsync(GPUMapMode.READ);
    } catch (e) {
      checkAlive(this.ctx);
      throw new ActlabError(
        `webgpu (${this.ctx.provider}): reading results back failed: ${(e as Error).message}`,
        "compile the graph again; if it persists, run on --backend reference and report the graph",
      );
    }
    this.counters.readbacks++;
    const copy = buf.getMappedRange().slice(0);
    buf.unmap();
    return copy;
  }

  async readState(names?: readonly string[]): Promise<Record<string, HostTensor>> {
    this.checkUsable();
    const list = names ?? [...this.stateBuf.keys()];
    const g = this.graph;
    const layout: { name: string; node: Node; offset: number }[] = [];
    let total = 0;
    for (const name of list) {
      const slot = g.states.get(name);
      if (!slot) {
        throw new ActlabError(
          `unknown state "${name}"`,
          `use one of: ${[...this.stateBuf.keys()].join(", ")}`,
        );
      }
      const node = g.nodes[slot.id];
      layout.push({ name, node, offset: total });
      total += sizeOf(node.shape) * 4;
    }
    const out: Record<string, HostTensor> = {};
    let words = new ArrayBuffer(0);
    if (total > 0) {
      const staging = this.device.createBuffer({
        size: Math.ceil(total / 16) * 16,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      const enc = this.device.createCommandEncoder();
      for (const l of layout) {
        const bytes = sizeOf(l.node.shape) * 4;
        if (bytes) enc.copyBufferToBuffer(this.stateBuf.get(l.name)!, 0, staging, l.offset, bytes);
      }
      this.device.queue.submit([enc.finish()]);
      try {
        words = await this.mapRead(staging);
      } finally {
        staging.destroy();
      }
    }
    for (const l of layout) {
      const n = sizeOf(l.node.shape);
      out[l.name] = {
        dtype: l.node.dtype,
        shape: l.node.shape,
        data: fromDevice(l.node.dtype, words, n ? l.offset : 0, n),
      };
    }
    return out;
  }

  writeState(values: Readonly<Record<string, HostTensor>>): Promise<void> {
    this.checkUsable();
    for (const [name, v] of Object.entries(values)) {
      const slot = this.graph.states.get(name);
      if (!slot) {
        throw new ActlabError(
          `unknown state "${name}"`,
          `use one of: ${[...this.stateBuf.keys()].join(", ")}`,
        );
      }
      const node = this.graph.nodes[slot.id];
      checkValue("state", name, node, v);
      if (v.data.length) {
        this.device.queue.writeBuffer(this.stateBuf.get(name)!, 0, toDevice(node.dtype, v.data));
      }
    }
    return Promise.resolve();
  }

  stats(): WebGpuExecStats {
    return {
      runs: this.counters.runs,
      compileMs: this.counters.compileMs,
      lastRunMs: this.counters.lastRunMs,
      totalRunMs: this.counters.totalRunMs,
      peakBytes: this.plan.peakBytes,
      submits: this.counters.submits,
      readbacks: this.counters.readbacks,
      dispatchesPerRun: this.steps.filter((s) => s.kind === "dispatch").length,
      pipelines: this.pipelines.size,
      gpuBytes: this.gpuBytes,
      deviceBytes: this.gpuBytes,
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
    this.steps.length = 0;
  }

  /** Throw if disposed or if the device was lost. */
  private checkUsable(): void {
    if (this.disposed) {
      throw new ActlabError("run() on a disposed executable", "compile the graph again");
    }
    checkAlive(this.ctx);
  }
}
