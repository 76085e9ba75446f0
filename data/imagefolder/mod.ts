/**
 * Image-folder datasets (ImageNet-100, ImageNet-1K, any class-folder tree),
 * streamed: scanned in torchvision's order, decoded and cropped by a pool
 * of workers while the step runs.
 * @module
 */
export {
  IMAGE_FOLDER_DATASETS,
  type ImageFolderData,
  imageFolderDefaults,
  type ImageFolderOpenOptions,
  type ImageFolderOptions,
  IMAGENET_MEAN,
  IMAGENET_STD,
  isImageFolderDataset,
  openImageFolder,
} from "./dataset.ts";
export { IMAGENET100_CLASSES } from "./imagenet100.ts";
export { SamplePool } from "./pool.ts";
export { evalGeometry, type FolderAugment, makeSample, type SampleJob } from "./sample.ts";
export { IMAGE_EXTENSIONS, type ImageFolderIndex, scanSplit } from "./scan.ts";
export { ImageFolderStream, type StreamOptions } from "./stream.ts";
