/**
 * `VodUploadRequest` / `VodUploadResponse` (the Python SDK's names and semantics) and the checks `upload` runs
 * before anything leaves the process, with the cloud's error codes.
 * @module
 */
import { stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import type { MediaOptions } from '@vod-uploader/core';
import { AUDIO_TYPES, IMAGE_TYPES, VIDEO_TYPES } from '@vod-uploader/signer';
import { VodErrorCode, VodUploadError } from './errors.ts';

/** The fields of an upload request (see {@link VodUploadRequest}). */
export interface VodUploadRequestInit {
  /** Local path of the media file (required; URLs are not supported). */
  MediaFilePath?: string;
  /** Media type (`mp4`, `mov`…); default the extension of `MediaFilePath`. */
  MediaType?: string;
  /** Name of the media after the upload; default the file name without its extension. */
  MediaName?: string;
  /** Local path of a cover image. */
  CoverFilePath?: string;
  /** Cover type (`jpg`, `png`…); default the extension of `CoverFilePath`. */
  CoverType?: string;
  /** Task flow to run after the upload. */
  Procedure?: string;
  /** When the media expires, ISO 8601 (`2030-01-01T00:00:00Z`). */
  ExpireTime?: string;
  /** Category id. */
  ClassId?: number;
  /** Passed through to the upload callback, up to 250 characters. */
  SourceContext?: string;
  /** Passed through to the task flow, up to 1000 characters. */
  SessionContext?: string;
  /** VOD sub-application id. */
  SubAppId?: number;
  /** Storage region (`ap-chongqing`). */
  StorageRegion?: string;
  /** Parts uploaded at once (multipart uploads). Default 4. */
  ConcurrentUploadNumber?: number;
}

/**
 * An upload request, as in the Python SDK: create it, set fields, pass it to `client.upload(region, request)`.
 * @example
 * const request = new VodUploadRequest();
 * request.MediaFilePath = '/data/file/Wildlife.mp4';
 * request.CoverFilePath = '/data/file/Wildlife-Cover.png';
 */
// The fields are declared once, by the interface (declaration merging): the class only adds the constructor.
export interface VodUploadRequest extends VodUploadRequestInit {}
export class VodUploadRequest {
  constructor(init: VodUploadRequestInit = {}) {
    Object.assign(this, init);
  }
}

/** The result of an upload (CommitUpload's answer). */
export interface VodUploadResponse {
  FileId: string;
  MediaUrl: string;
  /** `''` without a cover. */
  CoverUrl: string;
  /** CommitUpload's RequestId. */
  RequestId: string;
}

/** A request after its checks: absolute paths, types, and the ApplyUpload options. */
export interface CheckedRequest {
  mediaPath: string;
  mediaSize: number;
  mediaType: string;
  mediaName: string;
  cover?: { path: string; size: number; type: string };
  options: MediaOptions;
  concurrency?: number;
}

const MEDIA_TYPES: ReadonlySet<string> = new Set<string>([...VIDEO_TYPES, ...AUDIO_TYPES]);
const COVER_TYPES: ReadonlySet<string> = new Set<string>(IMAGE_TYPES);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** A Tencent Cloud region (`ap-guangzhou`, `na-siliconvalley`, `ap-shanghai-fsi`). */
export const REGION_PATTERN = /^[a-z]{2,8}(-[a-z]+)+(-\d+)?$/;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const CONTROL = /[\u0000-\u001f\u007f]/;

const fail = (code: string, message: string): never => {
  throw new VodUploadError(code, message);
};

/** `''`, `null` and `undefined` mean "not set", as in the Python SDK. */
const isSet = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

function text(value: unknown, name: string, code: string): string {
  if (typeof value !== 'string') fail(code, `${name} must be a string.`);
  return value as string;
}

/** An integer from a number or a string of digits, within [min, max]; else `code`. */
function integer(value: unknown, name: string, code: string, min: number, max: number): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    fail(code, `${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}.`);
  }
  return n as number;
}

/** The lower-case extension of a path without the dot, or `''`. */
function extensionOf(path: string): string {
  return extname(basename(path)).slice(1).toLowerCase();
}

async function localFile(value: unknown, name: string, code: string): Promise<{ path: string; size: number }> {
  if (!isSet(value)) fail(code, `${name} is required.`);
  const given = text(value, name, code);
  if (URL_LIKE.test(given)) fail(code, `${name} must be a local path; URLs are not supported.`);
  const path = resolve(given);
  let info;
  try {
    info = await stat(path);
  } catch {
    return fail(code, `${name} does not exist: ${given}`);
  }
  if (!info.isFile()) fail(code, `${name} is not a regular file: ${given}`);
  return { path, size: info.size };
}

function fileType(given: unknown, path: string, accepted: ReadonlySet<string>, name: string, code: string): string {
  const type = isSet(given) ? text(given, name, code).trim().replace(/^\./, '').toLowerCase() : extensionOf(path);
  if (!type) fail(code, `${name} is missing and ${basename(path)} has no extension to take it from.`);
  if (!accepted.has(type)) fail(code, `${name} \`${type}\` is not a type VOD takes (${[...accepted].join(', ')}).`);
  return type;
}

/** Checks the `region` argument of `upload` (empty = none). */
export function checkRegion(region: unknown): string | undefined {
  if (!isSet(region)) return undefined;
  const r = text(region, 'region', VodErrorCode.REGION);
  if (!REGION_PATTERN.test(r)) fail(VodErrorCode.REGION, `region must be a region like ap-guangzhou, not ${JSON.stringify(r)}.`);
  return r;
}

/**
 * Checks a request the way the Python SDK and the cloud do, with the cloud's codes; fills in `MediaType`,
 * `MediaName` and `CoverType` from the paths.
 */
export async function checkRequest(request: VodUploadRequestInit, now: number = Date.now()): Promise<CheckedRequest> {
  if (typeof request !== 'object' || request === null) fail(VodErrorCode.INVALID_PARAMETER, 'request must be a VodUploadRequest.');
  const r = request;
  const media = await localFile(r.MediaFilePath, 'MediaFilePath', VodErrorCode.MEDIA_FILE_PATH);
  if (media.size === 0) fail(VodErrorCode.MEDIA_FILE_PATH, `MediaFilePath is an empty file: ${r.MediaFilePath}`);
  const mediaType = fileType(r.MediaType, media.path, MEDIA_TYPES, 'MediaType', VodErrorCode.MEDIA_TYPE);
  let mediaName: string;
  if (isSet(r.MediaName)) {
    mediaName = text(r.MediaName, 'MediaName', VodErrorCode.MEDIA_NAME);
    if (!mediaName.trim()) fail(VodErrorCode.MEDIA_NAME, 'MediaName is blank.');
  } else {
    const file = basename(media.path);
    const ext = extname(file);
    mediaName = ext ? file.slice(0, -ext.length) : file;
    if (!mediaName) mediaName = file;
  }
  let cover: CheckedRequest['cover'];
  // As in the Python SDK, CoverType alone (without CoverFilePath) is ignored.
  if (isSet(r.CoverFilePath)) {
    const c = await localFile(r.CoverFilePath, 'CoverFilePath', VodErrorCode.COVER_FILE_PATH);
    if (c.size === 0) fail(VodErrorCode.COVER_FILE_PATH, `CoverFilePath is an empty file: ${r.CoverFilePath}`);
    cover = { ...c, type: fileType(r.CoverType, c.path, COVER_TYPES, 'CoverType', VodErrorCode.COVER_TYPE) };
  }

  const options: MediaOptions = { mediaName };
  if (isSet(r.Procedure)) {
    const p = text(r.Procedure, 'Procedure', VodErrorCode.PROCEDURE);
    if (p.length > 128 || CONTROL.test(p)) fail(VodErrorCode.PROCEDURE, 'Procedure must be a task flow name of at most 128 characters.');
    options.procedure = p;
  }
  if (isSet(r.ExpireTime)) {
    const t = text(r.ExpireTime, 'ExpireTime', VodErrorCode.EXPIRE_TIME);
    const ms = ISO_TIME.test(t) ? Date.parse(t) : Number.NaN;
    if (!Number.isFinite(ms)) fail(VodErrorCode.EXPIRE_TIME, `ExpireTime must be an ISO 8601 time like 2030-01-01T00:00:00Z, not ${JSON.stringify(t)}.`);
    if (ms <= now) fail(VodErrorCode.EXPIRE_TIME_VALUE, 'ExpireTime must be in the future.');
    options.expireTime = t;
  }
  if (isSet(r.ClassId)) options.classId = integer(r.ClassId, 'ClassId', VodErrorCode.CLASS_ID, 0, 2 ** 31 - 1);
  if (isSet(r.SourceContext)) {
    const s = text(r.SourceContext, 'SourceContext', VodErrorCode.SOURCE_CONTEXT);
    if (s.length > 250) fail(VodErrorCode.SOURCE_CONTEXT, 'SourceContext is longer than 250 characters.');
    options.sourceContext = s;
  }
  if (isSet(r.SessionContext)) {
    const s = text(r.SessionContext, 'SessionContext', VodErrorCode.SESSION_CONTEXT);
    if (s.length > 1000) fail(VodErrorCode.SESSION_CONTEXT, 'SessionContext is longer than 1000 characters.');
    options.sessionContext = s;
  }
  if (isSet(r.SubAppId)) options.subAppId = integer(r.SubAppId, 'SubAppId', VodErrorCode.SUB_APP_ID, 1, 2 ** 32 - 1);
  if (isSet(r.StorageRegion)) {
    const s = text(r.StorageRegion, 'StorageRegion', VodErrorCode.STORAGE_REGION);
    if (!REGION_PATTERN.test(s) || s.length > 32) fail(VodErrorCode.STORAGE_REGION, `StorageRegion must be a region like ap-chongqing, not ${JSON.stringify(s)}.`);
    options.storageRegion = s;
  }
  let concurrency: number | undefined;
  if (isSet(r.ConcurrentUploadNumber)) {
    concurrency = integer(r.ConcurrentUploadNumber, 'ConcurrentUploadNumber', VodErrorCode.CONCURRENT_UPLOAD_NUMBER, 1, 1000);
  }
  return { mediaPath: media.path, mediaSize: media.size, mediaType, mediaName, cover, options, concurrency };
}
