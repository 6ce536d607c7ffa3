/**
 * The hash functions of the hash worker, synchronous over bytes in JavaScript memory: a whole-file SHA-1 that
 * goes on part after part (its state is 96 small bytes, kept per upload) and the MD5s of up to four parts at
 * once (WebAssembly SIMD lanes; one at a time without SIMD). Both are generated WebAssembly sharing one small
 * memory: bytes are copied in through a 1 MiB window (256 KiB per lane) and hashed there, so the memory never
 * grows with the part size.
 * @module
 */
import { MD5_INIT, md5WasmBytes } from '@vod-uploader/tencent';
import { sha1WasmBytes } from './sha1-wasm.ts';

/** SHA-1 state (5 words) at 0, its W + K scratch at 32..352; MD5 state (4 vectors) at 384; final blocks at 448. */
const SHA1_AT = 0;
const MD5_AT = 384;
const TAIL = 448;
/** Bytes of each lane copied in at a time; the window (one chunk per lane) starts at page 1. */
const CHUNK = 1 << 18;
const WINDOW = 1 << 16;
const SHA1_INIT = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
/** The first word of a saved SHA-1 state: this layout, version 1 ("vus1"). */
const MAGIC = 0x31737576;

export interface HashKernels {
  /** Parts {@link HashKernels.md5} takes at once at the cost of one (4 with WebAssembly SIMD, else 1). */
  lanes: number;
  /** A SHA-1 state: a new one, or one from {@link HashKernels.save} (throws if it is not one). */
  load(saved?: Uint8Array): Uint8Array;
  /** The state's bytes to continue later (only what is in use). */
  save(state: Uint8Array): Uint8Array<ArrayBuffer>;
  /** Feeds `bytes` into the SHA-1 `state`. */
  update(state: Uint8Array, bytes: Uint8Array): void;
  /** The SHA-1 (hex) of what went into `state`, which stays usable. */
  digest(state: Uint8Array): string;
  /** The MD5s (hex) of up to {@link HashKernels.lanes} parts. */
  md5(parts: Uint8Array[]): string[];
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/*
 * State layout (little-endian): MAGIC, the 5 SHA-1 words, the byte count (float64) at 24, the bytes of an
 * unfinished block at 32..96. A saved state is the first 32 + (count mod 64) bytes.
 */
const view = (state: Uint8Array) => new DataView(state.buffer, state.byteOffset, state.byteLength);
const count = (state: Uint8Array) => view(state).getFloat64(24, true);

/**
 * Compiles the hash functions (asynchronously: browsers refuse to compile larger modules synchronously on the
 * main thread), with SIMD where WebAssembly has it.
 */
export async function createHashKernels(simd = WebAssembly.validate(md5WasmBytes())): Promise<HashKernels> {
  const memory = new WebAssembly.Memory({ initial: (WINDOW + 4 * CHUNK) / 65536 });
  const instantiate = async (bytes: Uint8Array<ArrayBuffer>) =>
    (await WebAssembly.instantiate(bytes, { env: { memory } })).instance.exports as Record<string, (...args: number[]) => void>;
  const [{ sha1 }, { md5x1, md5x4 }] = await Promise.all([instantiate(sha1WasmBytes(simd)), instantiate(md5WasmBytes(undefined, simd))]);
  const lanes = md5x4 ? 4 : 1;
  const u8 = new Uint8Array(memory.buffer);
  const words = new DataView(memory.buffer);

  /** Runs `sha1` over `blocks` blocks at `at` with the words of `state`, writing them to `into`. */
  const compress = (state: Uint8Array, at: number, blocks: number, into = state) => {
    u8.set(state.subarray(4, 24), SHA1_AT);
    sha1!(SHA1_AT, at, blocks);
    into.set(u8.subarray(SHA1_AT, SHA1_AT + 20), 4);
  };
  /** Writes MD5/SHA-1 padding after the `rest` bytes at TAIL for a message of `bytes` bytes; returns blocks. */
  const pad = (rest: number, bytes: number, bigEndian: boolean) => {
    u8.fill(0, TAIL + rest, TAIL + 128);
    u8[TAIL + rest] = 0x80;
    const blocks = rest < 56 ? 1 : 2;
    const end = TAIL + blocks * 64;
    const [high, low] = [Math.floor(bytes / 2 ** 29), (bytes * 8) >>> 0];
    words.setUint32(end - (bigEndian ? 8 : 4), high, !bigEndian);
    words.setUint32(end - (bigEndian ? 4 : 8), low, !bigEndian);
    return blocks;
  };

  return {
    lanes,
    load(saved) {
      const state = new Uint8Array(96);
      const v = view(state);
      if (!saved) {
        v.setUint32(0, MAGIC, true);
        SHA1_INIT.forEach((w, i) => v.setUint32(4 + i * 4, w, true));
        return state;
      }
      const ok = saved.byteLength >= 32 && view(saved).getUint32(0, true) === MAGIC && saved.byteLength === 32 + (count(saved) % 64);
      if (!ok) throw new Error('Not a SHA-1 state saved by this hasher.');
      state.set(saved);
      return state;
    },
    save: (state) => state.slice(0, 32 + (count(state) % 64)),
    update(state, bytes) {
      const total = count(state);
      let rest = total % 64;
      view(state).setFloat64(24, total + bytes.length, true);
      let at = 0;
      if (rest) {
        at = Math.min(64 - rest, bytes.length);
        state.set(bytes.subarray(0, at), 32 + rest);
        if (rest + at < 64) return;
        u8.set(state.subarray(32, 96), TAIL);
        compress(state, TAIL, 1);
      }
      while (bytes.length - at >= 64) {
        const n = Math.min(CHUNK * 4, (bytes.length - at) & ~63);
        u8.set(bytes.subarray(at, at + n), WINDOW);
        compress(state, WINDOW, n / 64);
        at += n;
      }
      state.set(bytes.subarray(at), 32);
    },
    digest(state) {
      const total = count(state);
      u8.set(state.subarray(32, 32 + (total % 64)), TAIL);
      const out = new Uint8Array(24);
      compress(state, TAIL, pad(total % 64, total, true), out);
      const be = new DataView(out.buffer);
      for (let i = 4; i < 24; i += 4) be.setUint32(i, be.getUint32(i, true));
      return hex(out.subarray(4));
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
        md5x1!(MD5_AT, TAIL, pad(rest, part.length, false));
        return hex(u8.subarray(MD5_AT, MD5_AT + 16));
      });
    },
  };
}
