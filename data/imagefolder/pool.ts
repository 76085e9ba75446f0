/**
 * A pool of decode workers (Deno Workers running `worker.ts`). Jobs go to
 * the least busy worker; each job's result depends on the job alone, so
 * the worker count changes speed, never pixels. `workers: 0` makes samples
 * on the calling thread (tests, and machines where workers cannot start).
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { makeSample, type SampleJob } from "./sample.ts";
import type { WorkerReply, WorkerRequest } from "./worker.ts";

interface Pending {
  readonly resolve: (pixels: Float32Array) => void;
  readonly reject: (e: Error) => void;
  readonly worker: number;
}

/** Makes samples on a fixed number of workers. */
export class SamplePool {
  private readonly workers: Worker[] = [];
  private readonly busy: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  /** A pool of `workers` decode workers (0: make samples on this thread). */
  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 0) {
      throw new ActlabError(
        `decode workers must be an integer >= 0, got ${size}`,
        "e.g. --workers 2",
      );
    }
    for (let w = 0; w < size; w++) {
      const worker = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
      worker.onmessage = (e: MessageEvent<WorkerReply>) => this.settle(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        this.failAll(
          new ActlabError(`a decode worker failed: ${e.message}`, "report this as a bug"),
        );
      };
      this.workers.push(worker);
      this.busy.push(0);
    }
  }

  /** Make one sample (f32 CHW, raw [0, 1] scale). */
  make(job: SampleJob): Promise<Float32Array> {
    if (this.closed) {
      return Promise.reject(new ActlabError("the decode pool is closed", "open a new task"));
    }
    if (this.size === 0) return makeSample(job);
    let w = 0;
    for (let i = 1; i < this.size; i++) if (this.busy[i] < this.busy[w]) w = i;
    const id = this.nextId++;
    this.busy[w]++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w });
      const request: WorkerRequest = { id, job };
      this.workers[w].postMessage(request);
    });
  }

  private settle(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    this.busy[p.worker]--;
    if ("pixels" in reply) p.resolve(reply.pixels);
    else p.reject(new ActlabError(reply.error, reply.hint));
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.busy.fill(0);
  }

  /** Stop the workers; jobs still pending are rejected. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(
      new ActlabError("the decode pool was closed", "do not use a task after disposing it"),
    );
    for (const w of this.workers) w.terminate();
  }
}
