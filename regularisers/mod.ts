/**
 * Registers every built-in regulariser plugin (attached at response sites).
 * @module
 */
import { arrRegulariser } from "./arr.ts";
import { registerRegulariser } from "./registry.ts";

registerRegulariser(arrRegulariser);

export {
  getRegulariser,
  listRegularisers,
  registerRegulariser,
  resolveRegulariserOptions,
} from "./registry.ts";
