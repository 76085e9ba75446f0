/**
 * WebGPU device providers. `deno` uses Deno's built-in `navigator.gpu`
 * (wgpu; on CPU-only machines Mesa's lavapipe), `dawn` uses `npm:webgpu`
 * (Google's Dawn). A missing adapter, a failed device request or a lost
 * device is an `ActlabError` naming the provider, what was tried and the
 * fix — never a silent fallback to another provider or backend.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";

/** Where the `GPUDevice` comes from. */
export type WebGpuProvider = "deno" | "dawn";

/** Every provider name, for option parsing and messages. */
export const WEBGPU_PROVIDERS: readonly WebGpuProvider[] = ["deno", "dawn"];

/** A device plus what the backend needs to know about it. */
export interface GpuContext {
  /** The provider that created the device. */
  readonly provider: WebGpuProvider;
  /** The device; shared by every executable compiled with this provider. */
  readonly device: GPUDevice;
  /** One line naming the adapter, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  readonly adapterName: string;
  /** Set once the device is lost; every later use throws this error. */
  lostError: ActlabError | null;
}

/** The fix shown for a missing or failing adapter, per provider. */
export function providerFix(provider: WebGpuProvider): string {
  return provider === "deno"
    ? "install a Vulkan driver (CPU-only machines: `apt-get install -y mesa-vulkan-drivers`, " +
      "which provides lavapipe) and set XDG_RUNTIME_DIR (e.g. XDG_RUNTIME_DIR=/tmp); " +
      "or use another backend (--backend reference)"
    : "Dawn needs a Vulkan driver with features Debian 12's Mesa 22 lacks: install Mesa >= 25 " +
      "(bookworm-backports: `apt-get install -t bookworm-backports mesa-vulkan-drivers`) or a " +
      "vendor driver, set XDG_RUNTIME_DIR, or use --webgpu-provider deno";
}

function providerLabel(provider: WebGpuProvider): string {
  return provider === "deno" ? "Deno's built-in navigator.gpu" : "npm:webgpu (Dawn)";
}

/** Default provider: `ACTLAB_WEBGPU_PROVIDER` when set and readable, else `deno`. */
export function defaultProvider(): WebGpuProvider {
  let v: string | undefined;
  try {
    v = Deno.env.get("ACTLAB_WEBGPU_PROVIDER");
  } catch {
    // No --allow-env: the environment cannot choose, so the default stands.
    v = undefined;
  }
  if (v === undefined || v === "") return "deno";
  return checkProvider(v);
}

/** Validate a provider name from user input. */
export function checkProvider(name: string): WebGpuProvider {
  if (!(WEBGPU_PROVIDERS as readonly string[]).includes(name)) {
    throw new ActlabError(
      `unknown WebGPU provider "${name}"`,
      `use one of: ${WEBGPU_PROVIDERS.join(", ")}`,
    );
  }
  return name as WebGpuProvider;
}

/**
 * Without XDG_RUNTIME_DIR, wgpu's Vulkan window-system probing prints
 * "XDG_RUNTIME_DIR is invalid" twice on every adapter request, although
 * compute never needs a display. Point it at the temp dir when unset (and
 * when env access is allowed) so `--backend auto` stays quiet.
 */
function quietWindowSystemProbe(): void {
  try {
    if (Deno.build.os === "linux" && !Deno.env.get("XDG_RUNTIME_DIR")) {
      Deno.env.set("XDG_RUNTIME_DIR", "/tmp");
    }
  } catch {
    // No --allow-env: the lines are printed, nothing else changes.
  }
}

async function loadGpu(provider: WebGpuProvider): Promise<GPU> {
  if (provider === "deno") {
    quietWindowSystemProbe();
    const gpu = (navigator as { gpu?: GPU }).gpu;
    if (!gpu) {
      throw new ActlabError(
        "webgpu (provider deno): navigator.gpu is missing in this Deno",
        "use Deno >= 2 (WebGPU is built in; older versions need --unstable-webgpu)",
      );
    }
    return gpu;
  }
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    // A computed specifier keeps the 130 MB package out of the static module
    // graph: only sessions that choose Dawn download it.
    const spec = ["npm:webgpu", "0.6.2"].join("@");
    mod = await import(spec);
  } catch (e) {
    throw new ActlabError(
      `webgpu (provider dawn): cannot load npm:webgpu: ${(e as Error).message}`,
      "make the npm registry reachable once (deno caches the package) and allow --allow-ffi, " +
        "or use --webgpu-provider deno",
    );
  }
  // Dawn's objects check `instanceof` against its own classes, so its globals
  // must be installed where none exist yet (Deno's own stay untouched).
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  return mod.create([]);
}

const contexts = new Map<WebGpuProvider, Promise<GpuContext>>();

/**
 * The shared device of `provider`, created on first use. Failures are not
 * cached, so a fixed environment can be retried in the same process.
 */
export function acquireDevice(provider: WebGpuProvider): Promise<GpuContext> {
  let p = contexts.get(provider);
  if (!p) {
    p = loadGpu(provider).then((gpu) => openDevice(provider, gpu));
    contexts.set(provider, p);
    p.catch(() => contexts.delete(provider));
  }
  return p;
}

/**
 * Open a new (unshared) device on `gpu`, labelled as coming from `provider`.
 * `acquireDevice` is the cached entry point; this one lets tests inject a
 * `GPU` object to exercise the failure paths.
 */
export async function openDevice(provider: WebGpuProvider, gpu: GPU): Promise<GpuContext> {
  const label = providerLabel(provider);
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (e) {
    throw new ActlabError(
      `webgpu (provider ${provider}): ${label}.requestAdapter() failed: ${(e as Error).message}`,
      providerFix(provider),
    );
  }
  if (!adapter) {
    throw new ActlabError(
      `webgpu (provider ${provider}): ${label}.requestAdapter() returned no adapter ` +
        "(no usable Vulkan/Metal/D3D12 driver was found)",
      providerFix(provider),
    );
  }
  // Ask for the adapter's own maxima: the defaults (8 storage buffers,
  // 128 MiB bindings) are lower than what most adapters offer.
  const a = adapter.limits;
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
    maxBufferSize: a.maxBufferSize,
    maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: a.maxComputeWorkgroupSizeY,
  };
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (e) {
    throw new ActlabError(
      `webgpu (provider ${provider}): requestDevice() on adapter "${adapterName(adapter)}" ` +
        `failed: ${(e as Error).message}`,
      providerFix(provider),
    );
  }
  const ctx: GpuContext = { provider, device, adapterName: adapterName(adapter), lostError: null };
  device.lost.then((info) => {
    ctx.lostError = new ActlabError(
      `webgpu (provider ${provider}): the device on "${ctx.adapterName}" was lost ` +
        `(${info.reason}: ${info.message})`,
      "compile the graph again (a new device is requested); if it keeps happening, " +
        providerFix(provider),
    );
    // Only forget the shared context if this device is the shared one.
    contexts.get(provider)?.then((shared) => {
      if (shared === ctx) contexts.delete(provider);
    });
  });
  return ctx;
}

function adapterName(adapter: GPUAdapter): string {
  const info = adapter.info;
  const parts = [info.description, info.vendor && `vendor ${info.vendor}`].filter((s) => s);
  return parts.join(", ") || "unnamed adapter";
}

/** Throw the device-lost error if the device is gone. */
export function checkAlive(ctx: GpuContext): void {
  if (ctx.lostError) throw ctx.lostError;
}
