/**
 * The nn layers (each traces into a `BuildContext` scoped to the layer) and
 * the build context itself. Meant to be re-exported as a namespace
 * (`export * as nn from "./nn/mod.ts"`): layer names such as `conv2d` and
 * `layerNorm` mirror the core ops they wrap.
 * @module
 */
export * from "../plugin/context.ts";
export * from "./init.ts";
export * from "./sites.ts";
export * from "./linear.ts";
export * from "./conv2d.ts";
export * from "./batch_norm.ts";
export * from "./layer_norm.ts";
export * from "./attention.ts";
export * from "./mlp_block.ts";
export * from "./dropout.ts";
export * from "./pooling.ts";
export * from "./patch_embed.ts";
export * from "./embeddings.ts";
export * from "./basic_block.ts";
export * from "./vit_block.ts";
export * from "./talking_heads.ts";
export * from "./class_attention.ts";
export * from "./layer_scale.ts";
export * from "./sr_attention.ts";
export * from "./pixel_embed.ts";
export * from "./channel_shuffle.ts";
export * from "./conv_bn.ts";
