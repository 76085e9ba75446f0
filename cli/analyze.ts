/**
 * `deno task analyze --checkpoint <run>/last.ckpt [--split test] [--out DIR]`:
 * per-class channel responses at every activation site (see
 * `train/analyze.ts`), written as `heatmaps_<split>.svg` and
 * `analysis_<split>.json`.
 * @module
 */
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import "../mod.ts";
import { ActlabError } from "../core/errors.ts";
import { writeAnalysis } from "../analyze/analyze.ts";
import { runMain } from "./common.ts";

const HELP = `usage: deno task analyze --checkpoint FILE [--split test|train] [--out DIR]

Per-class channel responses of a trained model (the DPA paper's Figure 3):
for each activation site, the mean pooled post-activation response of every
channel over the images of each class (class token for ViTs, spatial mean for
CNNs), drawn as a classes × channels heatmap with channels ordered by their
preferred class, plus sparsity (fraction of zero responses) and category
specificity (mean over channels of the largest class's share).
  --checkpoint FILE   checkpoint written by deno task train (required)
  --split NAME        test (default) or train
  --out DIR           where to write heatmaps_<split>.svg and analysis_<split>.json
                      (default: the checkpoint's run directory)
  --backend NAME      backend to run on (default: the run's)
  --data-dir DIR      where to look for the dataset files first
  --help`;

if (import.meta.main) {
  await runMain(async () => {
    const { values } = parseArgs({
      args: Deno.args,
      options: {
        checkpoint: { type: "string" },
        split: { type: "string" },
        out: { type: "string" },
        backend: { type: "string" },
        "data-dir": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return;
    }
    if (!values.checkpoint) {
      throw new ActlabError("--checkpoint is required", "pass --checkpoint runs/<run>/last.ckpt");
    }
    const split = values.split ?? "test";
    if (split !== "test" && split !== "train") {
      throw new ActlabError(`--split must be test or train, got "${split}"`, "e.g. --split test");
    }
    // Everything is computed (and every input validated) before anything is written.
    const { analysis: a, svg: svgPath, json: jsonPath } = await writeAnalysis(
      values.checkpoint,
      values.out ?? dirname(values.checkpoint),
      { split, backend: values.backend, dataDir: values["data-dir"] },
    );
    console.log(
      `${a.model} + ${a.activation} on ${a.dataset} ${split} (${a.images} images, ${a.backend}):`,
    );
    for (const s of a.sites) {
      console.log(
        `  ${s.name.padEnd(24)} C=${String(s.site.channels).padEnd(4)} sparsity ${
          s.sparsity.toFixed(3)
        }  specificity ${s.specificity.toFixed(3)}`,
      );
    }
    console.log(`wrote ${svgPath} and ${jsonPath}`);
  });
}
