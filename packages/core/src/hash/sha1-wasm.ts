/**
 * SHA-1 in WebAssembly, generated as bytes like the MD5 of `@vod-uploader/tencent` (no compiler step):
 * `sha1(state, p, n)` compresses the n 64-byte blocks at p into the five state words at `state` (native
 * order), using the 320 bytes from `state + 32` as scratch.
 *
 * With SIMD the message schedule runs four words at a time, one vector ahead of the rounds that use it, and is
 * stored with the round constant added (W + K), for the rounds to read back: W[i..i+3] from the recurrence on
 * whole vectors, where lane 3 (which needs W[i] of the same vector) is patched afterwards; from W[32] on the
 * equivalent W[i] = rotl2(W[i−6] ^ W[i−16] ^ W[i−28] ^ W[i−32]), with no dependency inside a vector. In
 * Chromium that is about 1.6× hash-wasm's SHA-1 (~700 vs ~430 MB/s). Without SIMD the schedule runs in 16
 * i32 locals (about hash-wasm's speed).
 * @module
 */
import { WASM, hashFunction, memarg, wasmModule } from '@vod-uploader/tencent';

/** Offset of the W + K scratch from `state`. */
const WK = 32;
const K = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6];
/** Byte order of each 32-bit lane reversed (the message is big-endian). */
const BSWAP = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12];

/** The module's bytes: exports `sha1(state, p, n)`, imports a growable `env.memory`. */
export function sha1WasmBytes(simd = true): Uint8Array<ArrayBuffer> {
  const { simd: v } = WASM;
  const fn = hashFunction({ name: 'sha1', pointers: 1, words: 5, vector: false, locals: [simd ? [21, WASM.v128] : [16, WASM.i32]] }, (c, A, X) => {
    /** Lanes of two vectors (0–3 the first, 4–7 the second). */
    const shuffle = (lanes: number[]) => c.simd(v.shuffle, ...lanes.flatMap((l) => [l * 4, l * 4 + 1, l * 4 + 2, l * 4 + 3]));
    /** Rotates each lane of vector local `x` left by s (leaves it on the stack). */
    const rotl = (x: number, s: number) => (c.get(x), c.i32(s), c.simd(v.shl), c.get(x), c.i32(32 - s), c.simd(v.shrU), c.simd(v.or));
    const T = X + 20;
    /** Vector j of the schedule (W[4j..4j+3]), then W + K stored for the rounds. */
    const schedule = (j: number) => {
      const x = X + j;
      if (j < 4) {
        c.get(1);
        c.simd(v.load, ...memarg(0, j * 16));
        c.simd(v.const, ...BSWAP);
        c.simd(v.swizzle);
      } else if (j < 8) {
        // W[i−16] ^ W[i−14] ^ W[i−8] ^ (W[i−3], W[i−2], W[i−1], 0), rotated by 1; then lane 3 ^= rotl1(lane 0).
        c.get(x - 4);
        c.get(x - 4);
        c.get(x - 3);
        shuffle([2, 3, 4, 5]);
        c.simd(v.xor);
        c.get(x - 2);
        c.simd(v.xor);
        c.get(x - 1);
        c.v128([0, 0, 0, 0]);
        shuffle([1, 2, 3, 4]);
        c.simd(v.xor);
        c.set(x);
        rotl(x, 1);
        c.set(x);
        c.v128([0, 0, 0, 0]);
        c.get(x);
        shuffle([0, 0, 0, 4]);
        c.set(T);
        c.get(x);
        rotl(T, 1);
        c.simd(v.xor);
      } else {
        c.get(x - 2);
        c.get(x - 1);
        shuffle([2, 3, 4, 5]);
        for (const back of [4, 7, 8]) (c.get(x - back), c.simd(v.xor));
        c.set(x);
        rotl(x, 2);
      }
      c.set(x);
      c.get(0);
      c.get(x);
      const k = K[Math.floor(j / 5)]!;
      c.v128([k, k, k, k]);
      c.simd(v.add);
      c.simd(v.store, ...memarg(0, WK + j * 16));
    };
    if (simd) schedule(0);
    else {
      for (let k = 0; k < 16; k++) {
        // Big-endian: (rotl(x, 8) & 0x00ff00ff) | (rotl(x, 24) & 0xff00ff00).
        c.get(1);
        c.op(WASM.i32Load, ...memarg(0, k * 4));
        c.set(X + k);
        for (const [r, mask] of [[8, 0x00ff00ff], [24, 0xff00ff00]]) (c.get(X + k), c.i32(r!), c.op(WASM.i32Rotl), c.i32(mask!), c.op(WASM.i32And));
        c.op(WASM.i32Or);
        c.set(X + k);
      }
    }
    let [a, b, x, d, e] = [A, A + 1, A + 2, A + 3, A + 4];
    for (let i = 0; i < 80; i++) {
      const round = Math.floor(i / 20);
      // e += W[i] + K + f(b, c, d) + rotl(a, 5): a, the newest, last.
      if (simd) {
        if (i % 4 === 0 && i < 76) schedule(i / 4 + 1);
        c.get(0);
        c.op(WASM.i32Load, ...memarg(2, WK + i * 4));
      } else {
        const w = X + (i & 15);
        if (i >= 16) {
          // W[i] = rotl1(W[i−16] ^ W[i−3] ^ W[i−8] ^ W[i−14]), in place of W[i−16].
          c.get(w);
          for (const back of [3, 8, 14]) (c.get(X + ((i - back) & 15)), c.op(WASM.i32Xor));
          c.i32(1);
          c.op(WASM.i32Rotl);
          c.set(w);
        }
        c.get(w);
        c.i32(K[round]!);
        c.op(WASM.i32Add);
      }
      c.get(e);
      c.op(WASM.i32Add);
      if (round === 0) (c.get(d), c.get(b), c.get(x), c.get(d), c.op(WASM.i32Xor, WASM.i32And, WASM.i32Xor)); // d ^ (b & (c ^ d))
      else if (round === 2) (c.get(b), c.get(x), c.op(WASM.i32And), c.get(d), c.get(b), c.get(x), c.op(WASM.i32Or, WASM.i32And, WASM.i32Or)); // majority
      else (c.get(b), c.get(x), c.op(WASM.i32Xor), c.get(d), c.op(WASM.i32Xor));
      c.op(WASM.i32Add);
      c.get(a);
      c.i32(5);
      c.op(WASM.i32Rotl, WASM.i32Add);
      c.set(e);
      c.get(b);
      c.i32(30);
      c.op(WASM.i32Rotl);
      c.set(b);
      [a, b, x, d, e] = [e, a, b, x, d]; // 80 rounds rotate the roles back
    }
  });
  return wasmModule([fn]);
}
