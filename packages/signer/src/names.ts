/**
 * File names as clients send them are untrusted: paths (`../../etc/passwd`, `C:\x\y.mp4`), control characters,
 * bidi overrides, characters VOD refuses in names (`\ / : * ? " < > |`), and any length. This module reduces
 * them to a safe display name and an extension, keeping non-ASCII text.
 * @module
 */

/** Characters VOD refuses in media names (legacy InitUpload rules, vod-js-sdk-v6 `mediaName` check). */
const FORBIDDEN = /[\\/:*?"<>|]/g;
/** C0/C1 controls, DEL, bidi embeddings/overrides/isolates, zero-width and BOM, line/paragraph separators. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** Default cap of a file or media name, in UTF-8 bytes. */
export const DEFAULT_NAME_BYTES = 120;
/** VOD's cap of a media name, in characters (UTF-16 units, as the API counts them). */
export const MEDIA_NAME_CHARS = 64;

const encoder = new TextEncoder();

/** The UTF-8 length of a string. */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes (and `maxChars` UTF-16 units), never inside a code point (nor
 * between a surrogate pair).
 */
export function truncateUtf8(text: string, maxBytes: number, maxChars = Infinity): string {
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + n > maxBytes || out.length + ch.length > maxChars) break;
    bytes += n;
    out += ch;
  }
  return out;
}

/** The last path segment of a name sent from any OS (`a/b\c.mp4` → `c.mp4`). */
export function basename(name: string): string {
  const parts = name.split(/[\\/]/);
  return parts[parts.length - 1] ?? '';
}

export interface SafeName {
  /** The cleaned file name, extension included (`My clip.MOV`). */
  fileName: string;
  /** The name without its extension (`My clip`): the default media name. */
  stem: string;
  /** The lower-case extension without the dot (`mov`), or `''`. */
  extension: string;
}

/** Removes what VOD and file systems refuse, keeping letters of every script; trims spaces and dots. */
export function cleanName(text: string): string {
  return text
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(FORBIDDEN, '')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+|[\s.]+$/g, '');
}

/**
 * A client file name made safe: basename only, cleaned, and capped at `maxBytes` UTF-8 bytes without splitting
 * a code point (the extension is kept when it fits). May return an empty `fileName` (a name of only dots or
 * forbidden characters): callers decide whether that is an error.
 */
export function safeFileName(name: string, maxBytes = DEFAULT_NAME_BYTES): SafeName {
  const clean = cleanName(basename(name.replace(INVISIBLE, '')));
  const dot = clean.lastIndexOf('.');
  const rawExt = dot > 0 ? clean.slice(dot + 1) : '';
  const extension = /^[A-Za-z0-9]{1,10}$/.test(rawExt) ? rawExt.toLowerCase() : '';
  let stem = extension ? clean.slice(0, dot) : clean;
  const extPart = extension ? `.${clean.slice(dot + 1)}` : '';
  if (utf8Length(stem) + extPart.length > maxBytes) {
    stem = truncateUtf8(stem, Math.max(0, maxBytes - extPart.length)).replace(/[\s.]+$/, '');
  }
  return { fileName: stem ? `${stem}${extPart}` : '', stem, extension };
}

/**
 * A media name (from the client's option or the file's stem) cleaned and capped at `maxBytes` UTF-8 bytes and
 * VOD's 64 characters; `''` when nothing is left.
 */
export function safeMediaName(name: string, maxBytes = DEFAULT_NAME_BYTES): string {
  return truncateUtf8(cleanName(name), maxBytes, MEDIA_NAME_CHARS).replace(/[\s.]+$/, '');
}
