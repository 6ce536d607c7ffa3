/**
 * A Blob or File as an {@link UploadSource}. Ranges are `Blob.slice`s read by the hasher (in the worker), so a
 * disk-backed File is never read whole into memory. A File's parts are uploaded as slices of the File (the
 * browser streams them from disk): Chromium sends an in-memory `ArrayBuffer` body an order of magnitude slower
 * than a Blob body, and a slice of a picked File costs no memory at all.
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
  /**
   * Upload `Blob` slices of the source instead of the bytes the hasher read. Default: true for a `File` (picked
   * Files are disk-backed), false for other Blobs (slices of a large in-memory Blob sent as request bodies are
   * copies Chromium keeps until garbage collection, against its ~500 MiB Blob budget).
   */
  sliceBodies?: boolean;
}

export function blobSource(blob: Blob, options: BlobSourceOptions = {}): UploadSource {
  const file = blob as Partial<File>;
  const slices = options.sliceBodies ?? (typeof File === 'function' && blob instanceof File);
  return {
    name: options.name ?? (file.name || 'blob'),
    size: blob.size,
    type: options.type ?? blob.type,
    lastModified: options.lastModified ?? file.lastModified,
    input: (start, end) => ({ blob, start, end }),
    ...(slices ? { body: (start: number, end: number) => blob.slice(start, end) } : {}),
  };
}
