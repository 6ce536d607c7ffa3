/**
 * MD5 of several streams at once, in WebAssembly SIMD: `md5x4` runs the MD5 compression of four independent
 * streams in the four 32-bit lanes of 128-bit vectors (one instruction does the same step for all four), about
 * 2.5 times the throughput of node:crypto's MD5 on one stream when four bodies arrive together; `md5x1` is the
 * plain one-stream version (for a lone body and for final padded blocks). Both read the streams straight from
 * the (shared) memory they import, so request bodies in the body pool are hashed where they lie.
 *
 * The module is generated here as bytes (there is no compiler step): straight-line code for the 64 steps of a
 * block, looped over `n` blocks. State layout at `state`: for md5x4 four vectors A, B, C, D (lane i = stream
 * i); for md5x1 four words A, B, C, D. Streams advance by 64 bytes per block.
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

// Opcodes.
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_LOAD = 0x28;
const I32_STORE = 0x36;
const I32_EQZ = 0x45;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_AND = 0x71;
const I32_OR = 0x72;
const I32_XOR = 0x73;
const I32_ROTL = 0x77;
const simd = (op: number) => [0xfd, ...uleb(op)];
const V128_LOAD = simd(0x00);
const V128_STORE = simd(0x0b);
const V128_CONST = simd(0x0c);
const V128_NOT = simd(0x4d);
const V128_OR = simd(0x50);
const V128_XOR = simd(0x51);
const V128_BITSELECT = simd(0x52);
const V128_LOAD32_LANE = simd(0x56);
const V128_LOAD32_ZERO = simd(0x5c);
const I32X4_SHL = simd(0xab);
const I32X4_SHR_U = simd(0xad);
const I32X4_ADD = simd(0xae);
const memarg = (alignLog2: number, offset: number) => [...uleb(alignLog2), ...uleb(offset)];

/** The function body shared by both: loop over n blocks, 64 unrolled steps each. */
function body(lanes: 1 | 4): number[] {
  // Params: state, p0[, p1, p2, p3], n. Locals: A B C D, AA BB CC DD, M0..M15.
  const ptrs = lanes === 4 ? [1, 2, 3, 4] : [1];
  const N = ptrs.length + 1;
  const A = N + 1;
  const AA = A + 4;
  const M = AA + 4;
  const code: number[] = [];
  const get = (i: number) => code.push(LOCAL_GET, ...uleb(i));
  const set = (i: number) => code.push(LOCAL_SET, ...uleb(i));
  const add = () => code.push(...(lanes === 4 ? I32X4_ADD : [I32_ADD]));
  const constant = (k: number) => {
    if (lanes === 1) {
      code.push(I32_CONST, ...sleb(k | 0));
      return;
    }
    const word = [k & 0xff, (k >>> 8) & 0xff, (k >>> 16) & 0xff, k >>> 24];
    code.push(...V128_CONST, ...word, ...word, ...word, ...word);
  };

  for (let r = 0; r < 4; r++) {
    get(0);
    code.push(...(lanes === 4 ? [...V128_LOAD, ...memarg(4, r * 16)] : [I32_LOAD, ...memarg(2, r * 4)]));
    set(A + r);
  }
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop
  get(N);
  code.push(I32_EQZ, 0x0d, 1); // br_if out when n == 0
  for (let k = 0; k < 16; k++) {
    if (lanes === 1) {
      get(1);
      code.push(I32_LOAD, ...memarg(2, k * 4));
    } else {
      get(1);
      code.push(...V128_LOAD32_ZERO, ...memarg(2, k * 4));
      for (let lane = 1; lane < 4; lane++) {
        set(M + k);
        get(ptrs[lane]!);
        get(M + k);
        code.push(...V128_LOAD32_LANE, ...memarg(2, k * 4), lane);
      }
    }
    set(M + k);
  }
  for (let r = 0; r < 4; r++) {
    get(A + r);
    set(AA + r);
  }
  let [a, b, c, d] = [A, A + 1, A + 2, A + 3];
  for (let i = 0; i < 64; i++) {
    // a + M[g] + K[i] does not wait for the previous step; then + f(b, c, d).
    get(a);
    get(M + word(i));
    add();
    constant(K[i]!);
    add();
    const round = i >> 4;
    if (lanes === 4) {
      if (round === 0) (get(c), get(d), get(b), code.push(...V128_BITSELECT)); // (b & c) | (~b & d)
      else if (round === 1) (get(b), get(c), get(d), code.push(...V128_BITSELECT)); // (d & b) | (~d & c)
      else if (round === 2) (get(b), get(c), code.push(...V128_XOR), get(d), code.push(...V128_XOR));
      else (get(c), get(b), get(d), code.push(...V128_NOT, ...V128_OR, ...V128_XOR)); // c ^ (b | ~d)
    } else {
      if (round === 0) (get(d), get(b), get(c), get(d), code.push(I32_XOR, I32_AND, I32_XOR)); // d ^ (b & (c ^ d))
      else if (round === 1) (get(c), get(d), get(b), get(c), code.push(I32_XOR, I32_AND, I32_XOR)); // c ^ (d & (b ^ c))
      else if (round === 2) (get(b), get(c), code.push(I32_XOR), get(d), code.push(I32_XOR));
      else (get(c), get(b), get(d), code.push(I32_CONST, ...sleb(-1), I32_XOR, I32_OR, I32_XOR));
    }
    add();
    const s = shift(i);
    if (lanes === 4) {
      set(a);
      get(a);
      code.push(I32_CONST, ...sleb(s), ...I32X4_SHL);
      get(a);
      code.push(I32_CONST, ...sleb(32 - s), ...I32X4_SHR_U, ...V128_OR);
    } else code.push(I32_CONST, ...sleb(s), I32_ROTL);
    get(b);
    add();
    set(a);
    [a, b, c, d] = [d, a, b, c];
  }
  // 64 steps rotate the roles back to A, B, C, D.
  for (let r = 0; r < 4; r++) {
    get(A + r);
    get(AA + r);
    add();
    set(A + r);
  }
  for (const p of ptrs) {
    get(p);
    code.push(I32_CONST, ...sleb(64), I32_ADD);
    set(p);
  }
  get(N);
  code.push(I32_CONST, 1, I32_SUB);
  set(N);
  code.push(0x0c, 0, 0x0b, 0x0b); // br loop, end loop, end block
  for (let r = 0; r < 4; r++) {
    get(0);
    get(A + r);
    code.push(...(lanes === 4 ? [...V128_STORE, ...memarg(4, r * 16)] : [I32_STORE, ...memarg(2, r * 4)]));
  }
  code.push(0x0b);
  const locals = [...uleb(1), ...uleb(24), lanes === 4 ? 0x7b : 0x7f];
  const fn = [...locals, ...code];
  return [...uleb(fn.length), ...fn];
}

/**
 * The module's bytes, importing `env.memory` and exporting `md5x4(state, p0, p1, p2, p3, n)` and
 * `md5x1(state, p, n)`. With `pages`, the memory is shared and exactly that many 64 KiB pages (worker threads
 * hashing bodies where they lie); without, it is an ordinary growable memory of at least one page (a browser
 * worker without cross-origin isolation).
 */
export function md5WasmBytes(pages?: number): Uint8Array<ArrayBuffer> {
  const I32 = 0x7f;
  const types = section(1, vector([[0x60, 6, I32, I32, I32, I32, I32, I32, 0], [0x60, 3, I32, I32, I32, 0]]));
  const imports = section(2, vector([[...name('env'), ...name('memory'), 0x02, ...(pages ? [0x03, ...uleb(pages), ...uleb(pages)] : [0x00, 1])]]));
  const functions = section(3, vector([[0], [1]]));
  const exports = section(7, vector([[...name('md5x4'), 0x00, 0], [...name('md5x1'), 0x00, 1]]));
  const code = section(10, vector([body(4), body(1)]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...functions, ...exports, ...code]);
}
