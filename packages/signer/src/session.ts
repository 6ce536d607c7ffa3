/**
 * Stateless upload sessions: everything the signer needs to continue an upload (storage coordinates, upload id,
 * VodSessionKey, the temporary credential, the plan, the scope and the expiry) sealed with AES-256-GCM under a
 * key derived from `sessionSecret` with HKDF-SHA256. The client holds an opaque string; any signer instance
 * with the same secret can continue the session.
 *
 * Wire form: base64url( version byte 0x01 ‖ 12-byte IV ‖ ciphertext+tag ), the version byte bound as AAD.
 * @module
 */
import { SignerError } from './errors.ts';

export const SESSION_VERSION = 1;

/** The sealed content of a session (short names: it travels on every request). */
export interface SessionData {
  /** Session id: random, base64url. Keys the idempotent complete. */
  sid: string;
  /** The `authorize` scope the session is bound to. */
  scope: string;
  /** Issued at / expires at, Unix seconds. */
  iat: number;
  exp: number;
  strategy: 'single' | 'multipart';
  bucket: string;
  region: string;
  /** The media object's COS key (no leading `/`). */
  key: string;
  coverKey?: string;
  uploadId?: string;
  /** ApplyUpload's VodSessionKey. */
  vsk: string;
  subAppId?: number;
  /** The temporary credential; absent when ApplyUpload gave none (the signer's own key signs then). */
  cred?: { id: string; key: string; token: string; exp: number };
  /** Media size; absent for a stream. */
  size?: number;
  partSize: number;
  partCount: number | null;
  maxPart: number;
  coverSize?: number;
  mediaType: string;
  coverType?: string;
  /** The whole-file SHA-1 the client stated at creation, if any. */
  sha1?: string;
  /** 1 when ApplyUpload was given a task flow (`Procedure`): the media is processing until its first output. */
  proc?: 1;
}

export interface SessionSealer {
  seal(data: SessionData): Promise<string>;
  /**
   * Opens a sealed session and checks it: `session_invalid` when it was not sealed by one of our secrets (or
   * was altered), `session_expired` after `exp`, `session_scope` when the caller's scope is another.
   */
  open(token: string, scope: string, now: number): Promise<SessionData>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

/** The smallest accepted `sessionSecret`, in UTF-8 bytes. */
export const MIN_SECRET_BYTES = 32;

async function deriveKey(secret: string): Promise<CryptoKey> {
  const ikm = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('vod-uploader/signer'), info: encoder.encode(`session v${SESSION_VERSION}`) },
    ikm,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** Largest sealed session accepted, characters (a cloud Token is ~1–2 KB). */
export const MAX_SESSION_CHARS = 8192;

/**
 * A sealer for `secrets`: the first seals, every one opens (rotate by prepending a new secret and dropping the
 * old one after the longest session lifetime).
 */
export function createSessionSealer(secrets: string | readonly string[]): SessionSealer {
  const list = typeof secrets === 'string' ? [secrets] : [...secrets];
  if (list.length === 0) throw new TypeError('createSigner: sessionSecret is required.');
  for (const s of list) {
    if (typeof s !== 'string' || encoder.encode(s).length < MIN_SECRET_BYTES) {
      throw new TypeError(`createSigner: sessionSecret must be a string of at least ${MIN_SECRET_BYTES} bytes (e.g. 32 random bytes, base64).`);
    }
  }
  const keys = list.map(deriveKey);
  const aad = new Uint8Array([SESSION_VERSION]);

  return {
    async seal(data) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const plain = encoder.encode(JSON.stringify(data));
      const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, await keys[0]!, plain));
      const out = new Uint8Array(1 + iv.length + sealed.length);
      out[0] = SESSION_VERSION;
      out.set(iv, 1);
      out.set(sealed, 1 + iv.length);
      return toBase64Url(out);
    },

    async open(token, scope, now) {
      const invalid = () => new SignerError('session_invalid', 'The session was not issued by this signer or has been altered.');
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_SESSION_CHARS) throw invalid();
      const bytes = fromBase64Url(token);
      if (!bytes || bytes.length < 1 + 12 + 16 || bytes[0] !== SESSION_VERSION) throw invalid();
      const iv = bytes.subarray(1, 13);
      const body = bytes.subarray(13);
      let plain: ArrayBuffer | undefined;
      for (const key of keys) {
        try {
          plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad }, await key, body);
          break;
        } catch {
          // Not this key: try the next one.
        }
      }
      if (!plain) throw invalid();
      let data: SessionData;
      try {
        data = JSON.parse(decoder.decode(plain)) as SessionData;
      } catch {
        throw invalid();
      }
      if (typeof data?.exp !== 'number' || typeof data.scope !== 'string') throw invalid();
      if (now >= data.exp) throw new SignerError('session_expired', 'The upload session has expired: start a new upload.');
      if (data.scope !== scope) throw new SignerError('session_scope', 'The upload session belongs to another user or scope.');
      return data;
    },
  };
}

/** A random id, base64url of 16 bytes. */
export function randomId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}
