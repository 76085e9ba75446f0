/**
 * `--init-from FILE.safetensors`: a run's parameters start from a pretrained
 * checkpoint instead of the seed. The file is read with `data/safetensors.ts`
 * and mapped onto the model's parameters by the model's own importer
 * (`ModelDefinition.importWeights`, e.g. Hugging Face BERT names in
 * `models/bert_weights.ts`); parameters the file lacks keep their seeded
 * values and are listed, as are the file's tensors that were deliberately
 * skipped. Buffers, optimizer moments and plugin memories start as usual.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { HostTensor, Shape } from "../core/host_tensor.ts";
import { readSafetensors } from "../data/safetensors.ts";
import { getModel, type WeightImporter } from "../models/registry.ts";
import type { BuildRecord } from "../plugin/context.ts";

/** What `--init-from` did, for logs and `config.json`. */
export interface InitFromReport {
  /** The checkpoint file. */
  readonly file: string;
  /** Parameters loaded from it. */
  readonly loaded: number;
  /** Parameters it lacks, left at their seeded init (e.g. `classifier.weight`). */
  readonly fresh: readonly string[];
  /** Tensors of the file recognised and not used (e.g. pretraining heads). */
  readonly ignored: readonly string[];
}

/** The importer of model `model`, or an error when it cannot load pretrained weights. */
export function weightImporter(model: string, file: string): WeightImporter {
  const importer = getModel(model).importWeights;
  if (!importer) {
    throw new ActlabError(
      `model "${model}" cannot load pretrained weights (--init-from ${file})`,
      "drop --init-from, or use a model that reads pretrained checkpoints (bert)",
    );
  }
  return importer;
}

/**
 * Overwrite the parameters in `state` (an initial state of `record`'s build)
 * with model `model`'s pretrained weights from `file`.
 */
export async function applyInitFrom(
  file: string,
  model: string,
  record: BuildRecord,
  state: Record<string, HostTensor>,
): Promise<InitFromReport> {
  const importer = weightImporter(model, file);
  const { tensors } = await readSafetensors(file);
  const params = new Map<string, Shape>(record.params.map((p) => [p.name, p.tensor.shape]));
  const got = importer(tensors, params, file);
  for (const [name, t] of Object.entries(got.values)) state[name] = t;
  return {
    file,
    loaded: Object.keys(got.values).length,
    fresh: got.fresh,
    ignored: got.ignored,
  };
}
