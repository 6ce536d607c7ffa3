/**
 * The hash functions of the hash worker, synchronous over bytes in JavaScript memory: a whole-file SHA-1 that
 * goes on part after part (hash-wasm's, whose state is saved per upload and loaded back for its next part) and
 * the MD5s of up to four parts at once (generated WebAssembly, SIMD lanes; one at a time without SIMD), through
 * a 1 MiB window of its own memory (256 KiB per lane), so that memory never grows with the part size.
 * @module
 */
import { createSHA1 } from 'hash-wasm';
import { MD5_INIT, md5WasmBytes } from '@vod-uploader/tencent';

/** MD5 state (4 vectors) at 0; final blocks at 64. */
const MD5_AT = 0;
const TAIL = 64;
/** Bytes of each lane copied in at a time; the window (one chunk per lane) starts at page 1. */
const CHUNK = 1 << 18;
const WINDOW = 1 << 16;

export interface HashKernels {
  /** Parts {@link HashKernels.md5} takes at once at the cost of one (4 with WebAssembly SIMD, else 1). */
  lanes: number;
  /** A SHA-1 state: a new one, or one from {@link HashKernels.save} (throws if it is not one). */
  load(saved?: Uint8Array): Uint8Array;
  /** The state's bytes to continue later. */
  save(state: Uint8Array): Uint8Array<ArrayBuffer>;
  /** Feeds `bytes` into the SHA-1 `state`. */
  update(state: Uint8Array, bytes: Uint8Array): void;
  /** The SHA-1 (hex) of what went into `state`, which stays usable. */
  digest(state: Uint8Array): string;
  /** The MD5s (hex) of up to {@link HashKernels.lanes} parts. */
  md5(parts: Uint8Array[]): string[];
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Compiles the hash functions (asynchronously: browsers refuse to compile larger modules synchronously on the
 * main thread), with SIMD where WebAssembly has it.
 */
export async function createHashKernels(simd = WebAssembly.validate(md5WasmBytes())): Promise<HashKernels> {
  const memory = new WebAssembly.Memory({ initial: (WINDOW + 4 * CHUNK) / 65536 });
  const [sha1, { instance }] = await Promise.all([createSHA1(), WebAssembly.instantiate(md5WasmBytes(undefined, simd), { env: { memory } })]);
  const { md5x1, md5x4 } = instance.exports as Record<string, (...args: number[]) => void>;
  const lanes = md5x4 ? 4 : 1;
  const u8 = new Uint8Array(memory.buffer);
  const words = new DataView(memory.buffer);

  /** Writes MD5 padding after the `rest` bytes at TAIL for a message of `bytes` bytes; returns blocks. */
  const pad = (rest: number, bytes: number) => {
    u8.fill(0, TAIL + rest, TAIL + 128);
    u8[TAIL + rest] = 0x80;
    const blocks = rest < 56 ? 1 : 2;
    const end = TAIL + blocks * 64;
    words.setUint32(end - 8, (bytes * 8) >>> 0, true);
    words.setUint32(end - 4, Math.floor(bytes / 2 ** 29), true);
    return blocks;
  };

  return {
    lanes,
    load(saved) {
      if (!saved) sha1.init();
      else {
        try {
          sha1.load(saved);
        } catch {
          throw new Error('Not a SHA-1 state saved by this hasher.');
        }
      }
      return sha1.save();
    },
    save: (state) => state.slice(),
    update(state, bytes) {
      sha1.load(state);
      sha1.update(bytes);
      state.set(sha1.save());
    },
    digest(state) {
      sha1.load(state);
      return sha1.digest('hex');
    },
    md5(parts) {
      const states = parts.map((): number[] => [...MD5_INIT]);
      const done = parts.map(() => 0);
      for (;;) {
        // The lanes with whole blocks left, as many blocks as all of them have (at most a chunk).
        const live = parts.flatMap((p, i) => (p.length - done[i]! >= 64 ? [i] : []));
        if (!live.length) break;
        const blocks = Math.min(CHUNK / 64, ...live.map((i) => (parts[i]!.length - done[i]!) >> 6));
        for (const i of live) u8.set(parts[i]!.subarray(done[i], done[i]! + blocks * 64), WINDOW + i * CHUNK);
        if (live.length === 1) {
          const s = states[live[0]!]!;
          s.forEach((w, r) => words.setUint32(MD5_AT + r * 4, w, true));
          md5x1!(MD5_AT, WINDOW + live[0]! * CHUNK, blocks);
          s.forEach((_, r) => (s[r] = words.getUint32(MD5_AT + r * 4, true)));
        } else {
          // Lanes without blocks hash lane `live[0]`'s again; their results are not read.
          const lane = (l: number) => (live.includes(l) ? l : live[0]!);
          for (let l = 0; l < 4; l++) states[lane(l)]!.forEach((w, r) => words.setUint32(MD5_AT + r * 16 + l * 4, w, true));
          md5x4!(MD5_AT, ...[0, 1, 2, 3].map((l) => WINDOW + lane(l) * CHUNK), blocks);
          for (const l of live) states[l]!.forEach((_, r) => (states[l]![r] = words.getUint32(MD5_AT + r * 16 + l * 4, true)));
        }
        for (const i of live) done[i]! += blocks * 64;
      }
      return parts.map((part, i) => {
        const rest = part.length - done[i]!;
        u8.set(part.subarray(done[i]), TAIL);
        states[i]!.forEach((w, r) => words.setUint32(MD5_AT + r * 4, w, true));
        md5x1!(MD5_AT, TAIL, pad(rest, part.length));
        return hex(u8.subarray(MD5_AT, MD5_AT + 16));
      });
    },
  };
}
