/** Registers the built-in models. @module */
import { alexnetModel } from "./alexnet.ts";
import { bertModel } from "./bert.ts";
import { caitXxs24Model } from "./cait.ts";
import { convnetModel } from "./convnet.ts";
import { deitTinyModel } from "./deit.ts";
import { gcnModel } from "./gcn.ts";
import { graphsageModel } from "./graphsage.ts";
import { mlpModel } from "./mlp.ts";
import { pvtTinyModel } from "./pvt.ts";
import { registerModel } from "./registry.ts";
import { resnet18Model } from "./resnet18.ts";
import { resnet32Model } from "./resnet32.ts";
import { tntSmallModel } from "./tnt.ts";
import { vgg11BnModel, vgg11Model } from "./vgg11.ts";
import { vitMicroModel, vitTinyModel } from "./vit.ts";

registerModel(mlpModel);
registerModel(convnetModel);
registerModel(resnet18Model);
registerModel(resnet32Model);
registerModel(alexnetModel);
registerModel(vgg11Model);
registerModel(vgg11BnModel);
registerModel(vitTinyModel);
registerModel(vitMicroModel);
registerModel(deitTinyModel);
registerModel(caitXxs24Model);
registerModel(bertModel);
registerModel(gcnModel);
registerModel(graphsageModel);
registerModel(pvtTinyModel);
registerModel(tntSmallModel);

export * from "./registry.ts";
export { BERT_SIZES, type BertGeometry, bertGeometry, bertModel, type BertSize } from "./bert.ts";
export { hfNamesOf, importBertWeights } from "./bert_weights.ts";
