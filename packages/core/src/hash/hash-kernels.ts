/**
 * The hash functions of the hash worker, synchronous over bytes in JavaScript memory: hash-wasm's SHA-1 (the
 * whole-file SHA-1 of each upload is a state saved from it and loaded back for its next part) and the MD5s of up
 * to four parts at once (generated WebAssembly, SIMD lanes; one at a time without SIMD), through a 1 MiB window
 * of its own memory (256 KiB per lane), so that memory never grows with the part size.
 * @module
 */
import { type IHasher, createSHA1 } from 'hash-wasm';
import { MD5_INIT, md5WasmBytes } from '@vod-uploader/tencent';

/** MD5 states at 0 (md5x4: vectors A, B, C, D, lane i = part i; md5x1: words A, B, C, D); final blocks at 64. */
const TAIL = 64;
/** Bytes of each lane copied in at a time; the window (one chunk per lane) starts at page 1. */
const CHUNK = 1 << 18;
const WINDOW = 1 << 16;

export interface HashKernels {
  /** Parts {@link HashKernels.md5} takes at once at the cost of one (4 with WebAssembly SIMD, else 1). */
  lanes: number;
  /** hash-wasm's SHA-1, shared: load a state, update, save (or digest) in one go. */
  sha1: IHasher;
  /** The MD5s (hex) of up to {@link HashKernels.lanes} parts. */
  md5(parts: Uint8Array[]): string[];
}

/**
 * Compiles the hash functions (asynchronously: browsers refuse to compile larger modules synchronously on the
 * main thread), with SIMD where WebAssembly has it.
 */
export async function createHashKernels(simd = WebAssembly.validate(md5WasmBytes())): Promise<HashKernels> {
  const memory = new WebAssembly.Memory({ initial: (WINDOW + 4 * CHUNK) >> 16 });
  const [sha1, { instance }] = await Promise.all([createSHA1(), WebAssembly.instantiate(md5WasmBytes(undefined, simd), { env: { memory } })]);
  const { md5x1, md5x4 } = instance.exports as Record<string, (...args: number[]) => void>;
  const u8 = new Uint8Array(memory.buffer);
  const words = new DataView(memory.buffer);

  return {
    lanes: md5x4 ? 4 : 1,
    sha1,
    md5(parts) {
      const states = parts.map((): number[] => [...MD5_INIT]);
      /** Writes (or reads back) the states of `lanes` (part indexes, one per lane): md5x1's words, md5x4's vectors. */
      const io = (lanes: number[], back?: boolean) =>
        lanes.forEach((i, l) =>
          states[i]!.forEach((w, r, state) => {
            const at = r * 4 * lanes.length + l * 4;
            if (back) state[r] = words.getUint32(at, true);
            else words.setUint32(at, w, true);
          }),
        );
      // All parts with whole blocks left advance together, as many blocks as all of them have (at most a chunk).
      for (let done = 0, size = 0, live: number[]; (live = parts.flatMap((p, i) => (p.length - done >= 64 ? [i] : []))).length; done += size) {
        size = Math.min(CHUNK, ...live.map((i) => parts[i]!.length - done)) & -64;
        for (const i of live) u8.set(parts[i]!.subarray(done, done + size), WINDOW + i * CHUNK);
        // With two or more, lanes without blocks hash lane `live[0]`'s again (the same result, read back into the same state).
        if (live.length > 1) live = [0, 1, 2, 3].map((l) => (live.includes(l) ? l : live[0]!));
        io(live);
        (live.length > 1 ? md5x4 : md5x1)!(0, ...live.map((i) => WINDOW + i * CHUNK), size >> 6);
        io(live, true);
      }
      return parts.map((part, i) => {
        // The last partial block, MD5 padding and the length in bits (little-endian, 64 bits).
        const rest = part.length % 64;
        const blocks = rest < 56 ? 1 : 2;
        u8.fill(0, TAIL, TAIL + 128);
        u8.set(part.subarray(part.length - rest), TAIL);
        u8[TAIL + rest] = 128;
        words.setUint32(TAIL + blocks * 64 - 8, part.length * 8, true);
        words.setUint32(TAIL + blocks * 64 - 4, part.length / 2 ** 29, true);
        io([i]);
        md5x1!(0, TAIL, blocks);
        return Array.from(u8.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
      });
    },
  };
}
