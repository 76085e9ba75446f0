/**
 * Typed attribute access (`core/ops/attrs.ts`): backends read a node's
 * attributes through `attrsOf`, typed by the op and checked against it.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import { attrsOf } from "../core/ops/attrs.ts";
import * as o from "../core/ops.ts";

Deno.test("attrsOf returns the validated attributes of the named op", () => {
  const g = new o.Graph();
  const x = g.input("x", [2, 3]);
  const y = o.threshold(o.transpose(x), 0.1, true);
  const t = attrsOf(y.node, "threshold");
  assert.equal(t.tau, Math.fround(0.1));
  assert.equal(t.inclusive, true);
  assert.deepEqual(attrsOf(g.nodes[y.node.inputs[0]], "transpose").perm, [1, 0]);
  assert.equal(attrsOf(x.node, "input").name, "x");
});

Deno.test("attrsOf accepts any op of a shared family and rejects every other op", () => {
  const g = new o.Graph();
  const x = g.input("x", [2, 3]);
  const m = o.mean(x, [1]);
  assert.deepEqual(attrsOf(m.node, ["sum", "mean", "max"]).axes, [1]);
  assert.throws(
    () => attrsOf(m.node, "sum"),
    (e: unknown) =>
      e instanceof ActlabError && /node #\d+ is a "mean" node, read as "sum"/.test(e.message),
  );
});
