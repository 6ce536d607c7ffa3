/**
 * Bytes on disk. A body is copied from the socket into the slots of a {@link BodyPool}; a body thread writes
 * each full slot at its offset into a temp file and hashes it (MD5 and CRC-64) from the same shared memory.
 * The body becomes a blob only by an atomic rename once the caller has checked it (Content-MD5), so a
 * rejected body never replaces stored bytes. Nothing holds a whole body in memory: bytes in flight are
 * bounded by the pool (16 MiB for every upload together).
 * @module
 */
import { createReadStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { BodyDigest, BodyJob, BodyPool } from './body-pool.ts';
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

/** What a written body is: size, hex MD5, decimal CRC-64. */
interface BodyFacts {
  size: number;
  md5: string;
  crc64: string;
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
   * A writer for one body: push chunks as they arrive (a push returns a promise when the caller must wait
   * for a free slot before pushing more), then `end()`. Reading the socket overlaps with writing and hashing.
   */
  open(options: { maxBytes?: number } = {}): BodyWriter {
    const id = randomHex(16);
    const tmp = join(this.tmpDir, id);
    return new BodyWriter(this.#pool, tmp, (pending) => this.#pending(id, tmp, pending), options.maxBytes);
  }

  /**
   * Streams `source` into a temp file, hashing as it goes. On any error (the source failing, a cut
   * connection, {@link BodyTooLarge}, a failed write) the temp file is removed and the error rethrown.
   */
  async write(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: { maxBytes?: number } = {}): Promise<PendingBlob> {
    const writer = this.open(options);
    try {
      for await (const chunk of source) {
        const wait = writer.push(chunk);
        if (wait) await wait;
      }
    } catch (error) {
      await writer.abort();
      throw error;
    }
    return writer.end();
  }

  #pending(id: string, tmp: string, body: BodyFacts): PendingBlob {
    const { size, md5, crc64 } = body;
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

/**
 * One body on its way to a temp file: chunks are copied into pool slots; each full slot goes to the body's
 * thread, which writes and hashes it. `end()` or `abort()` exactly once.
 */
export class BodyWriter {
  readonly #pool: BodyPool;
  readonly #tmp: string;
  readonly #job: BodyJob;
  readonly #done: (body: BodyFacts) => PendingBlob;
  readonly #maxBytes: number | undefined;
  #size = 0;
  #position = 0;
  #slot = -1;
  #filled = 0;
  #view: Buffer | undefined;
  #closed = false;

  constructor(pool: BodyPool, tmp: string, done: (body: BodyFacts) => PendingBlob, maxBytes: number | undefined) {
    this.#pool = pool;
    this.#tmp = tmp;
    this.#done = done;
    this.#maxBytes = maxBytes;
    this.#job = pool.open(tmp);
  }

  /** Bytes pushed so far. */
  get size(): number {
    return this.#size;
  }

  /**
   * Takes a chunk (copying it: the caller may reuse it). Returns a promise when it had to wait for a slot:
   * push nothing more before it resolves. Throws {@link BodyTooLarge} past `maxBytes`.
   */
  push(chunk: Uint8Array): void | Promise<void> {
    if (this.#closed) throw new Error('body writer closed');
    this.#size += chunk.byteLength;
    if (this.#maxBytes !== undefined && this.#size > this.#maxBytes) throw new BodyTooLarge(this.#maxBytes);
    return this.#copy(chunk, 0);
  }

  #copy(chunk: Uint8Array, offset: number): void | Promise<void> {
    const slotBytes = this.#pool.slotBytes;
    while (offset < chunk.byteLength) {
      if (this.#slot < 0) {
        const got = this.#pool.acquire();
        if (typeof got !== 'number') {
          return got.then((slot) => {
            if (this.#closed) {
              this.#pool.release(slot);
              throw new Error('body writer closed');
            }
            this.#take(slot);
            return this.#copy(chunk, offset);
          });
        }
        this.#take(got);
      }
      const n = Math.min(slotBytes - this.#filled, chunk.byteLength - offset);
      // fill() with a buffer is one C++ memcpy; set() into shared memory copies element by element.
      this.#view!.fill(n === chunk.byteLength ? chunk : chunk.subarray(offset, offset + n), this.#filled, this.#filled + n);
      this.#filled += n;
      offset += n;
      if (this.#filled === slotBytes) this.#submit();
    }
  }

  #take(slot: number): void {
    this.#slot = slot;
    this.#view = this.#pool.view(slot);
    this.#filled = 0;
  }

  #submit(): void {
    this.#job.submit(this.#slot, this.#filled, this.#position);
    this.#position += this.#filled;
    this.#slot = -1;
    this.#view = undefined;
  }

  /** Waits until every byte is written and hashed; the body is then a pending blob. */
  async end(): Promise<PendingBlob> {
    if (this.#closed) throw new Error('body writer closed');
    this.#closed = true;
    if (this.#slot >= 0) this.#submit();
    let digest: BodyDigest;
    try {
      digest = await this.#job.end();
    } catch (error) {
      await rm(this.#tmp, { force: true });
      throw error;
    }
    return this.#done({ size: this.#size, md5: digest.md5, crc64: BigInt(`0x${digest.crc64}`).toString() });
  }

  /** Drops the body and its temp file. */
  async abort(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#slot >= 0) {
      this.#pool.release(this.#slot);
      this.#slot = -1;
    }
    // The body thread must be done with the file before it is removed.
    await this.#job.end().catch(() => {});
    await rm(this.#tmp, { force: true });
  }
}
