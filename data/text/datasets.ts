/**
 * Registers the text datasets (`sst2`, `ag_news`, `textgcn-r8` …
 * `textgcn-20ng`, `generated`) in the text registry of `types.ts`;
 * importing `data/text/mod.ts` runs this once.
 * @module
 */
import { agNewsLoader } from "./ag_news.ts";
import { generatedTextLoader } from "./generated.ts";
import { sst2Loader } from "./sst2.ts";
import { textGcnLoaders } from "./textgcn_corpus.ts";
import { registerTextDataset } from "./types.ts";

for (const loader of [sst2Loader, agNewsLoader, ...textGcnLoaders, generatedTextLoader]) {
  registerTextDataset(loader);
}
