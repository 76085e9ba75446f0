/**
 * The WebGPU backend object: probe the provider's device, compile graphs
 * into `WebGpuExecutable`s. The provider is chosen per backend instance
 * (`createWebGpuBackend({ provider })`); the registered `webgpu` backend
 * follows `setWebGpuProvider` / `ACTLAB_WEBGPU_PROVIDER` (default `deno`).
 * @module
 */
import { expandComposites } from "../../core/expand.ts";
import type { Graph } from "../../core/graph.ts";
import type { Availability, Backend, CompileOptions, Executable } from "../backend.ts";
import { acquireDevice, defaultProvider, type WebGpuProvider } from "./device.ts";
import { WebGpuExecutable } from "./executable.ts";
import "./kernels/mod.ts";

/** Options of `createWebGpuBackend`. */
export interface WebGpuBackendOptions {
  /** Device provider; when omitted, the current `setWebGpuProvider` choice at each call. */
  readonly provider?: WebGpuProvider;
}

let chosen: WebGpuProvider | null = null;

/** Choose the provider of the registered `webgpu` backend (the CLI's `--webgpu-provider`). */
export function setWebGpuProvider(provider: WebGpuProvider): void {
  chosen = provider;
}

/** The provider the registered `webgpu` backend uses now. */
export function currentWebGpuProvider(): WebGpuProvider {
  return chosen ?? defaultProvider();
}

/** A WebGPU backend bound to a provider (or following the current choice). */
export function createWebGpuBackend(options: WebGpuBackendOptions = {}): Backend {
  const provider = (): WebGpuProvider => options.provider ?? currentWebGpuProvider();
  return {
    name: "webgpu",
    description:
      "hand-written WGSL kernels on a GPUDevice (Deno's navigator.gpu or npm:webgpu/Dawn); " +
      "one submission per step",
    speedRank: 20,
    async probe(): Promise<Availability> {
      const p = provider();
      try {
        const ctx = await acquireDevice(p);
        return {
          available: true,
          reason: `provider ${p}: ${ctx.adapterName}`,
          fix: "",
        };
      } catch (e) {
        const err = e as Error & { hint?: string };
        return {
          available: false,
          reason: err.message.split("\n")[0],
          fix: err.hint ?? "",
        };
      }
    },
    async compile(graph: Graph, options?: CompileOptions): Promise<Executable> {
      const ctx = await acquireDevice(provider());
      return await WebGpuExecutable.create(ctx, expandComposites(graph), options);
    },
  };
}

/** The registered `webgpu` backend. */
export const webgpuBackend: Backend = createWebGpuBackend();
