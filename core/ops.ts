/**
 * The op catalogue: importing this module registers every op and exposes the
 * builder functions used to trace models.
 * @module
 */
export * from "./ops/source.ts";
export * from "./ops/elementwise.ts";
export * from "./ops/reduce.ts";
export * from "./ops/movement.ts";
export { Graph, Tensor } from "./graph.ts";
export * from "./ops/indexing.ts";
export * from "./ops/matmul.ts";
export * from "./ops/conv.ts";
export * from "./ops/pool.ts";
export * from "./ops/norm.ts";
export * from "./ops/batch_norm.ts";
