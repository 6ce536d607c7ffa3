/**
 * Bytes on disk. A body is copied from the socket into the slots of a {@link BodyPool}; a body thread writes
 * each full slot at its offset into a temp file and hashes it (MD5 and CRC-64) from the same shared memory.
 * The body becomes a blob only by an atomic rename once the caller has checked it (Content-MD5), so a
 * rejected body never replaces stored bytes. Nothing holds a whole body in memory: bytes in flight are
 * bounded by the pool (16 MiB for every upload together).
 * @module
 */
import { createReadStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { BodyPool } from './body-pool.ts';
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
  readonly #pool: BodyPool;

  constructor(dataDir: string, pool: BodyPool) {
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
   * Streams `source` into a temp file, hashing as it goes: reading the socket overlaps with writing and
   * hashing. On any error (the source failing, a cut connection, {@link BodyTooLarge}, a failed write) the
   * temp file is removed and the error rethrown.
   */
  async write(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: { maxBytes?: number } = {}): Promise<PendingBlob> {
    const pool = this.#pool;
    const slotBytes = pool.slotBytes;
    const id = randomHex(16);
    const tmp = join(this.tmpDir, id);
    const file = await open(tmp, 'w');
    let job;
    try {
      job = pool.open(file.fd);
    } catch (error) {
      await file.close();
      await rm(tmp, { force: true });
      throw error;
    }
    let size = 0;
    let position = 0;
    let slot = -1;
    let filled = 0;
    let view: Buffer | undefined;
    let digest;
    try {
      for await (const chunk of source) {
        size += chunk.byteLength;
        if (options.maxBytes !== undefined && size > options.maxBytes) throw new BodyTooLarge(options.maxBytes);
        let offset = 0;
        while (offset < chunk.byteLength) {
          if (slot < 0) {
            const got = pool.acquire();
            slot = typeof got === 'number' ? got : await got;
            view = pool.view(slot);
            filled = 0;
          }
          const n = Math.min(slotBytes - filled, chunk.byteLength - offset);
          // fill() with a buffer is one C++ memcpy; set() into shared memory copies element by element.
          view!.fill(n === chunk.byteLength ? chunk : chunk.subarray(offset, offset + n), filled, filled + n);
          filled += n;
          offset += n;
          if (filled === slotBytes) {
            job.submit(slot, filled, position);
            position += filled;
            slot = -1;
          }
        }
      }
      if (slot >= 0) {
        job.submit(slot, filled, position);
        slot = -1;
      }
      digest = await job.end();
      await file.close();
    } catch (error) {
      if (slot >= 0) pool.release(slot);
      // The body thread must be done with the descriptor before it is closed.
      await job.end().catch(() => {});
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
