/**
 * Tests of core/plan: dead-code elimination, topological order, a peak-bytes
 * figure computed by hand, and a property test over ~200 random graphs that
 * re-derives liveness from the plan's order and checks buffer sharing, buffer
 * sizes, the peak figure, and that reference kernels give bit-identical
 * results with and without buffer reuse.
 */
import assert from "node:assert/strict";
import { grad } from "../core/autodiff.ts";
import { ActlabError } from "../core/errors.ts";
import type { Graph as GraphT, Node } from "../core/graph.ts";
import {
  bytesPerElement,
  type HostTensor,
  hostTensor,
  type Shape,
  sizeOf,
  type TensorData,
} from "../core/host_tensor.ts";
import {
  abs,
  add,
  broadcastTo,
  cast,
  constant,
  exp,
  Graph,
  gt,
  max,
  mul,
  neg,
  reshape,
  sigmoid,
  square,
  sub,
  sum,
  tanh,
  type Tensor,
  transpose,
  where,
} from "../core/ops.ts";
import { type Plan, plan, SOURCE_OPS } from "../core/plan.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { getKernel } from "../backends/reference/kernel.ts";
import { lcg } from "./gradcheck.ts";

// ---- hand-built graphs -------------------------------------------------------------------

Deno.test("plan: dead-code elimination keeps exactly the ancestors of outputs and state updates", () => {
  const g = new Graph();
  const x = g.input("x", [3]);
  const unusedFeed = g.input("unused", [3]);
  const a = exp(x);
  const dead = tanh(a); // computed by nobody's output
  const b = neg(a);
  const s = g.state("s", [3]);
  const upd = add(s, x);
  g.setStateUpdate("s", upd);
  const other = square(x);
  g.output("b", b);
  g.output("other", other);

  const all = plan(g);
  assert.ok(!all.order.includes(dead.id));
  assert.ok(!all.order.includes(unusedFeed.id));
  for (const t of [x, a, b, s, upd, other]) assert.ok(all.order.includes(t.id), `node ${t.id}`);
  assert.ok(!all.bufferOf.has(dead.id));

  // Requesting one output drops the other's branch but keeps the state update.
  const one = plan(g, { outputs: ["b"] });
  assert.deepEqual([...one.order], [x.id, a.id, b.id, s.id, upd.id].sort((p, q) => p - q));
  assert.deepEqual(new Set(one.roots), new Set([b.id, upd.id]));

  assert.throws(() => plan(g, { outputs: ["nope"] }), (e: unknown) => {
    assert.ok(e instanceof ActlabError);
    assert.match(e.message, /unknown output "nope"/);
    assert.match(e.message, /b, other/);
    return true;
  });
});

Deno.test("plan: order is topological even when outputs are declared out of creation order", () => {
  const g = new Graph();
  const x = g.input("x", [2, 2]);
  const y = g.input("y", [2]);
  const t = transpose(exp(x));
  const z = add(t, y);
  g.output("z", z);
  g.output("t", t);
  const p = plan(g);
  const pos = new Map(p.order.map((id, i) => [id, i]));
  for (const id of p.order) {
    for (const i of g.nodes[id].inputs) assert.ok(pos.get(i)! < pos.get(id)!);
  }
});

Deno.test("plan: peak bytes of a hand-computed chain", () => {
  // x[2,3] f32 (24 B feed) → a = exp(x) [2,3] 24 B → b = broadcast_to(a, [4,2,3]) 96 B
  // → c = sum(b, [0]) [2,3] 24 B → z = full(0) [] 4 B → d = c > z : bool [2,3] 6 B (output).
  //   pos 1 a: new buf0 (24)       live 24
  //   pos 2 b: new buf1 (96)       live 120 ← peak; a dies → 96, free {buf0}
  //   pos 3 c: reuses buf0 (24)    live 120;        b dies → 24, free {buf1}
  //   pos 4 z: reuses buf1 (4≤96)  live 28
  //   pos 5 d: new buf2 (6 B)      live 34;  c, z die → 6 (d is an output, kept)
  const g = new Graph();
  const x = g.input("x", [2, 3]);
  const a = exp(x);
  const b = broadcastTo(a, [4, 2, 3]);
  const c = sum(b, [0]);
  const d = gt(c, 0);
  exp(b); // dead
  g.output("d", d);
  const p = plan(g);
  assert.equal(p.order.length, 6);
  assert.equal(p.sourceBytes, 24);
  assert.equal(p.peakPooledBytes, 120);
  assert.equal(p.peakBytes, 144);
  assert.deepEqual([...p.bufferBytes], [24, 96, 6]);
  assert.equal(p.bufferOf.get(a.id), 0);
  assert.equal(p.bufferOf.get(b.id), 1);
  assert.equal(p.bufferOf.get(c.id), 0);
  assert.equal(p.bufferOf.get(d.id), 2);
  // Without reuse every computed node has its own buffer; the peak is unchanged.
  const nr = plan(g, { noReuse: true });
  assert.deepEqual([...nr.bufferBytes], [24, 96, 24, 4, 6]);
  assert.equal(nr.peakBytes, 144);
});

// ---- property test over random graphs ----------------------------------------------------

type Rand = () => number;

function broadcastable(a: Shape, b: Shape): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i];
    const y = b[b.length - i];
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

function randomValues(shape: Shape, rand: Rand): Float32Array {
  return Float32Array.from({ length: sizeOf(shape) }, () => rand() * 2 - 1);
}

/** A random graph of mixed ops, shapes and dtypes, with random outputs (and maybe state and a backward pass). */
function randomGraph(seed: number): { g: GraphT; feeds: Record<string, HostTensor> } {
  const rand = lcg(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const randShape = (): number[] => Array.from({ length: int(4) }, () => 1 + int(4));
  const g = new Graph();
  const feeds: Record<string, HostTensor> = {};
  const pool: Tensor[] = [];
  const nIn = 1 + int(3);
  for (let i = 0; i < nIn; i++) {
    const shape = randShape();
    pool.push(g.input(`x${i}`, shape));
    feeds[`x${i}`] = hostTensor("f32", shape, randomValues(shape, rand));
  }
  const state = rand() < 0.3 ? g.state("s", pick(pool).shape) : null;
  if (state) pool.push(state);
  const partner = (a: Tensor): Tensor | number => {
    for (let k = 0; k < 4; k++) {
      const b = pick(pool);
      if (broadcastable(a.shape, b.shape)) return b;
    }
    return rand() - 0.5;
  };
  const steps = 4 + int(20);
  for (let step = 0; step < steps; step++) {
    const a = pick(pool);
    let r: Tensor;
    switch (int(10)) {
      case 0:
        r = pick([exp, tanh, neg, square, sigmoid])(a);
        break;
      case 1:
        r = pick([add, sub, mul])(a, partner(a));
        break;
      case 2: {
        const axes = a.shape.map((_, i) => i).filter(() => rand() < 0.5);
        r = (rand() < 0.7 ? sum : max)(a, axes.length ? axes : undefined, rand() < 0.5);
        break;
      }
      case 3:
        r = reshape(a, rand() < 0.5 ? [sizeOf(a.shape)] : [...a.shape].reverse());
        break;
      case 4: {
        const perm = a.shape.map((_, i) => i);
        for (let i = perm.length - 1; i > 0; i--) {
          const j = int(i + 1);
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        r = transpose(a, perm);
        break;
      }
      case 5:
        r = broadcastTo(a, [1 + int(3), ...a.shape]);
        break;
      case 6: {
        const b = partner(a);
        r = where(gt(a, b), a, b); // a bool (1-byte) intermediate
        break;
      }
      case 7:
        r = cast(cast(mul(a, 3), "i32"), "f32"); // an i32 intermediate
        break;
      case 8:
        r = mul(a, a); // one node read twice by the same op
        break;
      default: {
        const v = hostTensor("f32", a.shape, randomValues(a.shape, rand));
        r = add(constant(a, v), a); // a constant: a source without a pooled buffer
      }
    }
    pool.push(r);
  }
  if (state) {
    // Operands that broadcast INTO the state's shape keep the update's shape equal to it.
    const off = (t: Tensor) => state.rank - t.rank;
    const fits = pool.filter((t) =>
      t.rank <= state.rank && t.shape.every((d, i) => d === 1 || d === state.shape[off(t) + i])
    );
    g.setStateUpdate("s", tanh(add(state, pick(fits))));
  }
  if (rand() < 0.4) {
    // A backward pass: longer graphs with many short-lived temporaries.
    const last = pool[pool.length - 1];
    const wrt = pool.filter((t) => g.nodes[t.id].op === "input");
    const loss = sum(tanh(last));
    const { grads } = grad(g, loss, wrt);
    grads.forEach((t, i) => g.output(`grad${i}`, t));
  }
  const nOut = 1 + int(3);
  for (let i = 0; i < nOut; i++) g.output(`out${i}`, pick(pool));
  return { g, feeds };
}

function nodeBytes(n: Node): number {
  return sizeOf(n.shape) * bytesPerElement(n.dtype);
}

/** Liveness re-derived from the plan's order alone: [definition, last read] (roots: end of run). */
function intervals(g: GraphT, p: Plan): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  const roots = new Set(p.roots);
  p.order.forEach((id, pos) => {
    if (!SOURCE_OPS.has(g.nodes[id].op)) out.set(id, [pos, pos]);
  });
  p.order.forEach((id, pos) => {
    for (const i of g.nodes[id].inputs) {
      const iv = out.get(i);
      if (iv) iv[1] = Math.max(iv[1], pos);
    }
  });
  for (const r of roots) {
    const iv = out.get(r);
    if (iv) iv[1] = Infinity;
  }
  return out;
}

function checkStructure(g: GraphT, p: Plan, label: string): void {
  // DCE and topological order against an independent walk from the roots.
  const needed = new Set<number>();
  const stack = [...p.roots];
  while (stack.length) {
    const id = stack.pop()!;
    if (needed.has(id)) continue;
    needed.add(id);
    stack.push(...g.nodes[id].inputs);
  }
  assert.deepEqual(new Set(p.order), needed, `${label}: order is not exactly the live set`);
  assert.equal(p.order.length, needed.size, `${label}: a node is scheduled twice`);
  const pos = new Map(p.order.map((id, i) => [id, i]));
  for (const id of p.order) {
    for (const i of g.nodes[id].inputs) {
      assert.ok(pos.get(i)! < pos.get(id)!, `${label}: node ${id} runs before its input ${i}`);
    }
  }
  const iv = intervals(g, p);
  // Every computed node has a big-enough buffer; sources have none.
  for (const id of p.order) {
    const n = g.nodes[id];
    const b = p.bufferOf.get(id);
    if (SOURCE_OPS.has(n.op)) {
      assert.equal(b, undefined, `${label}: source ${id} got a pooled buffer`);
      continue;
    }
    assert.ok(b !== undefined, `${label}: node ${id} (${n.op}) has no buffer`);
    assert.ok(p.bufferBytes[b] >= nodeBytes(n), `${label}: buffer ${b} too small for node ${id}`);
  }
  // No two simultaneously live values share a buffer (closed intervals: a node's
  // output is written while its inputs are still being read).
  const ids = [...iv.keys()];
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const [a, b] = [ids[i], ids[j]];
      if (p.bufferOf.get(a) !== p.bufferOf.get(b)) continue;
      const [s1, e1] = iv.get(a)!;
      const [s2, e2] = iv.get(b)!;
      assert.ok(
        e1 < s2 || e2 < s1,
        `${label}: nodes ${a} [${s1},${e1}] and ${b} [${s2},${e2}] share buffer ${
          p.bufferOf.get(a)
        }`,
      );
    }
  }
  // The peak is the largest sum of live pooled bytes at any position.
  let peak = 0;
  for (let pos = 0; pos < p.order.length; pos++) {
    let live = 0;
    for (const [id, [s, e]] of iv) if (s <= pos && pos <= e) live += nodeBytes(g.nodes[id]);
    peak = Math.max(peak, live);
  }
  assert.equal(p.peakPooledBytes, peak, `${label}: peakPooledBytes`);
  let src = 0;
  for (const id of p.order) if (SOURCE_OPS.has(g.nodes[id].op)) src += nodeBytes(g.nodes[id]);
  assert.equal(p.sourceBytes, src, `${label}: sourceBytes`);
  assert.equal(p.peakBytes, src + peak, `${label}: peakBytes`);
}

/**
 * Run the reference kernels over the plan's buffers (float32). Buffers start
 * filled with 0xff bytes (NaN / −1 / 255) so a kernel that skips an element
 * shows up as a difference between reuse and no reuse.
 */
function interpret(
  g: GraphT,
  p: Plan,
  feeds: Record<string, HostTensor>,
): Map<number, TensorData> {
  const slots = p.bufferBytes.map((b) => {
    const buf = new ArrayBuffer(b);
    new Uint8Array(buf).fill(0xff);
    return buf;
  });
  const values: TensorData[] = [];
  for (const id of p.order) {
    const n = g.nodes[id];
    const len = sizeOf(n.shape);
    const root = p.aliasOf.get(id); // an alias reads its storage's values: no copy, no kernel
    if (root !== undefined) values[id] = values[root];
    else if (n.op === "input") values[id] = feeds[n.attrs.name as string].data;
    else if (n.op === "state") values[id] = new Float32Array(len);
    else if (n.op === "constant") values[id] = (n.attrs.value as HostTensor).data;
    else {
      const buf = slots[p.bufferOf.get(id)!];
      values[id] = n.dtype === "f32"
        ? new Float32Array(buf, 0, len)
        : n.dtype === "i32"
        ? new Int32Array(buf, 0, len)
        : new Uint8Array(buf, 0, len);
      const ins = n.inputs.map((i) => g.nodes[i]);
      getKernel(n.op)(n, ins, false)(values[id], n.inputs.map((i) => values[i]));
    }
  }
  const out = new Map<number, TensorData>();
  for (const r of p.roots) out.set(r, values[r].slice());
  return out;
}

/**
 * Bit-exact comparison, except that any two NaNs match: V8 does not promise to
 * keep NaN payloads when a value passes through a float register.
 */
function assertSame(a: TensorData, b: TensorData, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} is ${a[i]} vs ${b[i]}`);
  }
}

Deno.test("plan property: 200 random graphs — liveness, buffer sizes, peak, reuse is bit-exact", async () => {
  let reused = 0;
  let nodes = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const { g, feeds } = randomGraph(seed);
    const label = `graph seed ${seed}`;
    const p = plan(g);
    const nr = plan(g, { noReuse: true });
    checkStructure(g, p, label);
    checkStructure(g, nr, `${label} (noReuse)`);
    assert.deepEqual(nr.order, p.order);
    assert.equal(new Set(nr.bufferOf.values()).size, nr.bufferOf.size, `${label}: noReuse shares`);
    reused += nr.bufferBytes.length - p.bufferBytes.length;
    nodes += p.order.length;

    const withReuse = interpret(g, p, feeds);
    const without = interpret(g, nr, feeds);
    for (const [id, v] of without) {
      assertSame(withReuse.get(id)!, v, `${label}: node ${id}`);
    }
    // The executable (which reuses buffers as planned) agrees too, state update included.
    const exe = await referenceBackend.compile(g);
    const res = await exe.run(feeds);
    for (const [name, id] of g.outputs) {
      assertSame(res[name].data, without.get(id)!, `${label}: output ${name}`);
    }
    const slot = g.states.get("s");
    if (slot?.update !== undefined) {
      const s = await exe.readState(["s"]);
      assertSame(s.s.data, without.get(slot.update)!, `${label}: state`);
    }
    exe.dispose();
  }
  // The property is only meaningful if reuse actually happened a lot.
  assert.ok(reused > nodes / 5, `only ${reused} buffers saved over ${nodes} scheduled nodes`);
});

// ---- aliasing (`aliasOps`): a reshape shares its input's storage -------------------------

const ALIAS_RESHAPE: ReadonlySet<string> = new Set(["reshape"]);

/** Storage intervals with aliasing: a storage lives from its owner's definition to its last read through any alias. */
function storageIntervals(g: GraphT, p: Plan): Map<number, [number, number]> {
  const iv = intervals(g, p);
  const out = new Map<number, [number, number]>();
  for (const [id, [s, e]] of iv) {
    const root = p.aliasOf.get(id) ?? id;
    if (SOURCE_OPS.has(g.nodes[root].op)) continue;
    const cur = out.get(root);
    out.set(root, cur ? [Math.min(cur[0], s), Math.max(cur[1], e)] : [s, e]);
  }
  return out;
}

Deno.test("plan property: aliased reshapes share storage that outlives every alias, bit-exact", () => {
  let aliases = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const { g, feeds } = randomGraph(seed);
    const label = `graph seed ${seed} (aliasOps)`;
    const p = plan(g, { aliasOps: ALIAS_RESHAPE });
    const plain = plan(g);
    assert.deepEqual(p.order, plain.order, `${label}: order`);
    assert.equal(plain.aliasOf.size, 0, `${label}: aliases without aliasOps`);
    for (const id of p.order) {
      const n = g.nodes[id];
      const root = p.aliasOf.get(id);
      assert.equal(root !== undefined, n.op === "reshape", `${label}: node ${id} (${n.op}) alias`);
      if (root === undefined) continue;
      aliases++;
      assert.notEqual(g.nodes[root].op, "reshape", `${label}: node ${id}'s storage is an alias`);
      assert.equal(p.bufferOf.get(id), p.bufferOf.get(root), `${label}: node ${id}'s buffer`);
    }
    const iv = storageIntervals(g, p);
    const owners = [...iv.keys()];
    for (let i = 0; i < owners.length; i++) {
      for (let j = i + 1; j < owners.length; j++) {
        const [a, b] = [owners[i], owners[j]];
        if (p.bufferOf.get(a) !== p.bufferOf.get(b)) continue;
        const [s1, e1] = iv.get(a)!;
        const [s2, e2] = iv.get(b)!;
        assert.ok(e1 < s2 || e2 < s1, `${label}: storages ${a} and ${b} overlap in one buffer`);
      }
    }
    let peak = 0;
    for (let pos = 0; pos < p.order.length; pos++) {
      let live = 0;
      for (const [id, [s, e]] of iv) if (s <= pos && pos <= e) live += nodeBytes(g.nodes[id]);
      peak = Math.max(peak, live);
    }
    assert.equal(p.peakPooledBytes, peak, `${label}: peakPooledBytes`);
    assert.ok(p.peakPooledBytes <= plain.peakPooledBytes, `${label}: aliasing raised the peak`);
    const aliased = interpret(g, p, feeds);
    const without = interpret(g, plan(g, { noReuse: true }), feeds);
    for (const [id, v] of without) assertSame(aliased.get(id)!, v, `${label}: node ${id}`);
  }
  assert.ok(
    aliases > 50,
    `only ${aliases} reshapes over 200 graphs: the property is not exercised`,
  );
});

Deno.test("plan: an aliased reshape keeps its input's buffer from being reused while it is read", () => {
  const g = new Graph();
  const x = g.input("x", [4, 4]);
  const a = exp(x); // owner of the storage
  const r = reshape(a, [16]); // alias of a
  const b = neg(x); // would take a's buffer if a died at r
  const c = add(reshape(b, [16]), r); // r read after b is defined
  g.output("c", c);
  const p = plan(g, { aliasOps: ALIAS_RESHAPE });
  assert.equal(p.aliasOf.get(r.id), a.id);
  assert.equal(p.bufferOf.get(r.id), p.bufferOf.get(a.id));
  assert.notEqual(p.bufferOf.get(b.id), p.bufferOf.get(a.id));
  // By hand: a (= r), b and b's reshape live together, then a, b's reshape and c: 3 × 64 bytes.
  assert.equal(p.peakPooledBytes, 3 * 64);
});

Deno.test("plan: a sibling's buffer is allocated with the node that computes it, and kept", () => {
  const g = new Graph();
  const x = g.input("x", [64]);
  const a = neg(x);
  const s = abs(x); // computed by a's kernel
  const t = exp(a); // allocated after both: must not take s's buffer
  g.output("y", add(t, s));
  const p = plan(g, { siblings: new Map([[s.id, a.id]]) });
  const [ba, bs, bt] = [a.id, s.id, t.id].map((id) => p.bufferOf.get(id));
  assert.ok(ba !== undefined && bs !== undefined && bt !== undefined);
  assert.equal(new Set([ba, bs, bt]).size, 3, "a, s and t hold distinct buffers");
  // Without the pairing, s is allocated later and may reuse what is free then.
  assert.throws(
    () => plan(g, { siblings: new Map([[a.id, s.id]]) }),
    (e) => e instanceof ActlabError && /which comes after it/.test(e.message),
  );
  // A pair whose computing node these outputs do not need is dropped: s then runs itself.
  const h = new Graph();
  const hx = h.input("x", [64]);
  const ha = neg(hx);
  const hs = abs(hx);
  h.output("a", ha);
  h.output("s", hs);
  const only = plan(h, { outputs: ["s"], siblings: new Map([[hs.id, ha.id]]) });
  assert.equal(only.siblings.size, 0);
  assert.ok(only.bufferOf.has(hs.id));
});
