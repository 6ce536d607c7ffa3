/**
 * A disk file as an upload source that reads parts into recycled buffers. The engine holds at most (parts in
 * flight + 1) parts; without recycling, every finished part is an 8 MiB garbage ArrayBuffer that V8 frees only at
 * its next full GC, which adds tens of MB to the peak RSS. A buffer comes back to the pool when storage has
 * accepted the part it carried (a 2xx answer); storage checks each part's Content-MD5, so bytes can never be
 * stored under the wrong part unnoticed.
 * @module
 */
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { ErrorCode, UploadError, type UploadSource } from '@vod-uploader/core';

export interface BufferPool {
  /** A buffer of exactly `size` bytes: a recycled one when there is one. */
  take(size: number): Uint8Array<ArrayBuffer>;
  /** Gives back a buffer from {@link take} once nothing reads it any more; anything else is ignored. */
  give(bytes: Uint8Array): void;
}

/** Creates a pool that keeps at most `max` idle buffers. */
export function createBufferPool(max: number): BufferPool {
  const ours = new WeakSet<ArrayBuffer>();
  const idle: Uint8Array<ArrayBuffer>[] = [];
  return {
    take(size) {
      const i = idle.findIndex((b) => b.byteLength === size);
      if (i >= 0) return idle.splice(i, 1)[0]!;
      const bytes = new Uint8Array(size);
      ours.add(bytes.buffer);
      return bytes;
    },
    give(bytes) {
      const buffer = bytes.buffer as ArrayBuffer;
      if (!ours.has(buffer) || bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength) return;
      if (idle.includes(bytes as Uint8Array<ArrayBuffer>) || idle.length >= max) return;
      idle.push(bytes as Uint8Array<ArrayBuffer>);
    },
  };
}

/** `path` as an upload source reading into `pool`; reads fail with `INVALID_FILE` if the file's size or mtime changes. */
export function pooledFileSource(path: string, name: string, pool: BufferPool): UploadSource {
  const info = statSync(path);
  if (!info.isFile()) throw new UploadError(ErrorCode.INVALID_FILE, `Not a file: ${basename(path)}`);
  const size = info.size;
  const mtime = Math.floor(info.mtimeMs);
  return {
    name,
    size,
    type: '',
    lastModified: mtime,
    async input(start, end) {
      const handle = await open(path, 'r');
      try {
        const now = await handle.stat();
        if (now.size !== size || Math.floor(now.mtimeMs) !== mtime) {
          throw new UploadError(ErrorCode.INVALID_FILE, `${basename(path)} changed while uploading.`);
        }
        const bytes = pool.take(end - start);
        let filled = 0;
        for (let round = 0; filled < bytes.byteLength && round < 1_000_000; round++) {
          const { bytesRead } = await handle.read(bytes, filled, bytes.byteLength - filled, start + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        if (filled !== bytes.byteLength) {
          pool.give(bytes);
          throw new UploadError(ErrorCode.INVALID_FILE, `${basename(path)} is shorter than expected.`);
        }
        return { bytes };
      } finally {
        await handle.close();
      }
    },
  };
}
