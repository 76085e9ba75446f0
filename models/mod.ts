/** Registers the built-in models. @module */
import { alexnetModel } from "./alexnet.ts";
import { convnetModel } from "./convnet.ts";
import { mlpModel } from "./mlp.ts";
import { mobilenetV2Model } from "./mobilenet_v2.ts";
import { registerModel } from "./registry.ts";
import { resnet18Model } from "./resnet18.ts";
import { resnet32Model } from "./resnet32.ts";
import { shufflenetV2Model } from "./shufflenet_v2.ts";
import { vgg11BnModel, vgg11Model } from "./vgg11.ts";
import { vitMicroModel, vitTinyModel } from "./vit.ts";

registerModel(mlpModel);
registerModel(convnetModel);
registerModel(resnet18Model);
registerModel(resnet32Model);
registerModel(alexnetModel);
registerModel(vgg11Model);
registerModel(vgg11BnModel);
registerModel(mobilenetV2Model);
registerModel(shufflenetV2Model);
registerModel(vitTinyModel);
registerModel(vitMicroModel);

export * from "./registry.ts";
