/**
 * A node's planned passes turned into recorded steps — a pipeline with its
 * bind group and workgroup grid, or a buffer copy — built once at compile
 * time and replayed by every run into one command encoder.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Graph, Node } from "../../core/graph.ts";
import { DIAG_BYTES } from "./diagnostics.ts";
import { type DeviceLimits, workgroupGrid } from "./dispatch.ts";
import { type GpuBuffers, storageUsage } from "./buffers.ts";
import { type BufferRef, getGpuKernel, type Pass } from "./kernel.ts";
import { cachedPipeline } from "./pipeline_cache.ts";

/** One recorded step of a run. */
export type Step =
  | {
    readonly kind: "dispatch";
    readonly op: string;
    readonly pipeline: GPUComputePipeline;
    readonly bindGroup: GPUBindGroup;
    readonly wg: readonly [number, number, number];
  }
  | {
    readonly kind: "copy";
    readonly op: string;
    readonly src: GPUBuffer;
    readonly dst: GPUBuffer;
    readonly bytes: number;
    readonly srcOff: number;
    readonly dstOff: number;
  };

/** What step planning allocates from and records into. */
export interface StepContext {
  /** The executable's graph. */
  readonly graph: Graph;
  /** Its buffers (scratch and uniform buffers are allocated here). */
  readonly mem: GpuBuffers;
  /** Buffer of each node, by id. */
  readonly nodeBuf: readonly GPUBuffer[];
  /** The device's limits. */
  readonly limits: DeviceLimits;
  /** Every pipeline the steps use (for stats). */
  readonly pipelines: Set<GPUComputePipeline>;
  /** The diagnostics buffer, allocated by the first kernel that writes it. */
  diag: GPUBuffer | null;
}

/** Plan node `n`'s passes (and their scratch buffers) as steps. */
export function nodeSteps(n: Node, ctx: StepContext): Step[] {
  const inputs = n.inputs.map((i) => ctx.graph.nodes[i]);
  const kp = getGpuKernel(n.op)({ node: n, inputs, limits: ctx.limits });
  const scratch = (kp.scratchBytes ?? []).map((b, k) =>
    ctx.mem.alloc(b, storageUsage(), `${n.op}#${n.id} scratch${k}`)
  );
  const resolve = (r: BufferRef): GPUBuffer => {
    if (r.kind === "out") return ctx.nodeBuf[n.id];
    if (r.kind === "in") return ctx.nodeBuf[n.inputs[r.index]];
    if (r.kind === "scratch") return scratch[r.index];
    return ctx.diag ??= ctx.mem.alloc(DIAG_BYTES, storageUsage(), "diagnostics");
  };
  return kp.passes.map((p) => passStep(n, p, resolve, ctx));
}

/** Turn a planned pass into a step (pipeline, bind group, workgroup grid). */
function passStep(
  n: Node,
  p: Pass,
  resolve: (r: BufferRef) => GPUBuffer,
  ctx: StepContext,
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
  const device = ctx.mem.device;
  const compiled = cachedPipeline(device, p.code, `${n.op}#${n.id}`);
  const storageCount = compiled.bindings.filter((b) => b.type !== "uniform").length;
  if (storageCount > ctx.limits.maxStorageBuffersPerShaderStage) {
    throw new ActlabError(
      `webgpu: the ${n.op} kernel binds ${storageCount} storage buffers but this device ` +
        `allows ${ctx.limits.maxStorageBuffersPerShaderStage} per shader stage`,
      "split the op into smaller ones",
    );
  }
  ctx.pipelines.add(compiled.pipeline);
  let uniformBuf: GPUBuffer | null = null;
  if (p.uniforms) {
    const usage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    uniformBuf = ctx.mem.alloc(p.uniforms.byteLength, usage, `${n.op}#${n.id} uniforms`);
    device.queue.writeBuffer(uniformBuf, 0, p.uniforms);
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
  const bindGroup = device.createBindGroup({
    layout: compiled.layout,
    entries,
    label: `${n.op}#${n.id}`,
  });
  const wg = workgroupGrid(n.op, p.workgroups, ctx.limits.maxPerDim);
  return { kind: "dispatch", op: n.op, pipeline: compiled.pipeline, bindGroup, wg };
}

/** Record `steps` into `enc`: consecutive dispatches share one compute pass. */
export function encodeSteps(enc: GPUCommandEncoder, steps: readonly Step[]): void {
  let pass: GPUComputePassEncoder | null = null;
  for (const s of steps) {
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
}
