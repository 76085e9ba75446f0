/**
 * Per-class channel responses of a trained model (the DPA paper's Figure 3
 * view): for every activation site, the mean over the images of each class
 * of the pooled post-activation response — the class token for token
 * layouts, the spatial mean for NCHW, the vector itself for features — as a
 * [K, C] matrix, with two summary statistics:
 *
 * - sparsity: the fraction of pooled responses (images × channels) that are
 *   exactly zero;
 * - category specificity: for each channel the largest class's share of its
 *   total absolute class-mean response, `max_k |M[k,c]| / Σ_k |M[k,c]|`,
 *   averaged over the channels that respond at all (1/K = indifferent,
 *   1 = fires for one class only).
 *
 * The eval graph gets one extra output per site (the pooled response), so
 * any activation plugin on any backend is analysed the same way.
 * @module
 */
import type { Dataset, Split } from "../data/dataset.ts";
import type { ActivationOutput } from "../plugin/context.ts";
import { poolSite } from "../plugin/site_tensor.ts";
import type { Site } from "../plugin/types.ts";
import { gridSvg, heatmap } from "../plot/mod.ts";
import "../tasks/mod.ts";
import { imageTask } from "../tasks/image.ts";
import { loadCheckpoint } from "../train/checkpoint.ts";
import { writeJsonAtomic, writeTextAtomic } from "../train/files.ts";
import { checkpointConfig } from "../train/restore.ts";
import { Run } from "../train/run.ts";
import { getTask } from "../train/task.ts";

/** One activation site's class-mean matrix and statistics. */
export interface SiteAnalysis {
  /** Scope name of the site, e.g. `blocks.0.mlp.act`. */
  readonly name: string;
  /** The site's layout and pooling. */
  readonly site: Site;
  /** `classMeans[k][c]`: mean pooled response of channel c over the images of class k. */
  readonly classMeans: number[][];
  /** Channels ordered by preferred class (argmax over k), then by that class's share, descending. */
  readonly channelOrder: number[];
  /** Fraction of pooled responses that are exactly zero. */
  readonly sparsity: number;
  /** Mean over responding channels of the largest class's share of |class means|. */
  readonly specificity: number;
  /** Channels whose class means are all zero (left out of `specificity`). */
  readonly silentChannels: number;
}

/** Everything `analyze` reports about one checkpoint on one split. */
export interface Analysis {
  readonly checkpoint: string;
  readonly model: string;
  readonly activation: string;
  readonly dataset: string;
  readonly split: Split;
  readonly backend: string;
  readonly images: number;
  readonly classNames: readonly string[];
  /** Images per class in the split. */
  readonly classCounts: number[];
  readonly sites: SiteAnalysis[];
}

/** Options of `analyzeCheckpoint`. */
export interface AnalyzeOptions {
  readonly split?: Split;
  /** Backend to run on (default: the run's). */
  readonly backend?: string;
  /** Where to look for the dataset first (default: the run's). */
  readonly dataDir?: string;
  /** Use this dataset split instead of loading the run's. */
  readonly dataset?: Dataset;
}

/** Class means and statistics from per-class sums (`sums[k][c]`), counts and the zero count. */
export function siteStatistics(
  sums: readonly Float64Array[],
  counts: readonly number[],
  zeros: number,
  images: number,
): Pick<
  SiteAnalysis,
  "classMeans" | "channelOrder" | "sparsity" | "specificity" | "silentChannels"
> {
  const k = sums.length, c = k ? sums[0].length : 0;
  const classMeans = sums.map((row, i) => Array.from(row, (v) => counts[i] ? v / counts[i] : 0));
  const pref: { ch: number; cls: number; share: number }[] = [];
  let shareSum = 0, responding = 0;
  for (let ch = 0; ch < c; ch++) {
    let total = 0, best = 0, cls = 0;
    for (let i = 0; i < k; i++) {
      const a = Math.abs(classMeans[i][ch]);
      total += a;
      if (a > best) [best, cls] = [a, i];
    }
    const share = total > 0 ? best / total : 0;
    if (total > 0) {
      shareSum += share;
      responding++;
    }
    // Silent channels sort last (class index k).
    pref.push({ ch, cls: total > 0 ? cls : k, share });
  }
  pref.sort((a, b) => a.cls - b.cls || b.share - a.share || a.ch - b.ch);
  return {
    classMeans,
    channelOrder: pref.map((p) => p.ch),
    sparsity: images * c > 0 ? zeros / (images * c) : 0,
    specificity: responding ? shareSum / responding : 0,
    silentChannels: c - responding,
  };
}

/**
 * Analyse the checkpoint at `path` on a split of its own dataset. Missing
 * or corrupt files and checkpoints that do not fit their model are
 * `ActlabError`s; nothing is written.
 */
export async function analyzeCheckpoint(
  path: string,
  options: AnalyzeOptions = {},
): Promise<Analysis> {
  const split = options.split ?? "test";
  const ckpt = await loadCheckpoint(path);
  const config = checkpointConfig(ckpt, path, {
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  const task = options.dataset
    ? imageTask({ eval: options.dataset })
    : await getTask(config.task).create(config, { train: false, evalSplit: split });
  let sites: ActivationOutput[] = [];
  const run = await Run.open(config, {
    task,
    train: false,
    // One extra output per site: its pooled response.
    extendEval: (step) => {
      sites = step.record.activationOutputs;
      sites.forEach((s, i) =>
        step.graph.output(`analyze.${i}`, poolSite("analyze", s.site, s.output))
      );
    },
  });
  const k = task.numClasses;
  const sums = sites.map((s) => Array.from({ length: k }, () => new Float64Array(s.site.channels)));
  const zeros = sites.map(() => 0);
  const counts = new Array<number>(k).fill(0);
  let images = 0;
  try {
    await run.restore(ckpt, path);
    // run.config: a full-batch task (nodes) fixes the batch size.
    for await (const batch of task.evalBatches(run.config.evalBatchSize)) {
      const out = await run.evalOn(batch, 0);
      // Only the first `valid` rows are samples (the rest pad the last batch), and only
      // labelled ones count (a node outside the split has label −1).
      const rows: number[] = [];
      for (let r = 0; r < batch.valid; r++) if (batch.labels[r] >= 0) rows.push(r);
      for (const r of rows) counts[batch.labels[r]]++;
      images += rows.length;
      sites.forEach((s, i) => {
        const v = out[`analyze.${i}`].data, c = s.site.channels;
        for (const r of rows) {
          const row = sums[i][batch.labels[r]];
          for (let ch = 0; ch < c; ch++) {
            const x = v[r * c + ch];
            row[ch] += x;
            if (x === 0) zeros[i]++;
          }
        }
      });
    }
  } finally {
    run.dispose();
  }
  return {
    checkpoint: path,
    model: config.model,
    activation: config.activation,
    dataset: task.dataset,
    split,
    backend: run.backend.name,
    images,
    classNames: task.classNames,
    classCounts: counts,
    sites: sites.map((s, i) => ({
      name: s.name,
      site: s.site,
      ...siteStatistics(sums[i], counts, zeros[i], images),
    })),
  };
}

/** The heatmaps: one panel per site, classes × channels (channels in `channelOrder`). */
export function analysisSvg(a: Analysis): string {
  const panels = a.sites.map((s) =>
    heatmap({
      title: `${a.model} + ${a.activation} · ${s.name} (${s.site.channels} channels)`,
      subtitle: `sparsity ${s.sparsity.toFixed(3)} · category specificity ${
        s.specificity.toFixed(3)
      } · ${s.silentChannels} silent channels`,
      values: s.classMeans.map((row) => s.channelOrder.map((c) => row[c])),
      rowLabels: a.classNames,
      xLabel: `channels ordered by preferred class · ${a.dataset} ${a.split}, ${a.images} images ·`,
    })
  );
  return gridSvg(panels, 1);
}

/** Where `writeAnalysis` puts the heatmaps and the JSON for `split` in `dir`. */
export function analysisFiles(dir: string, split: Split = "test"): { svg: string; json: string } {
  return { svg: `${dir}/heatmaps_${split}.svg`, json: `${dir}/analysis_${split}.json` };
}

/**
 * Analyse the checkpoint at `path` and write `heatmaps_<split>.svg` and
 * `analysis_<split>.json` into `dir` (atomically, after every input has been
 * validated): what `deno task analyze` and `compare` write per run.
 */
export async function writeAnalysis(
  path: string,
  dir: string,
  options: AnalyzeOptions = {},
): Promise<{ analysis: Analysis; svg: string; json: string }> {
  const analysis = await analyzeCheckpoint(path, options);
  const files = analysisFiles(dir, options.split ?? "test");
  await Deno.mkdir(dir, { recursive: true });
  await writeTextAtomic(files.svg, analysisSvg(analysis));
  await writeJsonAtomic(files.json, analysis);
  return { analysis, ...files };
}
