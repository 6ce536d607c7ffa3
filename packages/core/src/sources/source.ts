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
  /**
   * What to send for bytes `[start, end)` without holding them in memory: a disk-backed `Blob` slice that the
   * browser streams from disk. When absent, the bytes the hasher hands back are sent (and held until sent).
   */
  body?(start: number, end: number): Blob;
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
