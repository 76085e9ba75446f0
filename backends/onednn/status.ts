/**
 * oneDNN status codes (`dnnl_status_t`, dnnl_types.h of oneDNN 2.6) turned
 * into `ActlabError`s naming the C function that failed and what it was doing.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";

const NAMES = [
  "success",
  "out_of_memory",
  "invalid_arguments",
  "unimplemented",
  "iterator_ends",
  "runtime_error",
  "not_required",
];

/** A readable name of status `code`. */
export function statusName(code: number): string {
  return NAMES[code] ? `dnnl_${NAMES[code]}` : `unknown status ${code}`;
}

/** Throw unless `code` is `dnnl_success`; `fn` is the C function, `what` the node or object. */
export function check(code: number, fn: string, what: string): void {
  if (code === 0) return;
  const hint = code === 3
    ? "oneDNN has no implementation for this shape/layout on this CPU; report it with the " +
      "shapes above (the op can run on the reference backend meanwhile)"
    : code === 1
    ? "free memory or use a smaller batch"
    : "this is a bug in the onednn-cpu backend's descriptors; report it with the shapes above";
  throw new ActlabError(`oneDNN ${fn} failed with ${statusName(code)} (${what})`, hint);
}
