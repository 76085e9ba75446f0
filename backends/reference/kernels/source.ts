/** Reference kernels for `full`, `identity` and `stop_gradient`. @module */
import { registerKernel } from "../kernel.ts";

registerKernel("full", (node) => {
  const v = node.attrs.value as number;
  return (out) => out.fill(v);
});

for (const op of ["identity", "stop_gradient"]) {
  registerKernel(op, () => (out, [x]) => out.set(x));
}
