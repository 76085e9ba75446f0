/**
 * Registers the built-in task kinds (`image`). A new kind of task is one
 * file implementing `Task`/`TaskPlugin` plus one line here.
 * @module
 */
import { registerTask } from "../train/task.ts";
import { imageTaskPlugin } from "./image.ts";

registerTask(imageTaskPlugin);

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
