/** Registers every host (specialised TypeScript) kernel of the onednn-cpu backend. @module */
import "./layer_norm.ts";
import "./pool.ts";
import "./reduce.ts";
import "./softmax.ts";
