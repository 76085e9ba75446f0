/** Reference kernels for `full`, `identity` and `stop_gradient`. @module */
import { attrsOf } from "../../../core/ops/attrs.ts";
import { registerKernel } from "../kernel.ts";

registerKernel("full", (node) => {
  const v = attrsOf(node, "full").value;
  return (out) => out.fill(v);
});

for (const op of ["identity", "stop_gradient"]) {
  registerKernel(op, () => (out, [x]) => out.set(x));
}
