/**
 * A Blob or File as an {@link UploadSource}. Ranges are `Blob.slice`s read by the hasher (in the worker), so a
 * disk-backed File is never read whole into memory.
 * @module
 */
import type { UploadSource } from './source.ts';

export interface BlobSourceOptions {
  /** Default: the File's name, else `'blob'`. */
  name?: string;
  /** Default: the Blob's type. */
  type?: string;
  /** Default: the File's `lastModified`. */
  lastModified?: number;
}

export function blobSource(blob: Blob, options: BlobSourceOptions = {}): UploadSource {
  const file = blob as Partial<File>;
  return {
    name: options.name ?? (typeof file.name === 'string' && file.name ? file.name : 'blob'),
    size: blob.size,
    type: options.type ?? blob.type,
    lastModified: options.lastModified ?? (typeof file.lastModified === 'number' ? file.lastModified : undefined),
    input: (start, end) => ({ blob, start, end }),
  };
}
