/**
 * A decode worker: makes the samples the pool asks for (`makeSample`) and
 * sends the pixels back (transferred, not copied). Errors go back as their
 * message and hint, so the main thread raises the same `ActlabError`.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { makeSample, type SampleJob } from "./sample.ts";

/** A request: a job id and what to make. */
export interface WorkerRequest {
  /** Job id, echoed in the reply. */
  readonly id: number;
  /** The sample. */
  readonly job: SampleJob;
}

/** A reply: the pixels, or the error that stopped the sample. */
export type WorkerReply =
  | { readonly id: number; readonly pixels: Float32Array }
  | { readonly id: number; readonly error: string; readonly hint: string };

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
};

scope.onmessage = async (e) => {
  const { id, job } = e.data;
  try {
    const pixels = await makeSample(job);
    scope.postMessage({ id, pixels }, [pixels.buffer as ArrayBuffer]);
  } catch (err) {
    const hint = err instanceof ActlabError ? err.hint : "report this as a bug";
    const message = (err as Error).message;
    const base = hint && message.endsWith(`\n  fix: ${hint}`)
      ? message.slice(0, -`\n  fix: ${hint}`.length)
      : message;
    scope.postMessage({ id, error: base, hint });
  }
};
