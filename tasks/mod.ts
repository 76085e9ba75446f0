/**
 * Registers the built-in task kinds (`image`, `text`, `node`) and, through
 * `data/graph/mod.ts` and `data/text/mod.ts`, the datasets they read. A new
 * kind of task is one
 * file implementing `Task`/`TaskPlugin` plus one line here.
 * @module
 */
import { registerTask } from "../train/task.ts";
import { imageTaskPlugin } from "./image.ts";
export {
  DEFAULT_MAX_LENGTH,
  setTokenizerFactory,
  textBatch,
  type TextShape,
  type TextTask,
  textTask,
  textTaskForShape,
  type TextTaskOptions,
  textTaskPlugin,
  type TokenizerFactory,
} from "./text.ts";
import { textTaskPlugin } from "./text.ts";
import { nodeTaskPlugin } from "./node.ts";
import "../data/graph/mod.ts";

registerTask(imageTaskPlugin);
registerTask(textTaskPlugin);
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
export { imageFolderTask, openImageFolderTask } from "./image_folder.ts";
export { checkGraph, type NodeTask, nodeTask, nodeTaskPlugin } from "./node.ts";
export {
  classificationMetrics,
  getTask,
  listTasks,
  type MetricAccumulator,
  registerTask,
  type Task,
  type TaskBatch,
  type TaskBatches,
  type TaskInputs,
  type TaskOpenOptions,
  type TaskPlugin,
  type TaskTrainBatchOptions,
} from "../train/task.ts";
