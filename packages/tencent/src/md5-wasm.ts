/**
 * MD5 of several streams at once, in WebAssembly SIMD: `md5x4` runs the MD5 compression of four independent
 * streams in the four 32-bit lanes of 128-bit vectors (one instruction does the same step for all four), about
 * 2.5 times the throughput of node:crypto's MD5 on one stream when four bodies arrive together; `md5x1` is the
 * plain one-stream version (for a lone body and for final padded blocks). Both read the streams straight from
 * the (shared) memory they import, so request bodies in the body pool are hashed where they lie.
 *
 * The module is generated here as bytes (there is no compiler step): straight-line code for the 64 steps of a
 * block, looped over `n` blocks. State layout at `state`: for md5x4 four vectors A, B, C, D (lane i = stream
 * i); for md5x1 four words A, B, C, D. Streams advance by 64 bytes per block. The few pieces of the binary
 * format it needs ({@link wasmModule}, {@link wasmCode}, {@link hashFunction}) are exported for other
 * generated hash functions (core's SHA-1).
 * @module
 */

/** MD5 round constants (floor(|sin(i + 1)| · 2^32)) and per-step rotations (RFC 1321). */
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);
const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const shift = (i: number) => S[(i >> 4) * 4 + (i % 4)]!;
/** Index of the message word used in step i. */
const word = (i: number) => (i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16);

/** The MD5 initial state A, B, C, D. */
export const MD5_INIT = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476] as const;

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string) => [...uleb(s.length), ...new TextEncoder().encode(s)];
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];

/** What the generated hash functions use of WebAssembly: value types, opcodes, and (`simd`) opcodes after the 0xfd prefix. */
export const WASM = {
  i32: 0x7f,
  v128: 0x7b,
  i32Load: 0x28,
  i32Store: 0x36,
  i32Eqz: 0x45,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Rotl: 0x77,
  simd: {
    load: 0x00,
    store: 0x0b,
    const: 0x0c,
    shuffle: 0x0d,
    swizzle: 0x0e,
    not: 0x4d,
    or: 0x50,
    xor: 0x51,
    bitselect: 0x52,
    load32Lane: 0x56,
    load32Zero: 0x5c,
    shl: 0xab,
    shrU: 0xad,
    add: 0xae,
  },
} as const;

/** A memory immediate: alignment (log2) and offset. */
export const memarg = (alignLog2: number, offset: number): number[] => [...uleb(alignLog2), ...uleb(offset)];

/** A function body being written: raw opcodes, and shorthands for locals, constants and SIMD. */
export function wasmCode() {
  const bytes: number[] = [];
  const op = (...b: number[]) => void bytes.push(...b);
  const simd = (code: number, ...immediates: number[]) => op(0xfd, ...uleb(code), ...immediates);
  return {
    bytes,
    op,
    simd,
    get: (local: number) => op(0x20, ...uleb(local)),
    set: (local: number) => op(0x21, ...uleb(local)),
    i32: (value: number) => op(0x41, ...sleb(value | 0)),
    /** v128.const of four 32-bit lanes. */
    v128: (lanes: readonly number[]) => simd(WASM.simd.const, ...lanes.flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24])),
  };
}
export type WasmCode = ReturnType<typeof wasmCode>;

/** A function of the module: i32 parameters, no result; `body` is its locals and code (see {@link hashFunction}). */
export interface WasmFunction {
  name: string;
  params: number;
  body: number[];
}

/**
 * A hash function `name(state, p1, …, pk, n)` over n 64-byte blocks: it loads `words` state values (i32, or
 * v128 with `vector`) from `state` into locals, runs `block` once per block, adds the state before the block
 * to the result (feed-forward), advances the k pointers by 64 and finally stores the state back. `block` gets
 * the code, the first state local and the first local it may use (`locals`: its own, as [count, type] pairs).
 */
export function hashFunction(
  fn: { name: string; pointers: number; words: number; vector: boolean; locals: [number, number][] },
  block: (c: WasmCode, state: number, free: number) => void,
): WasmFunction {
  const c = wasmCode();
  const n = fn.pointers + 1;
  const first = n + 1;
  const saved = first + fn.words;
  const [load, store, add, size] = fn.vector
    ? [[0xfd, ...uleb(WASM.simd.load)], [0xfd, ...uleb(WASM.simd.store)], [0xfd, ...uleb(WASM.simd.add)], 16]
    : [[WASM.i32Load], [WASM.i32Store], [WASM.i32Add], 4];
  for (let r = 0; r < fn.words; r++) {
    c.get(0);
    c.op(...load, ...memarg(fn.vector ? 4 : 2, r * size));
    c.set(first + r);
  }
  c.op(0x02, 0x40, 0x03, 0x40); // block, loop
  c.get(n);
  c.op(WASM.i32Eqz, 0x0d, 1); // br_if out when n == 0
  for (let r = 0; r < fn.words; r++) (c.get(first + r), c.set(saved + r));
  block(c, first, saved + fn.words);
  for (let r = 0; r < fn.words; r++) (c.get(first + r), c.get(saved + r), c.op(...add), c.set(first + r));
  for (let p = 1; p <= fn.pointers; p++) (c.get(p), c.i32(64), c.op(WASM.i32Add), c.set(p));
  c.get(n);
  c.i32(1);
  c.op(WASM.i32Sub);
  c.set(n);
  c.op(0x0c, 0, 0x0b, 0x0b); // br loop, end loop, end block
  for (let r = 0; r < fn.words; r++) (c.get(0), c.get(first + r), c.op(...store, ...memarg(fn.vector ? 4 : 2, r * size)));
  c.op(0x0b);
  const locals = [[fn.words * 2, fn.vector ? WASM.v128 : WASM.i32], ...fn.locals];
  const body = [...uleb(locals.length), ...locals.flatMap(([count, type]) => [...uleb(count!), type!]), ...c.bytes];
  return { name: fn.name, params: fn.pointers + 2, body };
}

/**
 * A module of `functions` importing `env.memory`: with `pages`, a shared memory of exactly that many 64 KiB pages
 * (worker threads hashing bodies where they lie); without, an ordinary growable memory of at least one page.
 */
export function wasmModule(functions: WasmFunction[], pages?: number): Uint8Array<ArrayBuffer> {
  const types = section(1, vector(functions.map((f) => [0x60, ...uleb(f.params), ...Array<number>(f.params).fill(WASM.i32), 0])));
  const memory = pages ? [0x03, ...uleb(pages), ...uleb(pages)] : [0x00, 1];
  const imports = section(2, vector([[...name('env'), ...name('memory'), 0x02, ...memory]]));
  const declared = section(3, vector(functions.map((_, i) => uleb(i))));
  const exported = section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])));
  const code = section(10, vector(functions.map((f) => [...uleb(f.body.length), ...f.body])));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...declared, ...exported, ...code]);
}

/** md5x4 or md5x1: 64 unrolled steps per block. */
function md5(lanes: 1 | 4): WasmFunction {
  const v = lanes === 4;
  const { simd } = WASM;
  return hashFunction({ name: `md5x${lanes}`, pointers: lanes, words: 4, vector: v, locals: [[16, v ? WASM.v128 : WASM.i32]] }, (c, A, M) => {
    const add = () => (v ? c.simd(simd.add) : c.op(WASM.i32Add));
    for (let k = 0; k < 16; k++) {
      c.get(1);
      if (!v) c.op(WASM.i32Load, ...memarg(2, k * 4));
      else {
        c.simd(simd.load32Zero, ...memarg(2, k * 4));
        for (let lane = 1; lane < 4; lane++) {
          c.set(M + k);
          c.get(lane + 1);
          c.get(M + k);
          c.simd(simd.load32Lane, ...memarg(2, k * 4), lane);
        }
      }
      c.set(M + k);
    }
    let [a, b, x, d] = [A, A + 1, A + 2, A + 3];
    for (let i = 0; i < 64; i++) {
      // a + M[g] + K[i] does not wait for the previous step; then + f(b, c, d).
      c.get(a);
      c.get(M + word(i));
      add();
      if (v) c.v128([K[i]!, K[i]!, K[i]!, K[i]!]);
      else c.i32(K[i]!);
      add();
      const round = i >> 4;
      if (v) {
        if (round === 0) (c.get(x), c.get(d), c.get(b), c.simd(simd.bitselect)); // (b & c) | (~b & d)
        else if (round === 1) (c.get(b), c.get(x), c.get(d), c.simd(simd.bitselect)); // (d & b) | (~d & c)
        else if (round === 2) (c.get(b), c.get(x), c.simd(simd.xor), c.get(d), c.simd(simd.xor));
        else (c.get(x), c.get(b), c.get(d), c.simd(simd.not), c.simd(simd.or), c.simd(simd.xor)); // c ^ (b | ~d)
      } else {
        if (round === 0) (c.get(d), c.get(b), c.get(x), c.get(d), c.op(WASM.i32Xor, WASM.i32And, WASM.i32Xor)); // d ^ (b & (c ^ d))
        else if (round === 1) (c.get(x), c.get(d), c.get(b), c.get(x), c.op(WASM.i32Xor, WASM.i32And, WASM.i32Xor)); // c ^ (d & (b ^ c))
        else if (round === 2) (c.get(b), c.get(x), c.op(WASM.i32Xor), c.get(d), c.op(WASM.i32Xor));
        else (c.get(x), c.get(b), c.get(d), c.i32(-1), c.op(WASM.i32Xor, WASM.i32Or, WASM.i32Xor));
      }
      add();
      const s = shift(i);
      if (v) {
        c.set(a);
        c.get(a);
        c.i32(s);
        c.simd(simd.shl);
        c.get(a);
        c.i32(32 - s);
        c.simd(simd.shrU);
        c.simd(simd.or);
      } else (c.i32(s), c.op(WASM.i32Rotl));
      c.get(b);
      add();
      c.set(a);
      [a, b, x, d] = [d, a, b, x]; // 64 steps rotate the roles back to A, B, C, D
    }
  });
}

/**
 * The module's bytes, importing `env.memory` and exporting `md5x4(state, p0, p1, p2, p3, n)` and
 * `md5x1(state, p, n)`; `simd: false` leaves md5x4 out (for runtimes without WebAssembly SIMD). With `pages`,
 * the memory is shared and exactly that many 64 KiB pages (worker threads hashing bodies where they lie);
 * without, it is an ordinary growable memory of at least one page (a browser worker without cross-origin
 * isolation).
 */
export function md5WasmBytes(pages?: number, simd = true): Uint8Array<ArrayBuffer> {
  return wasmModule(simd ? [md5(4), md5(1)] : [md5(1)], pages);
}
