/** Registers every WebGPU kernel. @module */
import "./elementwise.ts";
import "./reduce.ts";
import "./movement.ts";
import "./indexing.ts";
import "./matmul.ts";
import "./conv.ts";
import "./pool.ts";
import "./norm.ts";
