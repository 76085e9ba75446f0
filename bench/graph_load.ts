/**
 * Time one graph dataset load (a manual tool, not part of `deno task bench`):
 *
 *   /usr/bin/python3 bench/make_large_graphs.py /tmp/graphs
 *   /usr/bin/time -v deno run -A bench/graph_load.ts dgraphfin /tmp/graphs
 *   /usr/bin/time -v deno run -A bench/graph_load.ts ogbn-arxiv /tmp/graphs
 *
 * Prints the load's wall time and the graph's size; `/usr/bin/time -v`
 * reports the peak RSS ("Maximum resident set size").
 * @module
 */
import { getGraphDataset } from "../data/graph/mod.ts";

const [name, dataDir] = Deno.args;
if (!name || !dataDir) {
  console.error("usage: deno run -A bench/graph_load.ts <dataset> <data-dir>");
  Deno.exit(2);
}
const t0 = performance.now();
const g = await getGraphDataset(name).load({ dataDir });
const s = (performance.now() - t0) / 1000;
const mem = Deno.memoryUsage();
console.log(
  `${name}: ${g.numNodes} nodes, ${g.edgeSrc.length} directed edges, ${g.numFeatures} features, ` +
    `splits ${g.splits.train.length}/${g.splits.val.length}/${g.splits.test.length}; ` +
    `load ${s.toFixed(2)} s, rss at end ${(mem.rss / 2 ** 20).toFixed(0)} MiB`,
);
