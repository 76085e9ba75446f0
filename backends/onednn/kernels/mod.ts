/** Registers every oneDNN kernel of the onednn-cpu backend. @module */
import "./matmul.ts";
import "./conv.ts";
import "./binary.ts";
import "./eltwise.ts";
import "./reduce.ts";
import "./softmax.ts";
import "./pool.ts";
import "./transpose.ts";
import "./erf.ts";
import "./batch_norm.ts";
import "./layer_norm.ts";
import "./fused.ts";
