/** Registers every tfjs kernel. @module */
import "./elementwise.ts";
import "./movement.ts";
import "./reduce.ts";
import "./matmul.ts";
import "./indexing.ts";
import "./conv.ts";
import "./pool.ts";
