/**
 * The hashing contract the engine uses: a whole-file SHA-1 per upload (kept under a key, in part order) and an MD5
 * per part, over bytes the hasher reads itself (a Blob range) or is handed (stream parts, Node file reads).
 * Implementations: the module Web Worker client (browsers: hash-wasm SHA-1, generated WebAssembly MD5), the same
 * hash service in the calling thread, node:crypto (Node).
 * @module
 */

/** What to hash: a Blob range (read by the hasher, off the main thread in the worker) or bytes already read. */
export type HashInput = { blob: Blob; start: number; end: number } | { bytes: Uint8Array<ArrayBuffer> };

export interface HashPartOptions {
  /** Feed the bytes into the key's whole-file SHA-1 (parts must come in order). */
  sha1: boolean;
  /** Compute the part's MD5. */
  md5: boolean;
  /** Hand the bytes back (transferred, not copied) for uploading. */
  keep: boolean;
}

export interface HashPartResult {
  /** MD5 of the part, hex (when asked). */
  md5?: string;
  /** The part's bytes (when asked to keep them). */
  bytes?: Uint8Array<ArrayBuffer>;
  /** Bytes hashed. */
  size: number;
}

export interface Hasher {
  /** Starts a whole-file SHA-1 under `key`, or continues one from a {@link Hasher.save} state. */
  begin(key: string, state?: string): Promise<void>;
  /** Hashes one part. Parts of one key must be passed in file order. */
  part(key: string, input: HashInput, options: HashPartOptions): Promise<HashPartResult>;
  /** The key's SHA-1 state (base64) to continue later, or `undefined` if this hasher cannot save. */
  save(key: string): Promise<string | undefined>;
  /** The key's SHA-1 (hex) over everything passed so far. The key stays usable. */
  digest(key: string): Promise<string>;
  /** One-shot SHA-1 (hex) of `input`, independent of any key. */
  sha1(input: HashInput): Promise<string>;
  /** Forgets a key. */
  end(key: string): void;
  /** Releases the hasher (a shared worker ends when its last user closes). */
  close(): void;
}

/** Reads a {@link HashInput} into bytes. */
export async function readInput(input: HashInput): Promise<Uint8Array<ArrayBuffer>> {
  if ('bytes' in input) return input.bytes;
  return new Uint8Array(await input.blob.slice(input.start, input.end).arrayBuffer());
}

/** Base64 of bytes (no Buffer: works in browsers, workers and Node). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Bytes of base64. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Base64 of a hex string (an MD5 hex → the `Content-MD5` value). */
export function hexToBase64(hex: string): string {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytesToBase64(bytes);
}
