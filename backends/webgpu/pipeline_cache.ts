/**
 * Compute pipelines, compiled once per device and WGSL source. The source
 * encodes the op, its shape-dependent constants and its attributes, so two
 * nodes with the same source share one pipeline — across executables too.
 * @module
 */

/** A compiled shader with the bind-group layout its declarations imply. */
export interface CompiledPipeline {
  /** The pipeline (entry point `main`). */
  readonly pipeline: GPUComputePipeline;
  /** Its one bind-group layout. */
  readonly layout: GPUBindGroupLayout;
  /** The bindings the shader declares, by binding number. */
  readonly bindings: readonly { binding: number; type: GPUBufferBindingType }[];
}

const caches = new WeakMap<GPUDevice, Map<string, CompiledPipeline>>();

/** The pipeline of `code` on `device`, compiled on first use. */
export function cachedPipeline(device: GPUDevice, code: string, label: string): CompiledPipeline {
  let cache = caches.get(device);
  if (!cache) caches.set(device, cache = new Map());
  let compiled = cache.get(code);
  if (!compiled) {
    compiled = compilePipeline(device, code, label);
    cache.set(code, compiled);
  }
  return compiled;
}

/**
 * Compile `code` with an explicit bind-group layout read from its
 * declarations, so that a shader may leave some of a pass's buffers unused.
 */
function compilePipeline(device: GPUDevice, code: string, label: string): CompiledPipeline {
  const bindings: { binding: number; type: GPUBufferBindingType }[] = [];
  for (
    const m of code.matchAll(/@binding\((\d+)\)\s*var<(uniform|storage,\s*(read_write|read))>/g)
  ) {
    const type = m[2] === "uniform" ? "uniform" : m[3] === "read" ? "read-only-storage" : "storage";
    bindings.push({ binding: Number(m[1]), type });
  }
  bindings.sort((x, y) => x.binding - y.binding);
  const layout = device.createBindGroupLayout({
    label,
    entries: bindings.map((b) => ({
      binding: b.binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: b.type },
    })),
  });
  const module = device.createShaderModule({ code, label });
  const pipeline = device.createComputePipeline({
    label,
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout], label }),
    compute: { module, entryPoint: "main" },
  });
  return { pipeline, layout, bindings };
}
