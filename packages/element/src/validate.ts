/**
 * Checks a picked file before any byte is sent: type (the `accept` list, else what VOD takes), size, count and
 * names VOD rejects. Pure; the element turns a {@link Rejection} into a localized reason.
 * @module
 */

/** Media extensions VOD accepts (the signer's default policy). */
export const VOD_MEDIA_TYPES =
  '3gp asf avi f4v flv m3u8 m4v mkv mov mp4 mpeg mpg mxf qt rm rmvb ts vob webm wm wmv aac amr flac m4a mp3 ogg wav';
/** Cover image extensions VOD accepts. */
export const VOD_COVER_TYPES = 'bmp gif jpeg jpg png webp';
/** Longest file name the signer takes, in characters. */
export const MAX_NAME_LENGTH = 1024;

export type Rejection =
  | { reason: 'type'; accept: string }
  | { reason: 'size'; max: number }
  | { reason: 'empty' }
  | { reason: 'count'; max: number }
  | { reason: 'name' }
  | { reason: 'long-name' };

export interface ValidateOptions {
  /** Like `<input accept>`: `.mp4,video/*`; empty = VOD's media types. */
  accept?: string;
  /** Bytes; 0 or absent = no limit. */
  maxSize?: number;
}

/** The lower-case extension of a file name, without the dot. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** Whether `file` matches an `accept` list (extensions, exact MIME types and `type/*`). */
export function matchesAccept(file: { name: string; type: string }, accept: string): boolean {
  const ext = extensionOf(file.name);
  const type = file.type.toLowerCase();
  return accept
    .split(',')
    .map((a) => a.trim().toLowerCase())
    .some((a) => (a[0] === '.' ? a.slice(1) === ext : a.endsWith('/*') ? type.startsWith(a.slice(0, -1)) : a === type));
}

/** Whether VOD takes the file as media: a known extension, else a video or audio MIME type. */
export function isVodMedia(file: { name: string; type: string }): boolean {
  const ext = extensionOf(file.name);
  return ext ? VOD_MEDIA_TYPES.split(' ').includes(ext) : /^(video|audio)\//.test(file.type);
}

/** Characters VOD refuses in names, invisible characters and paths: what is left must not be empty. */
export function usableName(name: string): boolean {
  const base = name.split(/[\\/]/).pop() ?? '';
  return base.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\\/:*?"<>|\s.]/g, '') !== '';
}

/** Why `file` cannot be uploaded, or `null` when it can. */
export function validateFile(file: File, { accept, maxSize }: ValidateOptions): Rejection | null {
  if (accept ? !matchesAccept(file, accept) : !isVodMedia(file)) return { reason: 'type', accept: accept || VOD_MEDIA_TYPES };
  if (file.name.length > MAX_NAME_LENGTH) return { reason: 'long-name' };
  if (!usableName(file.name)) return { reason: 'name' };
  if (file.size === 0) return { reason: 'empty' };
  if (maxSize && file.size > maxSize) return { reason: 'size', max: maxSize };
  return null;
}

