/**
 * Registers the graph datasets that need no files: the shipped karate club
 * and the generated stochastic block model.
 * @module
 */
import { karateDataset } from "./karate.ts";
import { sbmDataset } from "./synthetic.ts";
import { registerGraphDataset } from "./types.ts";

registerGraphDataset(karateDataset);
registerGraphDataset(sbmDataset);
