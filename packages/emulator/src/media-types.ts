/**
 * The file types VOD accepts (ApplyUpload `MediaType` / `CoverType`, case-insensitive extensions), their
 * category, and the Content-Type the emulator serves them with.
 * @module
 */

type Category = 'Video' | 'Audio' | 'Image';

const MEDIA: Record<string, [Category, string]> = {
  mp4: ['Video', 'video/mp4'],
  m4v: ['Video', 'video/x-m4v'],
  mp4v: ['Video', 'video/mp4'],
  mov: ['Video', 'video/quicktime'],
  qt: ['Video', 'video/quicktime'],
  webm: ['Video', 'video/webm'],
  mkv: ['Video', 'video/x-matroska'],
  flv: ['Video', 'video/x-flv'],
  f4v: ['Video', 'video/x-f4v'],
  avi: ['Video', 'video/x-msvideo'],
  wmv: ['Video', 'video/x-ms-wmv'],
  wm: ['Video', 'video/x-ms-wm'],
  asf: ['Video', 'video/x-ms-asf'],
  asx: ['Video', 'video/x-ms-asf'],
  ts: ['Video', 'video/mp2t'],
  m3u8: ['Video', 'application/vnd.apple.mpegurl'],
  mpeg: ['Video', 'video/mpeg'],
  mpg: ['Video', 'video/mpeg'],
  mpe: ['Video', 'video/mpeg'],
  '3gp': ['Video', 'video/3gpp'],
  rm: ['Video', 'application/vnd.rn-realmedia'],
  rmvb: ['Video', 'application/vnd.rn-realmedia-vbr'],
  vob: ['Video', 'video/x-ms-vob'],
  dat: ['Video', 'video/mpeg'],
  mxf: ['Video', 'application/mxf'],
  mp3: ['Audio', 'audio/mpeg'],
  m4a: ['Audio', 'audio/mp4'],
  aac: ['Audio', 'audio/aac'],
  flac: ['Audio', 'audio/flac'],
  ogg: ['Audio', 'audio/ogg'],
  wav: ['Audio', 'audio/wav'],
  amr: ['Audio', 'audio/amr'],
  ram: ['Audio', 'audio/x-pn-realaudio'],
  jpg: ['Image', 'image/jpeg'],
  jpeg: ['Image', 'image/jpeg'],
  png: ['Image', 'image/png'],
  gif: ['Image', 'image/gif'],
  bmp: ['Image', 'image/bmp'],
  tif: ['Image', 'image/tiff'],
  tiff: ['Image', 'image/tiff'],
  webp: ['Image', 'image/webp'],
};

const COVER = new Set(['jpg', 'jpeg', 'png', 'gif', 'bmp', 'webp', 'tif', 'tiff']);

/** The lower-cased extension when it is a media type VOD accepts, else undefined. */
export function mediaType(type: string): string | undefined {
  const t = type.toLowerCase();
  return Object.hasOwn(MEDIA, t) ? t : undefined;
}

/** The lower-cased extension when it is a cover type VOD accepts, else undefined. */
export function coverType(type: string): string | undefined {
  const t = type.toLowerCase();
  return COVER.has(t) ? t : undefined;
}

export function categoryOf(type: string): Category {
  return MEDIA[type.toLowerCase()]?.[0] ?? 'Video';
}

/** Content-Type for a file name or extension. */
export function contentTypeOf(nameOrExt: string): string {
  const ext = nameOrExt.includes('.') ? nameOrExt.slice(nameOrExt.lastIndexOf('.') + 1) : nameOrExt;
  return MEDIA[ext.toLowerCase()]?.[1] ?? 'application/octet-stream';
}

/** The image type of cover bytes from their magic number (gif, jpeg, png, webp, bmp), or undefined. */
export function sniffImage(bytes: Uint8Array): 'gif' | 'jpg' | 'png' | 'webp' | 'bmp' | undefined {
  const b = (i: number) => bytes[i] ?? -1;
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'jpg';
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return 'png';
  if (b(0) === 0x47 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x38) return 'gif';
  if (b(0) === 0x52 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x46 && b(8) === 0x57 && b(9) === 0x45 && b(10) === 0x42 && b(11) === 0x50) return 'webp';
  if (b(0) === 0x42 && b(1) === 0x4d) return 'bmp';
  return undefined;
}
