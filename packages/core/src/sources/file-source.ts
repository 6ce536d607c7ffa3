/**
 * A file on disk as an {@link UploadSource} (Node only): each range is read with one positioned read, so the file
 * is never read whole into memory.
 * @module
 */
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { ErrorCode, UploadError } from '../errors.ts';
import type { UploadSource } from './source.ts';

export interface FileSourceOptions {
  /** Default: the file's base name. */
  name?: string;
  /** Default: `''`. */
  type?: string;
}

/** `path` as an {@link UploadSource}; reads fail with `INVALID_FILE` if the file's size or mtime changes. */
export function fileSource(path: string, options: FileSourceOptions = {}): UploadSource {
  const info = statSync(path);
  if (!info.isFile()) throw new UploadError(ErrorCode.INVALID_FILE, `Not a file: ${basename(path)}`);
  const size = info.size;
  const mtime = Math.floor(info.mtimeMs);
  return {
    name: options.name ?? basename(path),
    size,
    type: options.type ?? '',
    lastModified: mtime,
    async input(start, end) {
      const handle = await open(path, 'r');
      try {
        const now = await handle.stat();
        if (now.size !== size || Math.floor(now.mtimeMs) !== mtime) {
          throw new UploadError(ErrorCode.INVALID_FILE, `${basename(path)} changed while uploading.`);
        }
        const bytes = new Uint8Array(end - start);
        let filled = 0;
        for (let round = 0; filled < bytes.byteLength && round < 1_000_000; round++) {
          const { bytesRead } = await handle.read(bytes, filled, bytes.byteLength - filled, start + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        if (filled !== bytes.byteLength) throw new UploadError(ErrorCode.INVALID_FILE, `${basename(path)} is shorter than expected.`);
        return { bytes };
      } finally {
        await handle.close();
      }
    },
  };
}
