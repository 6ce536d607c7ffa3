/**
 * Where the bytes of a file come from: anything with a name, a size and random access to byte ranges.
 * @module
 */
import type { HashInput } from '../hash/hasher.ts';

/** A file of known size with random access. */
export interface UploadSource {
  readonly name: string;
  readonly size: number;
  /** MIME type, or `''`. */
  readonly type: string;
  /** Epoch ms, when known (part of the resume fingerprint). */
  readonly lastModified?: number;
  /** What the hasher reads for bytes `[start, end)`: a Blob range (read in the worker) or bytes. */
  input(start: number, end: number): HashInput | Promise<HashInput>;
}

/** True for an {@link UploadSource} (as opposed to a Blob). */
export function isUploadSource(value: unknown): value is UploadSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as UploadSource).input === 'function' &&
    typeof (value as UploadSource).size === 'number'
  );
}
