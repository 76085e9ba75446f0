/**
 * A safe reader for the subset of Python pickles that the Planetoid files
 * (`ind.<name>.{x,y,tx,ty,allx,ally,graph}`) use: plain values (None, bools,
 * ints, floats, strings, bytes, tuples, lists, dicts), numpy arrays
 * (`numpy.core.multiarray._reconstruct` + `numpy.dtype` state, numeric dtypes
 * only), scipy `csr_matrix` (rebuilt from its `__dict__` state: `data`,
 * `indices`, `indptr`, `_shape`), `collections.defaultdict` and the
 * `copy_reg._reconstructor` / `_codecs.encode` helpers that Python 2 and
 * protocol-2 pickles route through. Nothing is ever executed: every GLOBAL is
 * looked up in a fixed table of the names above, and any other name (or a
 * persistent id, an extension code, INST/OBJ) is an error naming it.
 *
 * Python 2 `str` objects are decoded as latin1, as `pickle.load(f,
 * encoding='latin1')` does (what PyG and Kipf's gcn use to read these files);
 * numpy's raw data then comes back byte for byte.
 * Opcodes: CPython Lib/pickletools.py (protocols 0–4; protocol-5 buffers refused).
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { type NpyArray, npyFromRaw } from "../npy.ts";

/** A numpy array rebuilt from a pickle. */
export class PickledArray {
  /** The array (dtype, shape, data). */
  array: NpyArray | null = null;
}

/** A scipy CSR matrix rebuilt from a pickle's state dict. */
export class PickledCsr {
  /** The instance `__dict__` (`data`, `indices`, `indptr`, `_shape` / `shape`, …). */
  state: Map<PyKey, PyValue> = new Map();
}

/** Dict keys as read. */
export type PyKey = string | number | bigint | boolean | null;
/** Values a pickle may hold here. Tuples and lists are both arrays. */
export type PyValue =
  | PyKey
  | Uint8Array
  | PyValue[]
  | Map<PyKey, PyValue>
  | PickledArray
  | PickledCsr
  | PyGlobal
  | PyDtype;

/** A whitelisted class or function named by a GLOBAL opcode. */
export class PyGlobal {
  /** `module.name`, normalised to Python 3 names. */
  constructor(readonly name: string) {}
}

/** A `numpy.dtype` being rebuilt. */
export class PyDtype {
  /** Byte order from the BUILD state: `<`, `>`, `|` or `=`. */
  order = "|";
  /** Type code such as `f8`, `i4`, `b1`. */
  constructor(readonly code: string) {}
}

const ALIASES: Record<string, string> = {
  "numpy.core.multiarray._reconstruct": "ndarray._reconstruct",
  "numpy._core.multiarray._reconstruct": "ndarray._reconstruct",
  "numpy.ndarray": "numpy.ndarray",
  "numpy.dtype": "numpy.dtype",
  "numpy.core.multiarray.scalar": "numpy.scalar",
  "numpy._core.multiarray.scalar": "numpy.scalar",
  "scipy.sparse.csr.csr_matrix": "csr_matrix",
  "scipy.sparse._csr.csr_matrix": "csr_matrix",
  "scipy.sparse.csr_matrix": "csr_matrix",
  "copy_reg._reconstructor": "copyreg._reconstructor",
  "copyreg._reconstructor": "copyreg._reconstructor",
  "_codecs.encode": "_codecs.encode",
  "collections.defaultdict": "collections.defaultdict",
  "__builtin__.list": "builtins.list",
  "builtins.list": "builtins.list",
  "__builtin__.object": "builtins.object",
  "builtins.object": "builtins.object",
  "__builtin__.set": "builtins.set",
  "builtins.set": "builtins.set",
  "__builtin__.int": "builtins.int",
  "builtins.int": "builtins.int",
};

const MARK = Symbol("mark");
type Slot = PyValue | typeof MARK;

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 8192)));
  }
  return s;
}

function latin1Bytes(s: string, file: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw unsafe(file, "a non-latin1 string where numpy array bytes were expected");
    out[i] = c;
  }
  return out;
}

function unsafe(file: string, what: string): ActlabError {
  return new ActlabError(
    `${file}: pickle holds ${what}; only plain values, numpy arrays, scipy csr_matrix and defaultdict are read (nothing is executed)`,
    "use the dataset's original Planetoid files (ind.<name>.*)",
  );
}

function corrupt(file: string, what: string): ActlabError {
  return new ActlabError(
    `${file}: truncated or corrupt pickle (${what})`,
    "delete the file and fetch the dataset again",
  );
}

function reduce(fn: PyValue, args: PyValue, file: string): PyValue {
  if (!(fn instanceof PyGlobal) || !Array.isArray(args)) {
    throw unsafe(file, "a call of a non-global");
  }
  switch (fn.name) {
    case "ndarray._reconstruct":
      return new PickledArray();
    case "numpy.dtype": {
      const code = args[0];
      if (typeof code !== "string") throw unsafe(file, "a numpy dtype that is not a type code");
      return new PyDtype(code);
    }
    case "_codecs.encode": {
      if (typeof args[0] !== "string") throw unsafe(file, "_codecs.encode of a non-string");
      return latin1Bytes(args[0], file);
    }
    case "collections.defaultdict":
    case "builtins.set":
      return new Map();
    case "copyreg._reconstructor":
      if (args[0] instanceof PyGlobal && args[0].name === "csr_matrix") return new PickledCsr();
      throw unsafe(file, `an object of class ${(args[0] as PyGlobal)?.name ?? "?"}`);
    case "numpy.scalar": {
      const [dt, raw] = args;
      if (!(dt instanceof PyDtype)) throw unsafe(file, "a numpy scalar without a dtype");
      const bytes = typeof raw === "string" ? latin1Bytes(raw, file) : raw;
      if (!(bytes instanceof Uint8Array)) throw unsafe(file, "a numpy scalar without bytes");
      const a = npyFromRaw(`${dt.order}${dt.code}`, [], bytes, file);
      const v = a.data[0];
      return typeof v === "bigint" ? Number(v) : v;
    }
    case "builtins.int":
      return typeof args[0] === "number" ? args[0] : 0;
  }
  throw unsafe(file, `a call of ${fn.name}`);
}

function build(obj: PyValue, state: PyValue, file: string): void {
  if (obj instanceof PyDtype) {
    if (Array.isArray(state) && typeof state[1] === "string") obj.order = state[1];
    return;
  }
  if (obj instanceof PickledArray) {
    if (!Array.isArray(state)) throw corrupt(file, "numpy array state is not a tuple");
    // (version, shape, dtype, is_fortran, rawdata), or the legacy form without version.
    const s = state.length === 5 ? state.slice(1) : state;
    const [shape, dtype, fortran, raw] = s;
    if (!Array.isArray(shape) || !(dtype instanceof PyDtype)) {
      throw corrupt(file, "numpy array state");
    }
    const dims = shape.map(Number);
    if (fortran && dims.length > 1) {
      throw new ActlabError(
        `${file}: a Fortran-ordered numpy array of shape (${dims.join(", ")}) is not read`,
      );
    }
    if (Array.isArray(raw)) throw unsafe(file, "a numpy object array");
    const bytes = typeof raw === "string" ? latin1Bytes(raw, file) : raw;
    if (!(bytes instanceof Uint8Array)) throw corrupt(file, "numpy array without raw data");
    obj.array = npyFromRaw(`${dtype.order}${dtype.code}`, dims, bytes, `${file} (pickled array)`);
    return;
  }
  if (obj instanceof PickledCsr) {
    // State is the instance dict, or (dict, slotstate) for classes with slots.
    const dict = Array.isArray(state) ? state[0] : state;
    if (!(dict instanceof Map)) throw corrupt(file, "csr_matrix state is not a dict");
    for (const [k, v] of dict) obj.state.set(k, v);
    return;
  }
  throw unsafe(file, "state for an object that is not a numpy array or csr_matrix");
}

/** Unpickle `bytes` (read from `file`, named in errors) without executing anything. */
export function unpickle(bytes: Uint8Array, file: string): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Slot[] = [];
  const memo = new Map<number, PyValue>();
  let p = 0;
  const need = (n: number) => {
    if (p + n > bytes.length) throw corrupt(file, `ends inside an opcode at byte ${p}`);
  };
  const take = (n: number) => {
    need(n);
    const s = bytes.subarray(p, p + n);
    p += n;
    return s;
  };
  const line = () => {
    const end = bytes.indexOf(10, p);
    if (end < 0) throw corrupt(file, `ends inside a text line at byte ${p}`);
    const s = latin1(bytes.subarray(p, end));
    p = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw corrupt(file, "stack underflow");
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw corrupt(file, "stack underflow");
    return v;
  };
  const popMark = (): PyValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) throw corrupt(file, "no MARK on the stack");
    const items = stack.splice(i) as PyValue[];
    items.shift();
    return items;
  };
  const setItems = (d: PyValue, items: PyValue[]) => {
    if (!(d instanceof Map)) throw corrupt(file, "SETITEM(S) on a non-dict");
    for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i] as PyKey, items[i + 1]);
  };
  const append = (l: PyValue, items: PyValue[]) => {
    if (!Array.isArray(l)) throw corrupt(file, "APPEND(S) on a non-list");
    for (const v of items) l.push(v);
  };
  const global = (mod: string, name: string): PyGlobal => {
    const key = ALIASES[`${mod}.${name}`];
    if (!key) throw unsafe(file, `a reference to ${mod}.${name}`);
    return new PyGlobal(key);
  };
  const long = (b: Uint8Array): number | bigint => {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b.length && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v;
  };

  while (true) {
    need(1);
    const op = bytes[p++];
    switch (op) {
      case 0x80: // PROTO
        take(1);
        break;
      case 0x95: // FRAME
        take(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) throw corrupt(file, `STOP with ${stack.length} items on the stack`);
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(p, true));
        p += 4;
        break;
      case 0x4b: // BININT1
        stack.push(take(1)[0]);
        break;
      case 0x4d: // BININT2
        need(2);
        stack.push(view.getUint16(p, true));
        p += 2;
        break;
      case 0x8a: // LONG1
        stack.push(long(take(take(1)[0])));
        break;
      case 0x8b: { // LONG4
        need(4);
        const n = view.getInt32(p, true);
        p += 4;
        if (n < 0) throw corrupt(file, "negative LONG4 length");
        stack.push(long(take(n)));
        break;
      }
      case 0x49: { // INT (text): also protocol 0's True/False
        const s = line().trim();
        stack.push(s === "01" ? true : s === "00" ? false : Number(s));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(Number(line().trim().replace(/L$/, "")));
        break;
      case 0x46: // FLOAT (text)
        stack.push(Number(line()));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(p, false));
        p += 8;
        break;
      case 0x55: // SHORT_BINSTRING (py2 str → latin1)
        stack.push(latin1(take(take(1)[0])));
        break;
      case 0x54: { // BINSTRING
        need(4);
        const n = view.getInt32(p, true);
        p += 4;
        if (n < 0) throw corrupt(file, "negative BINSTRING length");
        stack.push(latin1(take(n)));
        break;
      }
      case 0x53: { // STRING (text repr)
        const s = line().trim();
        const body = s.slice(1, -1);
        stack.push(
          body.replace(
            /\\x([0-9a-fA-F]{2})|\\(.)/g,
            (_, hex, c) =>
              hex
                ? String.fromCharCode(parseInt(hex, 16))
                : c === "n"
                ? "\n"
                : c === "t"
                ? "\t"
                : c === "r"
                ? "\r"
                : c,
          ),
        );
        break;
      }
      case 0x8c: // SHORT_BINUNICODE
        stack.push(new TextDecoder().decode(take(take(1)[0])));
        break;
      case 0x58: { // BINUNICODE
        need(4);
        const n = view.getUint32(p, true);
        p += 4;
        stack.push(new TextDecoder().decode(take(n)));
        break;
      }
      case 0x8d: { // BINUNICODE8
        need(8);
        const n = Number(view.getBigUint64(p, true));
        p += 8;
        stack.push(new TextDecoder().decode(take(n)));
        break;
      }
      case 0x56: // UNICODE (raw-unicode-escape text)
        stack.push(
          line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16))),
        );
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(take(1)[0]).slice());
        break;
      case 0x42: { // BINBYTES
        need(4);
        const n = view.getUint32(p, true);
        p += 4;
        stack.push(take(n).slice());
        break;
      }
      case 0x8e: { // BINBYTES8
        need(8);
        const n = Number(view.getBigUint64(p, true));
        p += 8;
        stack.push(take(n).slice());
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
      case 0x8f: // EMPTY_SET (read as a dict of nothing; the Planetoid files hold none)
        stack.push(new Map());
        break;
      case 0x64: { // DICT
        const d = new Map<PyKey, PyValue>();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x70: // PUT
        memo.set(Number(line()), top());
        break;
      case 0x71: // BINPUT
        memo.set(take(1)[0], top());
        break;
      case 0x72: // LONG_BINPUT
        need(4);
        memo.set(view.getUint32(p, true), top());
        p += 4;
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        let k: number;
        if (op === 0x67) k = Number(line());
        else if (op === 0x68) k = take(1)[0];
        else {
          need(4);
          k = view.getUint32(p, true);
          p += 4;
        }
        if (!memo.has(k)) throw corrupt(file, `memo key ${k} used before it was set`);
        stack.push(memo.get(k)!);
        break;
      }
      case 0x63: { // GLOBAL
        const mod = line();
        stack.push(global(mod, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const mod = pop();
        if (typeof mod !== "string" || typeof name !== "string") {
          throw corrupt(file, "STACK_GLOBAL of non-strings");
        }
        stack.push(global(mod, name));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        stack.push(reduce(pop(), args, file));
        break;
      }
      case 0x81: { // NEWOBJ
        pop(); // args
        const cls = pop();
        if (cls instanceof PyGlobal && cls.name === "csr_matrix") stack.push(new PickledCsr());
        else if (cls instanceof PyGlobal && cls.name === "builtins.object") stack.push(new Map());
        else throw unsafe(file, `an object of class ${cls instanceof PyGlobal ? cls.name : "?"}`);
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        build(top(), state, file);
        break;
      }
      default:
        if ([0x50, 0x51, 0x69, 0x6f, 0x82, 0x83, 0x84, 0x92, 0x96, 0x97, 0x98].includes(op)) {
          throw unsafe(
            file,
            `opcode 0x${
              op.toString(16)
            } (persistent ids, extensions, INST/OBJ or out-of-band buffers)`,
          );
        }
        throw corrupt(file, `unknown opcode 0x${op.toString(16)} at byte ${p - 1}`);
    }
  }
}
