/** Registers the built-in backends. @module */
import { registerBackend } from "./registry.ts";
import { referenceBackend } from "./reference/mod.ts";

registerBackend(referenceBackend);
