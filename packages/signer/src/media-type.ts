/**
 * ApplyUpload's `MediaType` (and `CoverType`) is an extension. Browsers report a MIME type that may be more
 * precise than the name (a file with no extension) or look foreign to naive checks (an iPhone `.MOV` is
 * `video/quicktime`, vod-js-sdk-v6#21). The extension wins when it is a known media type; the MIME type fills
 * in when it is not; a MIME type of another kind (text, image for a video…) is refused.
 * @module
 */

/** Video formats VOD takes for upload. */
export const VIDEO_TYPES = [
  '3gp', 'asf', 'avi', 'f4v', 'flv', 'm3u8', 'm4v', 'mkv', 'mov', 'mp4', 'mpeg', 'mpg', 'mxf', 'qt', 'rm', 'rmvb',
  'ts', 'vob', 'webm', 'wm', 'wmv',
] as const;

/** Audio formats VOD takes for upload. */
export const AUDIO_TYPES = ['aac', 'amr', 'flac', 'm4a', 'mp3', 'ogg', 'wav'] as const;

/** Cover image formats. */
export const IMAGE_TYPES = ['bmp', 'gif', 'jpeg', 'jpg', 'png', 'webp'] as const;

const MIME_TO_TYPE: Readonly<Record<string, string>> = {
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/x-quicktime': 'mov',
  'video/x-m4v': 'm4v',
  'video/webm': 'webm',
  'video/x-matroska': 'mkv',
  'video/x-msvideo': 'avi',
  'video/avi': 'avi',
  'video/x-flv': 'flv',
  'video/x-f4v': 'f4v',
  'video/mpeg': 'mpeg',
  'video/3gpp': '3gp',
  'video/x-ms-wmv': 'wmv',
  'video/x-ms-asf': 'asf',
  'video/mp2t': 'ts',
  'video/mxf': 'mxf',
  'application/mxf': 'mxf',
  'application/vnd.apple.mpegurl': 'm3u8',
  'application/x-mpegurl': 'm3u8',
  'audio/mpegurl': 'm3u8',
  'application/vnd.rn-realmedia': 'rm',
  'application/vnd.rn-realmedia-vbr': 'rmvb',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/mp4': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/aac': 'aac',
  'audio/flac': 'flac',
  'audio/x-flac': 'flac',
  'audio/ogg': 'ogg',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/amr': 'amr',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/bmp': 'bmp',
};

/** MIME types that say nothing about the content. */
const NEUTRAL_MIME = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);

/** `video/QuickTime; codecs=x` → `video/quicktime`. */
export function normalizeMime(type: string | undefined): string {
  return (type ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

export type MediaKind = 'media' | 'cover';

/**
 * The VOD type (extension) of a file from its extension and MIME type, or null when it is not one of
 * `accepted`, or when its MIME type names another kind of content.
 *
 * - `media`: the MIME type may be video/*, audio/*, a neutral type, or one that maps to an accepted type.
 * - `cover`: the same with image/*.
 */
export function deriveType(
  extension: string,
  mime: string | undefined,
  accepted: readonly string[],
  kind: MediaKind = 'media',
): string | null {
  const m = normalizeMime(mime);
  const mapped = MIME_TO_TYPE[m];
  const familyOk =
    NEUTRAL_MIME.has(m) ||
    (mapped !== undefined && accepted.includes(mapped)) ||
    (kind === 'media' ? m.startsWith('video/') || m.startsWith('audio/') : m.startsWith('image/'));
  if (!familyOk) return null;
  const ext = extension.toLowerCase();
  if (ext && accepted.includes(ext)) return ext;
  if (mapped !== undefined && accepted.includes(mapped)) return mapped;
  return null;
}

/**
 * The format of a cover image that VOD's `ModifyMediaInfo` `CoverData` takes (JPEG, PNG, GIF), from its first
 * bytes; undefined for anything else.
 */
export function sniffCoverImage(bytes: Uint8Array): 'jpeg' | 'png' | 'gif' | undefined {
  const starts = (...sig: number[]) => sig.every((v, i) => bytes[i] === v);
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'gif';
  return undefined;
}
