/** Reference kernels for reshape, transpose and broadcast_to. @module */
import { sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { stridesOf } from "../../../core/shape.ts";
import { registerKernel } from "../kernel.ts";
import { broadcastIndex } from "./broadcast.ts";

registerKernel("reshape", () => (out, [x]) => out.set(x));

registerKernel("transpose", (node, [x]) => {
  const perm = attrsOf(node, "transpose").perm;
  const inStrides = stridesOf(x.shape);
  const st = perm.map((p) => inStrides[p]);
  const shape = node.shape;
  const n = sizeOf(shape);
  const idx = new Int32Array(n);
  const counter = new Array<number>(shape.length).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    idx[i] = src;
    for (let ax = shape.length - 1; ax >= 0; ax--) {
      counter[ax]++;
      src += st[ax];
      if (counter[ax] < shape[ax]) break;
      src -= st[ax] * shape[ax];
      counter[ax] = 0;
    }
  }
  return (out, [a]) => {
    for (let i = 0; i < n; i++) out[i] = a[idx[i]];
  };
});

registerKernel("broadcast_to", (node, [x]) => {
  const idx = broadcastIndex(x.shape, node.shape);
  return (out, [a]) => {
    if (!idx) out.set(a);
    else for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]];
  };
});
