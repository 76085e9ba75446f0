/**
 * Task-dependent defaults by class count: the authors set some coefficients
 * per dataset (DPA's channel-loss λ is 1 on CIFAR-10 and 5 on CIFAR-100,
 * `configs/dpa.py`; ARR's λ 10 and 20, `configs/dnrt.py`), and a run knows
 * its dataset's class count only once its task is built. `byClassCount`
 * turns such a table into an option's `taskDefault`.
 *
 * The rule for class counts the authors did not set (an assumption, and the
 * provenance says so): the setting whose class count is nearest on a log
 * scale. Between 10 and 100 the boundary is √1000 ≈ 31.6, so 2–31 classes
 * take the 10-class value and 32 or more (ImageNet-100, ImageNet-1K) the
 * 100-class one. A ratio, not a difference, because what a per-class
 * quantity scales with is how many classes share the channels.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { TaskDefault, TaskFacts } from "./types.ts";

/** One of the authors' settings: the value they used on a dataset with `numClasses` classes. */
export interface ClassCountSetting {
  /** The dataset's class count, e.g. 10. */
  readonly numClasses: number;
  /** The value the authors used there. */
  readonly value: number;
  /** Their dataset, e.g. `CIFAR-10`. */
  readonly dataset: string;
}

/** The setting nearest to `numClasses` in log class count (the first of a tie). */
function nearest(settings: readonly ClassCountSetting[], numClasses: number): ClassCountSetting {
  const dist = (s: ClassCountSetting) => Math.abs(Math.log(numClasses / s.numClasses));
  return settings.reduce((best, s) => (dist(s) < dist(best) ? s : best));
}

/**
 * A default that follows the authors' per-dataset settings by class count;
 * `source` names the file they come from (e.g. `configs/dpa.py`). The
 * provenance reads `dataset default: 10 classes (authors' CIFAR-10 setting,
 * configs/dpa.py)`, or for an unset class count which setting it borrowed
 * and that this is an assumption.
 *
 * @example DPA's channel-loss coefficient
 * ```ts
 * import { byClassCount } from "jsr:@actlab/actlab";
 *
 * const lambda = byClassCount([
 *   { numClasses: 10, value: 1, dataset: "CIFAR-10" },
 *   { numClasses: 100, value: 5, dataset: "CIFAR-100" },
 * ], "configs/dpa.py");
 * console.log(lambda.resolve({ numClasses: 10 }).value); // 1
 * console.log(lambda.resolve({ numClasses: 1000 }).value); // 5
 * ```
 */
export function byClassCount(
  settings: readonly ClassCountSetting[],
  source: string,
): TaskDefault<number> {
  if (settings.length === 0) {
    throw new ActlabError("byClassCount: no settings", "list at least one dataset's value");
  }
  return {
    help: `${
      settings.map((s) => `${s.value} for ${s.numClasses} classes`).join(", ")
    } per ${source}, else the nearest by class-count ratio`,
    resolve(task: TaskFacts) {
      const k = task.numClasses;
      const s = nearest(settings, k);
      const from = s.numClasses === k
        ? `dataset default: ${k} classes (authors' ${s.dataset} setting, ${source})`
        : `dataset default: ${k} classes → the authors' ${s.numClasses}-class ${s.dataset} ` +
          `setting, nearest by ratio (assumption; ${source})`;
      return { value: s.value, from };
    },
  };
}
