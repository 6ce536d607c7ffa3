/**
 * Bytes on disk. A body is copied from the socket into the slots of a {@link HashPool}; each full slot is
 * written at its offset into a temp file (several writes in flight) and hashed (MD5 and CRC-64) by a hashing
 * thread from the same shared memory. The body becomes a blob only by an atomic rename once the caller has
 * checked it (Content-MD5), so a rejected body never replaces stored bytes. Nothing holds a whole body in
 * memory: bytes in flight are bounded by the pool (32 MiB for every upload together).
 * @module
 */
import { createReadStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { HashPool } from './hash-pool.ts';
import { randomHex } from './ids.ts';
import type { ChunkRecord } from './store.ts';

/** A body written to a temp file, hashed, not yet a blob. */
export interface PendingBlob {
  size: number;
  /** Hex MD5. */
  md5: string;
  /** Base64 MD5 (the `Content-MD5` form). */
  md5Base64: string;
  /** CRC-64/XZ, decimal. */
  crc64: string;
  /** Turns the temp file into a blob. */
  commit(): Promise<ChunkRecord>;
  /** Deletes the temp file. */
  discard(): Promise<void>;
}

/** Thrown by {@link Blobs.write} when a body grows past `maxBytes`. */
export class BodyTooLarge extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`body larger than ${limit} bytes`);
    this.name = 'BodyTooLarge';
    this.limit = limit;
  }
}

export class Blobs {
  readonly dir: string;
  readonly tmpDir: string;
  readonly #pool: HashPool;

  constructor(dataDir: string, pool: HashPool) {
    this.dir = join(dataDir, 'blobs');
    this.tmpDir = join(dataDir, 'tmp');
    this.#pool = pool;
    mkdirSync(this.dir, { recursive: true });
    // Temp files of a previous run were never committed.
    rmSync(this.tmpDir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { recursive: true });
  }

  path(id: string): string {
    return join(this.dir, id);
  }

  /**
   * Streams `source` into a temp file, hashing as it goes: reading the socket, writing and hashing overlap.
   * On any error (the source failing, a cut connection, {@link BodyTooLarge}) the temp file is removed and
   * the error rethrown.
   */
  async write(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: { maxBytes?: number } = {}): Promise<PendingBlob> {
    const pool = this.#pool;
    const slotBytes = pool.slotBytes;
    const id = randomHex(16);
    const tmp = join(this.tmpDir, id);
    const file = await open(tmp, 'w');
    const job = pool.open();
    let size = 0;
    let position = 0;
    let slot = -1;
    let filled = 0;
    let view: Buffer | undefined;
    // Writes in flight: their count, the first failure, and a wake-up for whoever waits for them all.
    let writing = 0;
    let writeError: unknown;
    let allWritten: (() => void) | undefined;
    const flush = () => {
      if (slot < 0) return;
      const s = slot;
      const length = filled;
      const at = position;
      slot = -1;
      view = undefined;
      position += length;
      pool.retain(s);
      writing++;
      file.write(pool.view(s, length), 0, length, at).then(
        () => {},
        (error: unknown) => {
          writeError ??= error;
        },
      ).finally(() => {
        pool.release(s);
        if (--writing === 0) allWritten?.();
      });
      job.hash(s, length);
      pool.release(s);
    };
    const settleWrites = () =>
      writing === 0 ? Promise.resolve() : new Promise<void>((resolve) => (allWritten = () => resolve()));
    let digest;
    try {
      for await (const chunk of source) {
        size += chunk.byteLength;
        if (options.maxBytes !== undefined && size > options.maxBytes) throw new BodyTooLarge(options.maxBytes);
        if (writeError) throw writeError;
        let offset = 0;
        while (offset < chunk.byteLength) {
          if (slot < 0) {
            const got = pool.acquire();
            slot = typeof got === 'number' ? got : await got;
            view = pool.view(slot);
            filled = 0;
          }
          const n = Math.min(slotBytes - filled, chunk.byteLength - offset);
          view!.set(offset === 0 && n === chunk.byteLength ? chunk : chunk.subarray(offset, offset + n), filled);
          filled += n;
          offset += n;
          if (filled === slotBytes) flush();
        }
      }
      if (filled > 0) flush();
      digest = await job.finish();
      await settleWrites();
      if (writeError) throw writeError;
      await file.close();
    } catch (error) {
      if (slot >= 0) pool.release(slot);
      job.drop();
      await settleWrites();
      await file.close().catch(() => {});
      await rm(tmp, { force: true });
      throw error;
    }
    const md5 = digest.md5;
    const crc64 = BigInt(`0x${digest.crc64}`).toString();
    let settled = false;
    return {
      size,
      md5,
      md5Base64: Buffer.from(md5, 'hex').toString('base64'),
      crc64,
      commit: async () => {
        settled = true;
        await rename(tmp, this.path(id));
        return { id, size, md5, crc64 };
      },
      discard: async () => {
        if (settled) return;
        settled = true;
        await rm(tmp, { force: true });
      },
    };
  }

  /** Stores small in-memory bytes (a cover from ModifyMediaInfo) as a blob. */
  async writeBytes(bytes: Uint8Array): Promise<ChunkRecord> {
    const pending = await this.write([bytes]);
    return pending.commit();
  }

  /** Deletes blobs; missing files are fine. */
  async remove(ids: Iterable<string>): Promise<void> {
    await Promise.all([...ids].map((id) => rm(this.path(id), { force: true })));
  }

  /** Deletes every blob file not in `keep` (left behind by a crash between rename and state write). */
  removeUnreferenced(keep: Set<string>): void {
    for (const name of readdirSync(this.dir)) if (!keep.has(name)) rmSync(this.path(name), { force: true });
  }

  /** The bytes `start..end` (inclusive) of the concatenation of `chunks`, streamed from disk. */
  read(chunks: ReadonlyArray<{ id: string; size: number }>, start: number, end: number): Readable {
    const paths = chunks.map((c) => ({ path: this.path(c.id), size: c.size }));
    async function* bytes() {
      let offset = 0;
      for (const chunk of paths) {
        const first = Math.max(start, offset);
        const last = Math.min(end, offset + chunk.size - 1);
        if (first <= last) {
          yield* createReadStream(chunk.path, { start: first - offset, end: last - offset, highWaterMark: 1 << 20 });
        }
        offset += chunk.size;
        if (offset > end) break;
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }
}
