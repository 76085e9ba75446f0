/**
 * Registers every built-in regulariser plugin (attached at response sites).
 * @module
 */
import { registerRegulariser } from "../activations/registry.ts";
import { arrRegulariser } from "./arr.ts";

registerRegulariser(arrRegulariser);

export { getRegulariser, listRegularisers, registerRegulariser } from "../activations/registry.ts";
