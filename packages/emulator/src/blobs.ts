/**
 * Bytes on disk. A body is streamed chunk by chunk into a temp file while MD5 (node:crypto) and CRC-64
 * (hash-wasm) are updated on the same chunks; it becomes a blob only by an atomic rename once the caller has
 * checked it (Content-MD5), so a rejected body never replaces stored bytes. Nothing holds a whole body in
 * memory: at most about 8 MiB of writes in flight per request.
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createCrc64 } from './crc64.ts';
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

const BATCH_BYTES = 1 << 20;
const MAX_IN_FLIGHT = 8 << 20;

export class Blobs {
  readonly dir: string;
  readonly tmpDir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'blobs');
    this.tmpDir = join(dataDir, 'tmp');
    mkdirSync(this.dir, { recursive: true });
    // Temp files of a previous run were never committed.
    rmSync(this.tmpDir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { recursive: true });
  }

  path(id: string): string {
    return join(this.dir, id);
  }

  /**
   * Streams `source` into a temp file, hashing as it goes. Reading the next batch overlaps with writing the
   * previous one. On any error (the source failing, a cut connection, {@link BodyTooLarge}) the temp file is
   * removed and the error rethrown.
   */
  async write(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: { maxBytes?: number } = {}): Promise<PendingBlob> {
    const id = randomHex(16);
    const tmp = join(this.tmpDir, id);
    const md5 = createHash('md5');
    const crc = await createCrc64();
    const file = await open(tmp, 'w');
    let size = 0;
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    // Writes go out at explicit offsets, several at a time, so reading the socket never waits for the disk
    // unless more than MAX_IN_FLIGHT bytes are still being written.
    let position = 0;
    const inFlight: Array<{ done: Promise<unknown>; bytes: number }> = [];
    let inFlightBytes = 0;
    const drainTo = async (limit: number) => {
      while (inFlightBytes > limit && inFlight.length) {
        const first = inFlight.shift()!;
        await first.done;
        inFlightBytes -= first.bytes;
      }
    };
    const flush = () => {
      if (batchBytes === 0) return;
      const done = file.writev(batch, position);
      done.catch(() => {}); // awaited in drainTo; never an unhandled rejection
      inFlight.push({ done, bytes: batchBytes });
      inFlightBytes += batchBytes;
      position += batchBytes;
      batch = [];
      batchBytes = 0;
    };
    try {
      for await (const chunk of source) {
        size += chunk.byteLength;
        if (options.maxBytes !== undefined && size > options.maxBytes) throw new BodyTooLarge(options.maxBytes);
        md5.update(chunk);
        crc.update(chunk);
        batch.push(chunk);
        batchBytes += chunk.byteLength;
        if (batchBytes >= BATCH_BYTES) {
          flush();
          if (inFlightBytes > MAX_IN_FLIGHT) await drainTo(MAX_IN_FLIGHT / 2);
        }
      }
      flush();
      await drainTo(0);
      await file.close();
    } catch (error) {
      await Promise.allSettled(inFlight.map((w) => w.done));
      await file.close().catch(() => {});
      await rm(tmp, { force: true });
      throw error;
    }
    const digest = md5.digest();
    const crc64 = crc.digest();
    let settled = false;
    return {
      size,
      md5: digest.toString('hex'),
      md5Base64: digest.toString('base64'),
      crc64,
      commit: async () => {
        settled = true;
        await rename(tmp, this.path(id));
        return { id, size, md5: digest.toString('hex'), crc64 };
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
