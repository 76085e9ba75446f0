/** Registers every lowering rule (one file per op family). @module */
import "./lower_source.ts";
import "./lower_elementwise.ts";
import "./lower_reduce.ts";
import "./lower_movement.ts";
import "./lower_indexing.ts";
import "./lower_matmul.ts";
import "./lower_conv.ts";
import "./lower_pool.ts";
import "./lower_norm.ts";
