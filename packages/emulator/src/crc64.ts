/**
 * CRC-64 as COS reports it in `x-cos-hash-crc64ecma`: CRC-64/XZ (ECMA-182 polynomial, reflected, init and
 * xorout all ones) as an unsigned decimal string. hash-wasm's `createCRC64()` default is exactly this
 * variant; {@link crc64Combine} joins the CRCs of consecutive pieces without reading them again, which is
 * how a completed multipart object gets its whole-object CRC.
 * @module
 */
import { createCRC64, type IHasher } from 'hash-wasm';

/** The reflected ECMA-182 polynomial. */
const POLY = 0xc96c5795d7870f42n;
const TOP = 1n << 63n;
const MASK = (1n << 64n) - 1n;

/** A streaming CRC-64/XZ; `digest()` returns the unsigned decimal string. */
export interface Crc64Hasher {
  update(chunk: Uint8Array): void;
  digest(): string;
}

/** Creates a fresh hasher (one per stream: hash-wasm hashers are stateful). */
export async function createCrc64(): Promise<Crc64Hasher> {
  const h: IHasher = await createCRC64();
  h.init();
  return {
    update: (chunk) => void h.update(chunk),
    digest: () => BigInt(`0x${h.digest('hex')}`).toString(),
  };
}

/** CRC-64/XZ of bytes or a string, as a decimal string. */
export async function crc64(data: Uint8Array | string): Promise<string> {
  const h = await createCrc64();
  h.update(typeof data === 'string' ? new TextEncoder().encode(data) : data);
  return h.digest();
}

/** a(x)·b(x) mod P(x), bit-reflected (the top bit is x⁰), as zlib's `multmodp`. */
function multmodp(a: bigint, b: bigint): bigint {
  let m = TOP;
  let p = 0n;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1n)) === 0n) break;
    }
    m >>= 1n;
    b = b & 1n ? (b >> 1n) ^ POLY : b >> 1n;
  }
  return p & MASK;
}

/** x^(2^k) mod P for k = 0..63. */
const X2N: bigint[] = (() => {
  const table: bigint[] = [];
  let p = 1n << 62n; // x¹
  for (let k = 0; k < 64; k++) {
    table.push(p);
    p = multmodp(p, p);
  }
  return table;
})();

/** x^(8·bytes) mod P: the operator that appends `bytes` zero bytes. */
const shiftCache = new Map<number, bigint>();
function x8nmodp(bytes: number): bigint {
  const hit = shiftCache.get(bytes);
  if (hit !== undefined) return hit;
  let p = TOP; // x⁰
  let n = BigInt(bytes);
  let k = 3; // 8 = 2³
  while (n > 0n) {
    if (n & 1n) p = multmodp(X2N[k % 64]!, p);
    n >>= 1n;
    k++;
  }
  if (shiftCache.size > 1024) shiftCache.clear();
  shiftCache.set(bytes, p);
  return p;
}

/** CRC of A‖B from crc(A), crc(B) and B's length (decimal strings in and out). */
export function crc64Combine(crcA: string, crcB: string, lengthB: number): string {
  if (lengthB === 0) return crcA;
  return (multmodp(x8nmodp(lengthB), BigInt(crcA)) ^ BigInt(crcB)).toString();
}

/** CRC of consecutive pieces, each `{ crc64, size }`. The empty list gives the CRC of no bytes, `"0"`. */
export function crc64Concat(pieces: ReadonlyArray<{ crc64: string; size: number }>): string {
  let crc = '0';
  for (const piece of pieces) crc = crc64Combine(crc, piece.crc64, piece.size);
  return crc;
}
