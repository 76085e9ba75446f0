import { fuzzDrill } from "./fuzz.ts";
const t = await fuzzDrill({ bitFlips: 2, truncations: 1, seed: Number(Deno.args[0] ?? 1), say: console.log });
console.log(t.summary()); console.log(t.notes.join("\n"));
