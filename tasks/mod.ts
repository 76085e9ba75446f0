/**
 * Registers the built-in task kinds (`image`, `node`) and the graph datasets
 * that need no files (`karate`, `sbm`). A new kind of task is one
 * file implementing `Task`/`TaskPlugin` plus one line here.
 * @module
 */
import { registerTask } from "../train/task.ts";
import { imageTaskPlugin } from "./image.ts";
import { nodeTaskPlugin } from "./node.ts";
import "../data/graph/shipped.ts";

registerTask(imageTaskPlugin);
registerTask(nodeTaskPlugin);

export {
  imageBatch,
  type ImageShape,
  type ImageTask,
  imageTask,
  type ImageTaskData,
  imageTaskForShape,
  imageTaskPlugin,
} from "./image.ts";
export { checkGraph, type NodeTask, nodeTask, nodeTaskPlugin } from "./node.ts";
// The graph dataset contract the node task reads (a new dataset is one registered loader).
export {
  getGraphDataset,
  type GraphData,
  type GraphDatasetLoader,
  type GraphLoadOptions,
  type GraphPrimaryMetric,
  listGraphDatasets,
  registerGraphDataset,
} from "../data/graph/types.ts";
export { karateGraph } from "../data/graph/karate.ts";
export { SBM_DEFAULTS, sbmGraph, type SbmOptions } from "../data/graph/synthetic.ts";
export {
  classificationMetrics,
  getTask,
  listTasks,
  type MetricAccumulator,
  registerTask,
  type Task,
  type TaskBatch,
  type TaskInputs,
  type TaskOpenOptions,
  type TaskPlugin,
  type TaskTrainBatchOptions,
} from "../train/task.ts";
