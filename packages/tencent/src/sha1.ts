/**
 * SHA-1 and HMAC-SHA1 in plain JavaScript, synchronous and incremental, for every runtime.
 *
 * Why not Web Crypto: `crypto.subtle.digest` cannot hash a stream (a server reading whole videos back to verify
 * them), Workers cannot compile WASM from bytes, and each `subtle` call is an async round trip that costs more
 * than the hash itself for the ~200-byte strings of COS signatures (see `createCosPresigner` in `cos-sign.ts`).
 * @module
 */
import { utf8 } from './crypto.ts';

/** An incremental hasher: `update` any number of times, then `digest` once. */
export interface Hasher {
  update(data: Uint8Array): Hasher;
  /** The digest as bytes. The hasher cannot be updated afterwards. */
  digest(): Uint8Array;
}

const W = new Int32Array(80);

/** One SHA-1 compression of the 64 bytes at `data[offset..]` into `h`. */
function compress(h: Int32Array, data: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    W[i] = (data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!;
  }
  for (let i = 16; i < 80; i++) {
    const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
    W[i] = (x << 1) | (x >>> 31);
  }
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  for (let i = 0; i < 80; i++) {
    let f: number;
    let k: number;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
}

const INITIAL = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 | 0];

/** Incremental SHA-1. `new Sha1().update(a).update(b).digest()` equals the SHA-1 of `a` then `b`. */
export class Sha1 implements Hasher {
  #h = Int32Array.from(INITIAL);
  #block = new Uint8Array(64);
  #used = 0;
  #bytes = 0;
  #done = false;

  /** A hasher that continues from `state` (for HMAC's precomputed pads). */
  static fromState(state: Int32Array, bytes: number): Sha1 {
    const s = new Sha1();
    s.#h.set(state);
    s.#bytes = bytes;
    return s;
  }

  /** The chaining state after a whole number of blocks (for HMAC's precomputed pads). */
  state(): Int32Array {
    if (this.#used !== 0) throw new Error('Sha1.state(): only at a block boundary');
    return Int32Array.from(this.#h);
  }

  update(data: Uint8Array): this {
    if (this.#done) throw new Error('Sha1.update() after digest()');
    let i = 0;
    const n = data.length;
    this.#bytes += n;
    if (this.#used > 0) {
      const take = Math.min(64 - this.#used, n);
      this.#block.set(data.subarray(0, take), this.#used);
      this.#used += take;
      i = take;
      if (this.#used < 64) return this;
      compress(this.#h, this.#block, 0);
      this.#used = 0;
    }
    for (; i + 64 <= n; i += 64) compress(this.#h, data, i);
    if (i < n) {
      this.#block.set(data.subarray(i), 0);
      this.#used = n - i;
    }
    return this;
  }

  digest(): Uint8Array {
    if (this.#done) throw new Error('Sha1.digest() called twice');
    this.#done = true;
    const block = this.#block;
    const used = this.#used;
    block[used] = 0x80;
    block.fill(0, used + 1);
    if (used >= 56) {
      compress(this.#h, block, 0);
      block.fill(0);
    }
    // Bit length, big-endian 64-bit (bytes < 2^53, so hi = floor(bytes / 2^29)).
    const hi = Math.floor(this.#bytes / 0x20000000);
    const lo = (this.#bytes * 8) >>> 0;
    block[56] = hi >>> 24;
    block[57] = hi >>> 16;
    block[58] = hi >>> 8;
    block[59] = hi;
    block[60] = lo >>> 24;
    block[61] = lo >>> 16;
    block[62] = lo >>> 8;
    block[63] = lo;
    compress(this.#h, block, 0);
    const out = new Uint8Array(20);
    for (let i = 0; i < 5; i++) {
      const v = this.#h[i]!;
      out[i * 4] = v >>> 24;
      out[i * 4 + 1] = v >>> 16;
      out[i * 4 + 2] = v >>> 8;
      out[i * 4 + 3] = v;
    }
    return out;
  }
}

const encoder = new TextEncoder();

/** A reused buffer for short strings: signing hashes many ~200-byte strings. */
const scratch = new Uint8Array(4096);

/** UTF-8 bytes of a string; short ones share `scratch` (valid until the next call). */
function utf8View(text: string): Uint8Array {
  if (text.length * 3 <= scratch.length) return scratch.subarray(0, encoder.encodeInto(text, scratch).written);
  return utf8(text);
}

const H = new Int32Array(5);
const TAIL = new Uint8Array(128);

/**
 * SHA-1 of `data` in one go, continuing from chaining state `init` after `prefix` bytes (0 for a plain hash,
 * 64 after an HMAC pad). No allocation but the digest: the hot path of signing.
 */
function oneShot(init: ArrayLike<number>, prefix: number, data: Uint8Array): Uint8Array {
  H.set(init as Int32Array);
  const n = data.length;
  const whole = n - (n % 64);
  for (let i = 0; i < whole; i += 64) compress(H, data, i);
  const rest = n - whole;
  TAIL.fill(0);
  TAIL.set(data.subarray(whole), 0);
  TAIL[rest] = 0x80;
  const end = rest < 56 ? 64 : 128;
  const total = prefix + n;
  const hi = Math.floor(total / 0x20000000);
  const lo = (total * 8) >>> 0;
  TAIL[end - 8] = hi >>> 24;
  TAIL[end - 7] = hi >>> 16;
  TAIL[end - 6] = hi >>> 8;
  TAIL[end - 5] = hi;
  TAIL[end - 4] = lo >>> 24;
  TAIL[end - 3] = lo >>> 16;
  TAIL[end - 2] = lo >>> 8;
  TAIL[end - 1] = lo;
  compress(H, TAIL, 0);
  if (end === 128) compress(H, TAIL, 64);
  const out = new Uint8Array(20);
  for (let i = 0; i < 5; i++) {
    const v = H[i]!;
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = v >>> 16;
    out[i * 4 + 2] = v >>> 8;
    out[i * 4 + 3] = v;
  }
  return out;
}

/** SHA-1 of bytes or of a string's UTF-8, as bytes. */
export function sha1(data: Uint8Array | string): Uint8Array {
  return oneShot(INITIAL, 0, typeof data === 'string' ? utf8View(data) : data);
}

/** HMAC-SHA1 with the key's pads hashed once: `sign` costs only the message's blocks. */
export interface HmacSha1 {
  sign(message: Uint8Array | string): Uint8Array;
}

/** Prepares HMAC-SHA1 under `key` (bytes, or a string's UTF-8). */
export function hmacSha1(key: Uint8Array | string): HmacSha1 {
  let k: Uint8Array = typeof key === 'string' ? utf8(key) : key;
  if (k.length > 64) k = sha1(k);
  const ipad = new Uint8Array(64).fill(0x36);
  const opad = new Uint8Array(64).fill(0x5c);
  for (let i = 0; i < k.length; i++) {
    ipad[i]! ^= k[i]!;
    opad[i]! ^= k[i]!;
  }
  const inner = new Sha1().update(ipad).state();
  const outer = new Sha1().update(opad).state();
  return {
    sign(message) {
      const m = typeof message === 'string' ? utf8View(message) : message;
      return oneShot(outer, 64, oneShot(inner, 64, m));
    },
  };
}
