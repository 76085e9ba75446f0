/** Registers every host (specialised TypeScript) kernel of the onednn-cpu backend. @module */
import "./elementwise.ts";
import "./indexing.ts";
import "./layer_norm.ts";
import "./movement.ts";
import "./pool.ts";
import "./reduce.ts";
import "./softmax.ts";
import "./fused.ts";
