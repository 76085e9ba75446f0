/** Registers the built-in backends. @module */
import { registerBackend } from "./registry.ts";
import { referenceBackend } from "./reference/mod.ts";
import { webgpuBackend } from "./webgpu/mod.ts";
import { ortCpuBackend, ortCudaBackend } from "./ort/mod.ts";

registerBackend(referenceBackend);
registerBackend(webgpuBackend);
registerBackend(ortCpuBackend);
registerBackend(ortCudaBackend);
import { onednnCpuBackend } from "./onednn/mod.ts";
import { tfjsCpuBackend, tfjsGpuBackend, tfjsNodeBackend, tfjsWasmBackend } from "./tfjs/mod.ts";

registerBackend(tfjsGpuBackend);
registerBackend(tfjsNodeBackend);
registerBackend(tfjsWasmBackend);
registerBackend(tfjsCpuBackend);
registerBackend(onednnCpuBackend);
