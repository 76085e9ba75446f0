/**
 * Reference kernels for softmax, log-softmax and layer norm. Softmaxes
 * subtract the maximum first so large logits cannot overflow `exp`; every
 * sum is accumulated in float64.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import type { TensorData } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { registerKernel } from "../kernel.ts";

/** View the shape as [outer, n, inner] around `axis`. */
function split(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1, inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}

function softmaxKernel(log: boolean) {
  return (node: Node) => {
    const [outer, n, inner] = split(node.shape, attrsOf(node, ["softmax", "log_softmax"]).axis);
    return (out: TensorData, [x]: readonly TensorData[]) => {
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < inner; k++) {
          const base = o * n * inner + k;
          const end = base + n * inner;
          let m = -Infinity;
          for (let i = base; i < end; i += inner) if (x[i] > m || x[i] !== x[i]) m = x[i];
          // All −∞ (or empty) rows: subtract 0 so exp gives 0 rather than NaN from −∞ − −∞.
          if (m === -Infinity) m = 0;
          let s = 0;
          for (let i = base; i < end; i += inner) s += Math.exp(x[i] - m);
          if (log) {
            const ls = m + Math.log(s);
            for (let i = base; i < end; i += inner) out[i] = x[i] - ls;
          } else {
            for (let i = base; i < end; i += inner) out[i] = Math.exp(x[i] - m) / s;
          }
        }
      }
    };
  };
}

registerKernel("softmax", softmaxKernel(false));
registerKernel("log_softmax", softmaxKernel(true));

registerKernel("layer_norm", (node: Node) => {
  const { numAxes, eps } = attrsOf(node, "layer_norm");
  let n = 1;
  for (let i = node.shape.length - numAxes; i < node.shape.length; i++) n *= node.shape[i];
  const rows = n === 0 ? 0 : node.shape.reduce((p, d) => p * d, 1) / n;
  return (out, [x]) => {
    for (let r = 0; r < rows; r++) {
      const base = r * n;
      let s = 0;
      for (let i = 0; i < n; i++) s += x[base + i];
      const mu = s / n;
      // Two passes: the centred sum of squares does not cancel like E[x²] − E[x]².
      let ss = 0;
      for (let i = 0; i < n; i++) {
        const d = x[base + i] - mu;
        ss += d * d;
      }
      const rs = 1 / Math.sqrt(ss / n + eps);
      for (let i = 0; i < n; i++) out[base + i] = (x[base + i] - mu) * rs;
    }
  };
});
