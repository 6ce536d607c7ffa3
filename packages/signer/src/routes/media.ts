/**
 * The media routes, shaped like api.video's VideosApi over VOD's media management: `GET /media` (SearchMedia),
 * `GET /media/:fileId` and `GET /media/:fileId/status` (DescribeMediaInfos), `PATCH /media/:fileId` and
 * `PUT /media/:fileId/cover` (ModifyMediaInfo), `DELETE /media/:fileId` (DeleteMedia). Who may use them, and
 * on which media, is `authorize`'s `media` grant (see `media-scope.ts`).
 * @module
 */
import type { Context } from 'hono';
import { TencentCloudError, toBase64, type MediaInfo, type MediaInfoFilter, type SearchMediaRequest, type SearchMediaResponse } from '@vod-uploader/tencent';
import { SignerError } from '../errors.ts';
import { readBytes, readJson } from '../http.ts';
import { isReservedTag, MAX_TAG_LENGTH, MAX_TAGS, requireMedia, RESERVED_TAG_PREFIX, scopeTag } from '../media-scope.ts';
import { NEVER_EXPIRES, STATUS_FILTERS, toStatus, toVideo, type Video } from '../media-view.ts';
import { sniffCoverImage } from '../media-type.ts';
import { upstreamError, withRetry } from '../upstream.ts';
import { array, integer, object, optionalInteger, optionalString, string, type Json } from '../validate.ts';
import type { Authorization, Runtime } from '../runtime.ts';

const NO_STORE = { 'Cache-Control': 'no-store' };
/** VOD FileIds are decimal strings (19 digits today). */
const FILE_ID = /^\d{1,32}$/;
/** SearchMedia answers at most the first 5,000 matches (Offset + Limit ≤ 5000). */
export const SEARCH_WINDOW = 5000;
/** Page size of the scans behind lists VOD cannot filter or sort by itself. */
const SCAN_PAGE = 500;
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;
const VIDEO_FILTERS: MediaInfoFilter[] = ['basicInfo', 'metaData'];
/** VOD's caps of ModifyMediaInfo's Name and Description. */
const MAX_TITLE = 64;
const MAX_DESCRIPTION = 128;
/** SearchMedia's caps of one `Descriptions` and one `Tags` item. */
const MAX_SEARCH_DESCRIPTION = 100;
const MAX_SEARCH_TAG = 16;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const isoText = 'an ISO 8601 time like 2030-01-01T00:00:00Z';

// ---------------------------------------------------------------------------------------------------------
// Shared steps

/** The sub-application of media calls: the scope's, else the policy's, else the signer's. */
function subAppOf(rt: Runtime, auth: Authorization): number | undefined {
  return auth.options?.subAppId ?? rt.policy.forced.subAppId ?? rt.policy.defaults.subAppId ?? rt.options.subAppId;
}

function fileIdOf(c: Context): string {
  const id = c.req.param('fileId') ?? '';
  if (!FILE_ID.test(id)) throw new SignerError('invalid_request', 'fileId must be a VOD FileId (decimal digits).');
  return id;
}

const notFound = (fileId: string, requestId?: string) => new SignerError('not_found', `No media ${fileId}.`, { requestId });

/**
 * A media call with the throttling retries of every cloud call. A media file that vanished is `not_found`; a
 * value VOD refuses is the caller's `invalid_request` (a cover it refuses, `policy_type`), with its RequestId.
 */
async function mediaCall<T>(rt: Runtime, what: string, fileId: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await withRetry(fn, rt.options.retry);
  } catch (error) {
    if (error instanceof TencentCloudError && error.service === 'vod') {
      const { code, requestId } = error;
      if (fileId && (code === 'ResourceNotFound' || code.startsWith('ResourceNotFound.') || code === 'InvalidParameterValue.FileId')) {
        throw notFound(fileId, requestId);
      }
      if (code === 'InvalidParameterValue.CoverData') throw new SignerError('policy_type', `VOD refused the cover image: ${error.message}`, { requestId });
      if (code.startsWith('InvalidParameterValue.') || code.startsWith('InvalidParameter.')) {
        throw new SignerError('invalid_request', `${what} refused a value: ${error.message}`, { requestId });
      }
    }
    throw upstreamError(error, what);
  }
}

/** Whether the caller sees this media: everything with `'all'`, else only what carries its scope's tag. */
async function visible(auth: Authorization, grant: 'own' | 'all', info: MediaInfo): Promise<boolean> {
  if (grant === 'all') return true;
  return (info.BasicInfo?.TagSet ?? []).includes(await scopeTag(auth.scope));
}

/** The media file as the caller may see it, or `not_found` (also for another scope's: no existence oracle). */
async function loadVisible(rt: Runtime, auth: Authorization, grant: 'own' | 'all', fileId: string, filters: readonly MediaInfoFilter[]): Promise<MediaInfo> {
  const r = await mediaCall(rt, 'DescribeMediaInfos', fileId, () =>
    rt.vod.describeMediaInfos({ FileIds: [fileId], Filters: [...filters], SubAppId: subAppOf(rt, auth) }),
  );
  const info = (r.MediaInfoSet ?? []).find((m) => m.FileId === fileId);
  if (!info || !(await visible(auth, grant, info))) throw notFound(fileId, r.RequestId);
  return info;
}

// ---------------------------------------------------------------------------------------------------------
// GET /media

type SortBy = 'createdAt' | 'title';

interface ListQuery {
  title?: string;
  description?: string;
  tags: string[];
  classId?: number;
  createdAfter?: string;
  createdBefore?: string;
  sortBy: SortBy;
  sortOrder: 'asc' | 'desc';
  currentPage: number;
  pageSize: number;
}

const LIST_PARAMS = ['title', 'description', 'tags', 'tags[]', 'classId', 'createdAfter', 'createdBefore', 'sortBy', 'sortOrder', 'currentPage', 'pageSize'];

function whole(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,10}$/.test(text)) throw new SignerError('invalid_request', `${name} must be a whole number.`);
  return integer(Number(text), name, { min, max });
}

/** VOD's time form (seconds, `Z`) of an ISO 8601 query value. */
function timeParam(text: string | undefined, name: string): string | undefined {
  if (text === undefined) return undefined;
  string(text, name, { min: 1, max: 40, pattern: ISO_TIME, patternText: isoText });
  const t = Date.parse(text);
  if (!Number.isFinite(t)) throw new SignerError('invalid_request', `${name} is not a valid time.`);
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function tagRule(path: string, tag: unknown): string {
  const t = string(tag, path, { min: 1, max: MAX_TAG_LENGTH });
  if (isReservedTag(t)) throw new SignerError('invalid_request', `${path}: tags starting with "${RESERVED_TAG_PREFIX}" are reserved.`);
  return t;
}

export function parseListQuery(c: Context): ListQuery {
  const all = c.req.queries();
  const one = (name: string): string | undefined => {
    const v = all[name];
    if (v === undefined) return undefined;
    if (v.length !== 1) throw new SignerError('invalid_request', `${name} must be given once.`);
    return v[0];
  };
  for (const name of Object.keys(all)) {
    if (!LIST_PARAMS.includes(name)) throw new SignerError('invalid_request', `${name.slice(0, 40)} is not a known query parameter.`);
  }
  const title = optionalString(one('title'), 'title', { min: 1, max: MAX_TITLE });
  const description = optionalString(one('description'), 'description', { min: 1, max: MAX_SEARCH_DESCRIPTION });
  const rawTags = [...(all.tags ?? []), ...(all['tags[]'] ?? [])];
  if (rawTags.length > MAX_TAGS) throw new SignerError('invalid_request', `tags must have at most ${MAX_TAGS} items.`);
  const tags = [...new Set(rawTags.map((t, i) => tagRule(`tags[${i}]`, t)))];
  const sortBy = one('sortBy') ?? 'createdAt';
  if (sortBy !== 'createdAt' && sortBy !== 'publishedAt' && sortBy !== 'title') {
    throw new SignerError('invalid_request', 'sortBy must be createdAt or title.');
  }
  const sortOrder = one('sortOrder') ?? (sortBy === 'title' ? 'asc' : 'desc');
  if (sortOrder !== 'asc' && sortOrder !== 'desc') throw new SignerError('invalid_request', 'sortOrder must be asc or desc.');
  const currentPage = whole(one('currentPage'), 'currentPage', 1, SEARCH_WINDOW) ?? 1;
  const pageSize = whole(one('pageSize'), 'pageSize', 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE;
  if (currentPage * pageSize > SEARCH_WINDOW) {
    throw new SignerError('invalid_request', `currentPage × pageSize must be at most ${SEARCH_WINDOW} (VOD searches the first ${SEARCH_WINDOW} matches).`);
  }
  return {
    title,
    description,
    tags,
    classId: whole(one('classId'), 'classId', 0, 2 ** 31 - 1),
    createdAfter: timeParam(one('createdAfter'), 'createdAfter'),
    createdBefore: timeParam(one('createdBefore'), 'createdBefore'),
    sortBy: sortBy === 'title' ? 'title' : 'createdAt',
    sortOrder,
    currentPage,
    pageSize,
  };
}

/** api.video's pagination links: the request's own path and filters, with another page. */
function pageLinks(c: Context, q: ListQuery, pagesTotal: number): Array<{ rel: string; uri: string }> {
  const url = new URL(c.req.url);
  const uri = (page: number) => {
    const params = new URLSearchParams(url.search);
    params.set('currentPage', String(page));
    params.set('pageSize', String(q.pageSize));
    return `${url.pathname}?${params.toString()}`;
  };
  const links = [{ rel: 'self', uri: uri(q.currentPage) }, { rel: 'first', uri: uri(1) }];
  if (q.currentPage > 1) links.push({ rel: 'previous', uri: uri(Math.min(q.currentPage - 1, pagesTotal)) });
  if (q.currentPage < pagesTotal) links.push({ rel: 'next', uri: uri(q.currentPage + 1) });
  links.push({ rel: 'last', uri: uri(pagesTotal) });
  return links;
}

const byTitle = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/**
 * `GET /media`: the caller's media (or, with `media: 'all'`, every media file), newest first by default.
 * Filters: `title` and `description` (contain, any case), `tags` (all of them), `classId`, `createdAfter`
 * (inclusive) / `createdBefore` (exclusive). VOD filters and pages itself unless VOD cannot: several tags (its
 * tag filter matches any one) or `sortBy=title`; the signer then scans VOD's first 5,000 matches.
 */
export async function listMedia(rt: Runtime, c: Context, auth: Authorization): Promise<Response> {
  const grant = requireMedia(auth, 'read');
  const q = parseListQuery(c);
  const own = grant === 'own' ? await scopeTag(auth.scope) : undefined;
  // VOD's Tags matches media with any one of them (each ≤ 16 characters): one tag goes to VOD, the rest (all
  // must match) are checked here.
  const vodTag = own ?? q.tags.find((t) => t.length <= MAX_SEARCH_TAG);
  const restTags = q.tags.filter((t) => t !== vodTag);
  const search: SearchMediaRequest = {
    SubAppId: subAppOf(rt, auth),
    Filters: VIDEO_FILTERS,
    Sort: { Field: 'CreateTime', Order: q.sortOrder === 'asc' || q.sortBy === 'title' ? 'Asc' : 'Desc' },
  };
  if (vodTag) search.Tags = [vodTag];
  if (q.title) search.Names = [q.title];
  if (q.description) search.Descriptions = [q.description];
  if (q.classId !== undefined) search.ClassIds = [q.classId];
  if (q.createdAfter || q.createdBefore) search.CreateTime = { After: q.createdAfter, Before: q.createdBefore };
  const offset = (q.currentPage - 1) * q.pageSize;
  const run = (Offset: number, Limit: number) =>
    mediaCall<SearchMediaResponse>(rt, 'SearchMedia', undefined, () => rt.vod.searchMedia({ ...search, Offset, Limit }));

  let items: MediaInfo[];
  let total: number;
  if (restTags.length === 0 && q.sortBy === 'createdAt') {
    const r = await run(offset, q.pageSize);
    items = r.MediaInfoSet ?? [];
    total = Math.min(r.TotalCount ?? 0, SEARCH_WINDOW);
  } else {
    const matched: MediaInfo[] = [];
    for (let at = 0; at < SEARCH_WINDOW; at += SCAN_PAGE) {
      const r = await run(at, Math.min(SCAN_PAGE, SEARCH_WINDOW - at));
      const page = r.MediaInfoSet ?? [];
      for (const m of page) {
        const tags = m.BasicInfo?.TagSet ?? [];
        if (restTags.every((t) => tags.includes(t))) matched.push(m);
      }
      if (page.length < SCAN_PAGE || at + SCAN_PAGE >= (r.TotalCount ?? 0)) break;
    }
    if (q.sortBy === 'title') {
      const sign = q.sortOrder === 'asc' ? 1 : -1;
      matched.sort((a, b) => sign * byTitle.compare(a.BasicInfo?.Name ?? '', b.BasicInfo?.Name ?? ''));
    }
    items = matched.slice(offset, offset + q.pageSize);
    total = matched.length;
  }
  const data: Video[] = items.map(toVideo);
  const pagesTotal = Math.max(1, Math.ceil(total / q.pageSize));
  return c.json(
    {
      data,
      pagination: {
        currentPage: q.currentPage,
        pageSize: q.pageSize,
        pagesTotal,
        itemsTotal: total,
        currentPageItems: data.length,
        links: pageLinks(c, q, pagesTotal),
      },
    },
    200,
    NO_STORE,
  );
}

// ---------------------------------------------------------------------------------------------------------
// GET /media/:fileId, GET /media/:fileId/status

export async function getMedia(rt: Runtime, c: Context, auth: Authorization): Promise<Response> {
  const grant = requireMedia(auth, 'read');
  const info = await loadVisible(rt, auth, grant, fileIdOf(c), VIDEO_FILTERS);
  return c.json(toVideo(info), 200, NO_STORE);
}

/** `GET /media/:fileId/status`: one DescribeMediaInfos; what the upload engine polls after a complete. */
export async function mediaStatus(rt: Runtime, c: Context, auth: Authorization): Promise<Response> {
  const grant = requireMedia(auth, 'read');
  const info = await loadVisible(rt, auth, grant, fileIdOf(c), STATUS_FILTERS);
  return c.json(toStatus(info), 200, NO_STORE);
}

// ---------------------------------------------------------------------------------------------------------
// PATCH /media/:fileId, DELETE /media/:fileId, PUT /media/:fileId/cover

function tagList(value: unknown, path: string): string[] {
  return [...new Set(array(value, path, MAX_TAGS).map((t, i) => tagRule(`${path}[${i}]`, t)))];
}

/**
 * `PATCH /media/:fileId` `{ title?, description?, tags? | addTags?, removeTags?, classId?, expiresAt? }` →
 * the Video. `tags` replaces the client's tags (api.video's semantics); `addTags`/`removeTags` change them.
 * `expiresAt: null` means never. Reserved tags are kept whatever is asked.
 */
export async function updateMedia(rt: Runtime, c: Context, auth: Authorization): Promise<Response> {
  const grant = requireMedia(auth, 'write');
  const fileId = fileIdOf(c);
  const body: Json = object(await readJson(c, rt.maxBodyBytes), 'body', ['title', 'description', 'tags', 'addTags', 'removeTags', 'classId', 'expiresAt']);
  if (Object.values(body).every((v) => v === undefined)) throw new SignerError('invalid_request', 'Send at least one field to change.');
  const title = optionalString(body.title, 'title', { min: 1, max: MAX_TITLE, pattern: /^[^\u0000-\u001f\u007f]+$/, patternText: 'a title without control characters' });
  const description = optionalString(body.description, 'description', { max: MAX_DESCRIPTION });
  const classId = optionalInteger(body.classId, 'classId', { min: 0, max: 2 ** 31 - 1 });
  let expireTime: string | undefined;
  if (body.expiresAt === null) expireTime = NEVER_EXPIRES;
  else if (body.expiresAt !== undefined) {
    const text = string(body.expiresAt, 'expiresAt', { min: 1, max: 40, pattern: ISO_TIME, patternText: `${isoText}, or null for never` });
    const t = Date.parse(text);
    if (!Number.isFinite(t) || t <= rt.now()) throw new SignerError('invalid_request', 'expiresAt must be a valid time in the future.');
    expireTime = new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const replace = body.tags === undefined ? undefined : tagList(body.tags, 'tags');
  const add = body.addTags === undefined ? [] : tagList(body.addTags, 'addTags');
  const remove = body.removeTags === undefined ? [] : tagList(body.removeTags, 'removeTags');
  if (replace && (add.length || remove.length)) throw new SignerError('invalid_request', 'Send either tags (replace) or addTags/removeTags, not both.');

  const info = await loadVisible(rt, auth, grant, fileId, ['basicInfo']);
  const current = info.BasicInfo?.TagSet ?? [];
  const reserved = current.filter(isReservedTag);
  const mine = current.filter((t) => !isReservedTag(t));
  const wanted = replace ?? [...mine.filter((t) => !remove.includes(t)), ...add.filter((t) => !mine.includes(t))];
  if (reserved.length + new Set(wanted).size > MAX_TAGS) {
    throw new SignerError('invalid_request', `A media file has at most ${MAX_TAGS - reserved.length} tags here (VOD's cap is ${MAX_TAGS}).`);
  }
  const addTags = [...new Set(wanted)].filter((t) => !current.includes(t));
  const deleteTags = mine.filter((t) => !wanted.includes(t));
  const change = {
    Name: title,
    Description: description,
    ClassId: classId,
    ExpireTime: expireTime,
    AddTags: addTags.length ? addTags : undefined,
    DeleteTags: deleteTags.length ? deleteTags : undefined,
  };
  if (Object.values(change).some((v) => v !== undefined)) {
    await mediaCall(rt, 'ModifyMediaInfo', fileId, () => rt.vod.modifyMediaInfo({ FileId: fileId, SubAppId: subAppOf(rt, auth), ...change }));
  }
  return c.json(toVideo(await loadVisible(rt, auth, grant, fileId, VIDEO_FILTERS)), 200, NO_STORE);
}

/** `DELETE /media/:fileId` → 204: the media and everything VOD made of it (DeleteMedia with no parts). */
export async function deleteMedia(rt: Runtime, c: Context, auth: Authorization): Promise<Response> {
  const grant = requireMedia(auth, 'write');
  const fileId = fileIdOf(c);
  await loadVisible(rt, auth, grant, fileId, ['basicInfo']);
  await mediaCall(rt, 'DeleteMedia', fileId, () => rt.vod.deleteMedia({ FileId: fileId, SubAppId: subAppOf(rt, auth) }));
  return c.body(null, 204, NO_STORE);
}

/** The MIME types of the cover formats VOD's `CoverData` takes. */
const COVER_MIME = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/gif': 'gif' } as const;
/** Room for the multipart framing around the image. */
const FORM_OVERHEAD = 16 * 1024;

/** The image of a cover request: the raw body (`Content-Type: image/…`) or the `file` field of a form. */
async function coverImage(c: Context, maxBytes: number): Promise<{ bytes: Uint8Array; declared: string }> {
  const type = (c.req.header('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'multipart/form-data') {
    const raw = await readBytes(c, maxBytes + FORM_OVERHEAD);
    let file: unknown;
    try {
      const form = await new Response(raw, { headers: { 'content-type': c.req.header('content-type')! } }).formData();
      file = form.get('file');
    } catch {
      throw new SignerError('invalid_request', 'The form could not be read: send the image as its "file" field.');
    }
    if (!(file instanceof Blob)) throw new SignerError('invalid_request', 'The form has no "file" field with the image.');
    if (file.size > maxBytes) throw new SignerError('payload_too_large', `The cover is larger than ${maxBytes} bytes.`);
    return { bytes: new Uint8Array(await file.arrayBuffer()), declared: file.type.split(';', 1)[0]!.trim().toLowerCase() };
  }
  if (!(type in COVER_MIME)) {
    throw new SignerError('unsupported_media_type', 'Send the cover as the body with Content-Type image/jpeg, image/png or image/gif, or as the "file" field of a multipart form.');
  }
  return { bytes: (await readBytes(c, maxBytes)) ?? new Uint8Array(), declared: type };
}

/**
 * `PUT /media/:fileId/cover` with a JPEG, PNG or GIF image (the raw body, or the `file` field of a
 * multipart form as api.video's upload_thumbnail) → the Video with its new `coverUrl`. The bytes must be the
 * declared format (checked by its signature), at most `maxCoverBytes`.
 */
export async function setCover(rt: Runtime, c: Context, auth: Authorization): Promise<Response> {
  const grant = requireMedia(auth, 'write');
  const fileId = fileIdOf(c);
  const { bytes, declared } = await coverImage(c, rt.maxCoverBytes);
  if (bytes.length === 0) throw new SignerError('invalid_request', 'The cover image is empty.');
  const format = sniffCoverImage(bytes);
  if (!format) throw new SignerError('policy_type', 'The cover must be a JPEG, PNG or GIF image.');
  if (declared && declared !== 'application/octet-stream' && COVER_MIME[declared as keyof typeof COVER_MIME] !== format) {
    throw new SignerError('policy_type', `The cover is a ${format.toUpperCase()} image, not ${declared.slice(0, 40)}.`);
  }
  await loadVisible(rt, auth, grant, fileId, ['basicInfo']);
  await mediaCall(rt, 'ModifyMediaInfo', fileId, () => rt.vod.modifyMediaInfo({ FileId: fileId, CoverData: toBase64(bytes), SubAppId: subAppOf(rt, auth) }));
  return c.json(toVideo(await loadVisible(rt, auth, grant, fileId, VIDEO_FILTERS)), 200, NO_STORE);
}
