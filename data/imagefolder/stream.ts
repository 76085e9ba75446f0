/**
 * Batches of an image-folder split, streamed: samples are decoded and
 * augmented by a `SamplePool` while the step runs, at most `prefetch`
 * batches ahead, so an epoch of any size runs in memory bounded by
 * prefetch × batch, and the step waits only when decoding is slower than
 * it. The epoch's order is `epochOrder(n, seed, epoch)`, as for in-memory
 * datasets, and a sample depends only on (seed, epoch, index): batches are
 * identical whatever the worker count and however a run is resumed.
 * @module
 */
import type { Batch } from "../loader.ts";
import { epochOrder, evalBatchCount, trainBatchCount } from "../loader.ts";
import { ActlabError } from "../../core/errors.ts";
import type { SamplePool } from "./pool.ts";
import type { FolderAugment, SampleJob } from "./sample.ts";
import type { ImageFolderIndex } from "./scan.ts";

/** How samples of a split are made. */
export interface StreamOptions {
  /** Output side length S. */
  readonly size: number;
  /** Evaluation crop fraction (timm's crop_pct). */
  readonly cropPct: number;
  /** Batches made ahead of the one being consumed (≥ 1). */
  readonly prefetch: number;
  /** Training augmentation (and, for `paper`/`weak`, the PIL-exact eval transform). */
  readonly augment: FolderAugment;
  /** Normalisation the graph applies (for random erasing). */
  readonly mean: readonly number[];
  /** See `mean`. */
  readonly std: readonly number[];
}

/** One split of an image folder, streamed through a pool. */
export class ImageFolderStream {
  /** A stream over `index`'s images, made by `pool`. */
  constructor(
    readonly index: ImageFolderIndex,
    private readonly pool: SamplePool,
    readonly options: StreamOptions,
  ) {
    if (!(Number.isInteger(options.prefetch) && options.prefetch >= 1)) {
      throw new ActlabError(`prefetch must be an integer >= 1, got ${options.prefetch}`, "e.g. 4");
    }
  }

  /** Images in the split. */
  get n(): number {
    return this.index.files.length;
  }

  /** Make the samples of `indices` and lay them out as one batch of `batchSize` rows. */
  private async makeBatch(
    indices: Int32Array,
    batchSize: number,
    job: (i: number) => SampleJob,
    index: number,
  ): Promise<Batch> {
    const s = this.options.size;
    const size = 3 * s * s;
    const pixels = await Promise.all([...indices].map((i) => this.pool.make(job(i))));
    const x = new Float32Array(batchSize * size);
    const labels = new Int32Array(batchSize);
    pixels.forEach((p, r) => {
      x.set(p, r * size);
      labels[r] = this.index.labels[indices[r]];
    });
    return { x, labels, valid: indices.length, index, indices };
  }

  /** Batches `from`..`count`−1, `prefetch` ahead; pending work is left handled on early exit. */
  private async *prefetched(
    from: number,
    count: number,
    make: (b: number) => Promise<Batch>,
  ): AsyncGenerator<Batch> {
    const queue: Promise<Batch>[] = [];
    let next = from;
    try {
      while (next < count || queue.length) {
        while (next < count && queue.length < this.options.prefetch) queue.push(make(next++));
        yield await queue.shift()!;
      }
    } finally {
      // A consumer that stops early leaves batches in flight: their results (or errors) are dropped.
      for (const p of queue) p.catch(() => {});
    }
  }

  /** The training batches of `epoch` (full batches only), from `startBatch` on. */
  trainBatches(o: {
    batchSize: number;
    seed: number;
    epoch: number;
    startBatch: number;
  }): AsyncGenerator<Batch> {
    const count = trainBatchCount(this.n, o.batchSize);
    if (count === 0) {
      throw new ActlabError(
        `${this.index.dir} has ${this.n} images, fewer than one batch of ${o.batchSize}`,
        "lower --batch-size or add images",
      );
    }
    const order = epochOrder(this.n, o.seed, o.epoch);
    const job = (i: number): SampleJob => ({
      path: this.index.files[i],
      size: this.options.size,
      mode: "train",
      cropPct: this.options.cropPct,
      augment: this.options.augment,
      mean: this.options.mean,
      std: this.options.std,
      seed: o.seed,
      epoch: o.epoch,
      index: i,
    });
    return this.prefetched(
      o.startBatch,
      count,
      (b) =>
        this.makeBatch(order.subarray(b * o.batchSize, (b + 1) * o.batchSize), o.batchSize, job, b),
    );
  }

  /** Every image once, in order, the last batch zero-padded. */
  evalBatches(batchSize: number): AsyncGenerator<Batch> {
    const count = evalBatchCount(this.n, batchSize);
    const job = (i: number): SampleJob => ({
      path: this.index.files[i],
      size: this.options.size,
      mode: "eval",
      cropPct: this.options.cropPct,
      augment: this.options.augment,
      mean: this.options.mean,
      std: this.options.std,
      seed: 0,
      epoch: 0,
      index: i,
    });
    return this.prefetched(0, count, (b) => {
      const first = b * batchSize;
      const idx = new Int32Array(Math.min(batchSize, this.n - first)).map((_, r) => first + r);
      return this.makeBatch(idx, batchSize, job, b);
    });
  }
}
