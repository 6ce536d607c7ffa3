/**
 * Small Web Crypto helpers shared by both signing protocols. Web-standard only: `crypto.subtle`,
 * `TextEncoder`; no `node:` modules.
 * @module
 */

const encoder = new TextEncoder();

export type Bytes = Uint8Array<ArrayBuffer>;

/** UTF-8 bytes of a string. */
export function utf8(text: string): Bytes {
  return encoder.encode(text) as Bytes;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of bytes. */
export function toHex(data: ArrayBuffer | Uint8Array): string {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

/** Bytes of a hex string (even length, 0-9a-f). Throws on anything else. */
export function fromHex(hex: string): Bytes {
  if (hex.length % 2 !== 0 || /[^0-9a-f]/i.test(hex)) throw new TypeError('invalid hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Base64 of bytes (standard alphabet, padded). */
export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Bytes of standard base64. Throws a TypeError on malformed input. */
export function fromBase64(text: string): Bytes {
  let bin: string;
  try {
    bin = atob(text);
  } catch {
    throw new TypeError('invalid base64');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bytesOf(data: string | Uint8Array): Bytes {
  return typeof data === 'string' ? utf8(data) : (data as Bytes);
}

/** Hex SHA-256 of a string (UTF-8) or bytes. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', bytesOf(data)));
}

/** Hex SHA-1 of a string (UTF-8) or bytes. */
export async function sha1Hex(data: string | Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-1', bytesOf(data)));
}

/** Imports an HMAC key for repeated signing. */
export function hmacKey(hash: 'SHA-1' | 'SHA-256', key: string | Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', bytesOf(key), { name: 'HMAC', hash }, false, ['sign']);
}

/** Raw HMAC of `data` under `key` (a key, a string's UTF-8 bytes, or raw bytes). */
export async function hmac(
  hash: 'SHA-1' | 'SHA-256',
  key: CryptoKey | string | Uint8Array,
  data: string | Uint8Array,
): Promise<Bytes> {
  const k = key instanceof CryptoKey ? key : await hmacKey(hash, key);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, bytesOf(data)));
}

/** Constant-time comparison of two strings (for signatures and tokens). */
export function timingSafeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}
