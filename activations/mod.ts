/**
 * Registers every built-in activation plugin. Adding an activation is one
 * file plus one line here (see `mish.ts`).
 * @module
 */
import { dpaActivation } from "./dpa.ts";
import { eluActivation } from "./elu.ts";
import { gdnActivation } from "./gdn.ts";
import { geluActivation } from "./gelu.ts";
import { mishActivation } from "./mish.ts";
import { raaActivation } from "./raa.ts";
import { registerActivation } from "./registry.ts";
import { reluActivation } from "./relu.ts";
import { relu6Activation } from "./relu6.ts";
import { seluActivation } from "./selu.ts";
import { siluActivation } from "./silu.ts";
import { softplusActivation } from "./softplus.ts";

registerActivation(reluActivation);
registerActivation(geluActivation);
registerActivation(siluActivation);
registerActivation(softplusActivation);
registerActivation(eluActivation);
registerActivation(seluActivation);
registerActivation(gdnActivation);
registerActivation(raaActivation);
registerActivation(dpaActivation);
registerActivation(mishActivation);
registerActivation(relu6Activation);

export * from "./registry.ts";
