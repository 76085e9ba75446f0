/**
 * A registry of named entries (activations, regularisers, models, tasks):
 * unique names, lookup with an error that lists the valid names, and a
 * sorted listing. Every plugin registry of actlab is one of these.
 * @module
 */
import { ActlabError } from "./errors.ts";

/** Named entries of one kind (`kind` names them in errors, e.g. "activation"). */
export class Registry<T extends { readonly name: string }> {
  private readonly entries = new Map<string, T>();

  /** An empty registry of entries of `kind`. */
  constructor(readonly kind: string) {}

  /** Add `entry`; a name registered twice is an error. */
  register(entry: T): void {
    if (this.entries.has(entry.name)) {
      throw new ActlabError(
        `${this.kind} "${entry.name}" is registered twice`,
        "pick a unique name",
      );
    }
    this.entries.set(entry.name, entry);
  }

  /** The entry called `name`; an unknown name lists the valid ones. */
  get(name: string): T {
    const entry = this.entries.get(name);
    if (!entry) {
      throw new ActlabError(
        `unknown ${this.kind} "${name}"`,
        `use one of: ${this.names().join(", ")}`,
      );
    }
    return entry;
  }

  /** Whether `name` is registered. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }
}
