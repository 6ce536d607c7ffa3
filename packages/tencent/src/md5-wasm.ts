/**
 * MD5 of several streams at once, in WebAssembly SIMD: `md5x4` runs the MD5 compression of four independent
 * streams in the four 32-bit lanes of 128-bit vectors (one instruction does the same step for all four), about
 * 2.5 times the throughput of node:crypto's MD5 on one stream when four bodies arrive together; `md5x1` is the
 * plain one-stream version (for a lone body and for final padded blocks). Both read the streams straight from
 * the (shared) memory they import, so request bodies in the body pool are hashed where they lie.
 *
 * The module is generated here as bytes (there is no compiler step): straight-line code for the 64 steps of a
 * block, looped over `n` blocks. State layout at `state`: for md5x4 four vectors A, B, C, D (lane i = stream
 * i); for md5x1 four words A, B, C, D. Streams advance by 64 bytes per block. The generator is written for
 * size (it ships in the browser's hash worker): opcodes are numbers, commented where they are written.
 * @module
 */

/** The MD5 initial state A, B, C, D. */
export const MD5_INIT = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476] as const;

/** LEB128 of `n`: unsigned, or (`signed`) signed. */
const leb = (n: number, signed?: boolean): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 127;
    n = signed ? n >> 7 : n >>> 7;
    if (signed ? n === (b & 64 ? -1 : 0) : !n) return [...out, b];
    out.push(b | 128);
  }
};
const vector = (items: number[][]) => [...leb(items.length), ...items.flat()];
const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
/** A name (ASCII). */
const name = (s: string) => [s.length, ...new TextEncoder().encode(s)];

/**
 * The body of md5x4 (`lanes` 4: `(state, p0, p1, p2, p3, n)`, v128 state) or md5x1 (`lanes` 1: `(state, p, n)`,
 * i32 state): load the state into locals, then per block save it, run the 64 unrolled steps, add the saved state
 * (feed-forward) and advance the pointers by 64; finally store the state back.
 */
function md5(lanes: number): number[] {
  const v = lanes > 1;
  /** Locals: the parameters, then the state A B C D, the state before the block, the 16 message words. */
  const n = lanes + 1;
  const A = n + 1;
  const saved = A + 4;
  const M = A + 8;
  const code: number[] = [];
  const op = (...bytes: number[]) => void code.push(...bytes);
  const get = (local: number) => op(0x20, local);
  const set = (local: number) => op(0x21, local);
  const i32 = (value: number) => op(0x41, ...leb(value | 0, true)); // i32.const
  const simd = (opcode: number, ...immediates: number[]) => op(0xfd, ...leb(opcode), ...immediates);
  const add = () => (v ? simd(0xae) : op(0x6a)); // i32x4.add, i32.add
  /** Loads (or stores) state word `r`: v128.load/store align 16, i32.load/store align 4. */
  const state = (r: number, store?: boolean) => (v ? simd(store ? 0x0b : 0, 4, r * 16) : op(store ? 0x36 : 0x28, 2, r * 4));
  const words = (f: (r: number) => void) => [0, 1, 2, 3].forEach(f);

  words((r) => (get(0), state(r), set(A + r)));
  op(0x02, 0x40, 0x03, 0x40); // block, loop
  get(n);
  op(0x45, 0x0d, 1); // i32.eqz, br_if out when n == 0
  words((r) => (get(A + r), set(saved + r)));
  for (let k = 0; k < 16; k++) {
    get(1);
    if (!v) op(0x28, 2, k * 4); // i32.load
    else {
      simd(0x5c, 2, k * 4); // v128.load32_zero, then v128.load32_lane 1-3 from the other streams
      for (let lane = 1; lane < 4; lane++) (set(M + k), get(lane + 1), get(M + k), simd(0x56, 2, k * 4, lane));
    }
    set(M + k);
  }
  let [a, b, c, d] = [A, A + 1, A + 2, A + 3];
  for (let i = 0; i < 64; i++) {
    /** Round constant floor(|sin(i + 1)| · 2^32) and message word index (RFC 1321). */
    const K = (Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0;
    const round = i >> 4;
    const s = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21][round * 4 + (i % 4)]!;
    // a + M[g] + K[i] does not wait for the previous step; then + f(b, c, d).
    get(a);
    get(M + [i, 5 * i + 1, 3 * i + 5, 7 * i][round]! % 16);
    add();
    const k = [K & 255, (K >>> 8) & 255, (K >>> 16) & 255, K >>> 24];
    if (v) simd(0x0c, ...k, ...k, ...k, ...k); // v128.const
    else i32(K);
    add();
    if (v) {
      // 0x52 v128.bitselect, 0x51 v128.xor, 0x50 v128.or, 0x4d v128.not
      if (round === 0) (get(c), get(d), get(b), simd(0x52)); // (b & c) | (~b & d)
      else if (round === 1) (get(b), get(c), get(d), simd(0x52)); // (d & b) | (~d & c)
      else if (round === 2) (get(b), get(c), simd(0x51), get(d), simd(0x51));
      else (get(c), get(b), get(d), simd(0x4d), simd(0x50), simd(0x51)); // c ^ (b | ~d)
    } else {
      // 0x73 i32.xor, 0x71 i32.and, 0x72 i32.or
      if (round === 0) (get(d), get(b), get(c), get(d), op(0x73, 0x71, 0x73)); // d ^ (b & (c ^ d))
      else if (round === 1) (get(c), get(d), get(b), get(c), op(0x73, 0x71, 0x73)); // c ^ (d & (b ^ c))
      else if (round === 2) (get(b), get(c), op(0x73), get(d), op(0x73));
      else (get(c), get(b), get(d), i32(-1), op(0x73, 0x72, 0x73));
    }
    add();
    if (v) (set(a), get(a), i32(s), simd(0xab), get(a), i32(32 - s), simd(0xad), simd(0x50)); // i32x4.shl, i32x4.shr_u, v128.or
    else (i32(s), op(0x77)); // i32.rotl
    get(b);
    add();
    set(a);
    [a, b, c, d] = [d, a, b, c]; // 64 steps rotate the roles back to A, B, C, D
  }
  words((r) => (get(A + r), get(saved + r), add(), set(A + r)));
  for (let p = 1; p <= lanes; p++) (get(p), i32(64), op(0x6a), set(p)); // i32.add
  get(n);
  i32(1);
  op(0x6b); // i32.sub
  set(n);
  op(0x0c, 0, 0x0b, 0x0b); // br loop, end loop, end block
  words((r) => (get(0), get(A + r), state(r, true)));
  op(0x0b);
  const type = v ? 0x7b : 0x7f; // v128, i32
  return [2, 8, type, 16, type, ...code];
}

/**
 * The module's bytes, importing `env.memory` and exporting `md5x4(state, p0, p1, p2, p3, n)` and
 * `md5x1(state, p, n)`; `simd: false` leaves md5x4 out (for runtimes without WebAssembly SIMD). With `pages`,
 * the memory is shared and exactly that many 64 KiB pages (worker threads hashing bodies where they lie);
 * without, it is an ordinary growable memory of at least one page (a browser worker without cross-origin
 * isolation).
 */
export function md5WasmBytes(pages?: number, simd = true): Uint8Array<ArrayBuffer> {
  const lanes = simd ? [4, 1] : [1];
  const memory = pages ? [3, ...leb(pages), ...leb(pages)] : [0, 1]; // shared min max, or min
  return new Uint8Array([
    ...[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0], // \0asm, version 1
    ...section(1, vector(lanes.map((l) => [0x60, l + 2, ...Array<number>(l + 2).fill(0x7f), 0]))), // types: (i32 × l + 2) → ()
    ...section(2, vector([[...name('env'), ...name('memory'), 2, ...memory]])),
    ...section(3, vector(lanes.map((_, i) => [i]))),
    ...section(7, vector(lanes.map((l, i) => [...name(`md5x${l}`), 0, i]))),
    ...section(10, vector(lanes.map((l) => ((body) => [...leb(body.length), ...body])(md5(l))))),
  ]);
}
