/** Registers the built-in models. @module */
import { convnetModel } from "./convnet.ts";
import { mlpModel } from "./mlp.ts";
import { registerModel } from "./registry.ts";
import { resnet18Model } from "./resnet18.ts";
import { vitMicroModel, vitTinyModel } from "./vit.ts";

registerModel(mlpModel);
registerModel(convnetModel);
registerModel(resnet18Model);
registerModel(vitTinyModel);
registerModel(vitMicroModel);

export * from "./registry.ts";
