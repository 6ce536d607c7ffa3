/**
 * Media management: DescribeMediaInfos, SearchMedia, ModifyMediaInfo, DeleteMedia.
 * @module
 */
import type {
  DeleteMediaResponse,
  DescribeMediaInfosResponse,
  ModifyMediaInfoResponse,
  SearchMediaResponse,
} from '@vod-uploader/tencent';
import { fromBase64 } from '@vod-uploader/tencent';
import type { Core } from '../core.ts';
import { VodError } from '../errors.ts';
import { contentTypeOf, sniffImage } from '../media-types.ts';
import { objectId, type MediaRecord } from '../store.ts';
import type { EventQueue } from './events.ts';
import { parseIsoTime } from './params.ts';
import { isSectionFilter, mediaInfo, type MediaUrls } from './render.ts';
import { checkSubAppId, NEVER_EXPIRES } from './upload.ts';

const MAX_SEARCH_WINDOW = 5000;
const MAX_TAGS = 16;
const MAX_TAG_LENGTH = 32;
const MAX_COVER_BYTES = 2 * 1024 * 1024;

function checkFilters(filters: string[] | undefined): string[] | undefined {
  for (const f of filters ?? []) {
    if (!isSectionFilter(f)) throw new VodError('InvalidParameterValue.Filters', `The filter \`${f}\` is not supported.`);
  }
  return filters;
}

function findMedia(core: Core, fileId: string): MediaRecord {
  const m = core.store.state.media[fileId];
  if (!m) throw new VodError('ResourceNotFound', `The media file \`${fileId}\` does not exist.`);
  return m;
}

export function describeMediaInfos(core: Core, p: Record<string, unknown>, urls: MediaUrls): Omit<DescribeMediaInfosResponse, 'RequestId'> {
  checkSubAppId(core, p.SubAppId);
  const ids = p.FileIds as string[];
  if (ids.length === 0 || ids.length > 20) throw new VodError('InvalidParameterValue.FileIds', 'FileIds must hold 1 to 20 FileIds.');
  const filters = checkFilters(p.Filters as string[] | undefined);
  const found: MediaRecord[] = [];
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    const m = core.store.state.media[id];
    if (m) found.push(m);
    else missing.push(id);
  }
  return { MediaInfoSet: found.map((m) => mediaInfo(m, urls, core.nowMs(), filters)), NotExistFileIdSet: missing };
}

function timeRange(name: string, r: unknown): { after?: number; before?: number } | undefined {
  if (r === undefined) return undefined;
  const range = r as Record<string, unknown>;
  const out: { after?: number; before?: number } = {};
  for (const [k, key] of [['After', 'after'], ['Before', 'before']] as const) {
    const v = range[k];
    if (v === undefined || v === null) continue;
    const ms = typeof v === 'string' ? parseIsoTime(v) : undefined;
    if (ms === undefined) throw new VodError(`InvalidParameterValue.${name}`, `${name}.${k} must be an ISO 8601 time.`);
    out[key] = ms;
  }
  return out;
}

const inRange = (iso: string, r: { after?: number; before?: number } | undefined): boolean => {
  if (!r) return true;
  const t = Date.parse(iso);
  return (r.after === undefined || t >= r.after) && (r.before === undefined || t < r.before);
};

export function searchMedia(core: Core, p: Record<string, unknown>, urls: MediaUrls): Omit<SearchMediaResponse, 'RequestId'> {
  checkSubAppId(core, p.SubAppId);
  const offset = (p.Offset as number | undefined) ?? 0;
  const limit = (p.Limit as number | undefined) ?? 10;
  if (offset < 0) throw new VodError('InvalidParameterValue.Offset', 'Offset must not be negative.');
  if (limit < 0) throw new VodError('InvalidParameterValue.Limit', 'Limit must not be negative.');
  if (offset + limit > MAX_SEARCH_WINDOW) {
    throw new VodError('InvalidParameterValue.Limit', `Offset + Limit must not exceed ${MAX_SEARCH_WINDOW}.`);
  }
  const fileIds = p.FileIds as string[] | undefined;
  if (fileIds && fileIds.length > 10) throw new VodError('InvalidParameterValue.FileIds', 'FileIds must hold at most 10 FileIds.');
  const filters = checkFilters(p.Filters as string[] | undefined);
  const sort = p.Sort as { Field?: unknown; Order?: unknown } | undefined;
  if (sort && (sort.Field !== 'CreateTime' || (sort.Order !== 'Asc' && sort.Order !== 'Desc'))) {
    throw new VodError('InvalidParameterValue.Sort', 'Sort must be {"Field":"CreateTime","Order":"Asc"|"Desc"}.');
  }
  const createTime = timeRange('CreateTime', p.CreateTime);
  const expireTime = timeRange('ExpireTime', p.ExpireTime);
  // Deprecated single-value forms map onto the list forms.
  const names = (p.Names as string[] | undefined) ?? (p.Text ? [p.Text as string] : undefined);
  const sourceTypes = (p.SourceTypes as string[] | undefined) ?? (p.SourceType ? [p.SourceType as string] : undefined);
  const created = createTime ?? (p.StartTime || p.EndTime ? timeRange('CreateTime', { After: p.StartTime, Before: p.EndTime }) : undefined);

  const anyOf = <T>(list: T[] | undefined, test: (x: T) => boolean) => !list?.length || list.some(test);
  const lower = (s: string) => s.toLowerCase();
  const matches = (m: MediaRecord) =>
    anyOf(fileIds, (id) => id === m.fileId) &&
    anyOf(names, (n) => lower(m.name).includes(lower(n))) &&
    anyOf(p.NamePrefixes as string[] | undefined, (n) => m.name.startsWith(n)) &&
    anyOf(p.Descriptions as string[] | undefined, (d) => lower(m.description).includes(lower(d))) &&
    anyOf(p.ClassIds as number[] | undefined, (c) => c === m.classId) &&
    anyOf(p.Tags as string[] | undefined, (t) => m.tags.includes(t)) &&
    anyOf(p.Categories as string[] | undefined, (c) => c === m.category) &&
    anyOf(sourceTypes, (s) => s === 'Upload') &&
    anyOf(p.MediaTypes as string[] | undefined, (t) => lower(t) === m.type) &&
    anyOf(p.StorageRegions as string[] | undefined, (r) => r === m.storageRegion) &&
    anyOf(p.StorageClasses as string[] | undefined, (s) => s === 'STANDARD') &&
    anyOf(p.Status as string[] | undefined, (s) => s === 'Normal') &&
    // The emulator has no live streams, TRTC rooms, Vids or knowledge bases: such filters match nothing.
    !(p.StreamIds as string[] | undefined)?.length &&
    !p.StreamId &&
    !(p.Vids as string[] | undefined)?.length &&
    !p.Vid &&
    !(p.TrtcSdkAppIds as number[] | undefined)?.length &&
    !(p.TrtcRoomIds as string[] | undefined)?.length &&
    !(p.StreamDomains as string[] | undefined)?.length &&
    !(p.StreamPaths as string[] | undefined)?.length &&
    !(p.KnowledgeBases as string[] | undefined)?.length &&
    !(p.ReviewResults as string[] | undefined)?.length &&
    inRange(m.createTime, created) &&
    inRange(m.expireTime, expireTime);

  const desc = (sort?.Order ?? 'Desc') === 'Desc';
  const all = Object.values(core.store.state.media)
    .filter(matches)
    .sort((a, b) => {
      const t = Date.parse(a.createTime) - Date.parse(b.createTime);
      const order = t !== 0 ? t : BigInt(a.fileId) < BigInt(b.fileId) ? -1 : BigInt(a.fileId) > BigInt(b.fileId) ? 1 : 0;
      return desc ? -order : order;
    });
  return {
    TotalCount: Math.min(all.length, MAX_SEARCH_WINDOW),
    MediaInfoSet: all.slice(offset, offset + limit).map((m) => mediaInfo(m, urls, core.nowMs(), filters)),
  };
}

export async function modifyMediaInfo(core: Core, p: Record<string, unknown>, urls: MediaUrls): Promise<Omit<ModifyMediaInfoResponse, 'RequestId'>> {
  checkSubAppId(core, p.SubAppId);
  const m = findMedia(core, p.FileId as string);
  const name = p.Name as string | undefined;
  if (name !== undefined && name.length > 64) throw new VodError('InvalidParameterValue.Name', 'Name is longer than 64 characters.');
  const description = p.Description as string | undefined;
  if (description !== undefined && description.length > 128) {
    throw new VodError('InvalidParameterValue.Description', 'Description is longer than 128 characters.');
  }
  const classId = p.ClassId as number | undefined;
  if (classId !== undefined && classId < 0) throw new VodError('InvalidParameterValue.ClassId', 'ClassId must be 0 or a category id.');
  let expireTime: string | undefined;
  if (p.ExpireTime !== undefined) {
    const ms = parseIsoTime(p.ExpireTime as string);
    if (ms === undefined) throw new VodError('InvalidParameterValue.ExpireTime', 'ExpireTime must be an ISO 8601 time.');
    expireTime = p.ExpireTime === NEVER_EXPIRES ? NEVER_EXPIRES : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const addTags = (p.AddTags as string[] | undefined) ?? [];
  const deleteTags = (p.DeleteTags as string[] | undefined) ?? [];
  for (const t of addTags) {
    if (!t || t.length > MAX_TAG_LENGTH) throw new VodError('InvalidParameterValue.Tags', `A tag must have 1 to ${MAX_TAG_LENGTH} characters.`);
  }
  let tags = p.ClearTags === 1 ? [] : m.tags.filter((t) => !deleteTags.includes(t));
  for (const t of addTags) if (!tags.includes(t)) tags = [...tags, t];
  if (tags.length > MAX_TAGS) throw new VodError('InvalidParameterValue.Tags', `A media file has at most ${MAX_TAGS} tags.`);

  let cover: MediaRecord['cover'];
  if (p.CoverData !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(p.CoverData as string);
    } catch {
      throw new VodError('InvalidParameterValue.CoverData', 'CoverData is not valid base64.');
    }
    const type = sniffImage(bytes);
    if (!type || bytes.length === 0) throw new VodError('InvalidParameterValue.CoverData', 'CoverData must be a gif, jpeg or png image.');
    if (bytes.length > MAX_COVER_BYTES) throw new VodError('InvalidParameterValue.CoverData', 'CoverData is larger than 2 MiB.');
    const chunk = await core.blobs.writeBytes(bytes);
    const n = ++core.store.state.coverSeq;
    cover = { name: `cover-${n}.${type}`, contentType: contentTypeOf(type), chunks: [chunk] };
  }

  const oldCover = cover ? m.cover?.chunks.map((c) => c.id) : undefined;
  if (name !== undefined) m.name = name;
  if (description !== undefined) m.description = description;
  if (classId !== undefined) m.classId = classId;
  if (expireTime !== undefined) m.expireTime = expireTime;
  m.tags = tags;
  if (cover) m.cover = cover;
  m.updateTime = core.isoNow();
  await core.store.save();
  if (oldCover) await core.releaseBlobs(oldCover);
  return { ...(cover ? { CoverUrl: urls.cover(m) } : {}), AddedSubtitleSet: [] };
}

export async function deleteMedia(core: Core, events: EventQueue, p: Record<string, unknown>): Promise<Omit<DeleteMediaResponse, 'RequestId'>> {
  checkSubAppId(core, p.SubAppId);
  const m = findMedia(core, p.FileId as string);
  const parts = (p.DeleteParts as Array<{ Type?: unknown }> | undefined) ?? [];
  // The emulator only has original files: deleting only derived outputs (transcodes, …) leaves the media.
  if (parts.length && !parts.some((part) => part.Type === 'OriginalFiles')) return {};
  const state = core.store.state;
  const released = [...m.chunks, ...(m.cover?.chunks ?? [])].map((c) => c.id);
  delete state.media[m.fileId];
  for (const key of [m.mediaKey, m.coverKey]) {
    if (!key) continue;
    const object = state.objects[objectId(m.bucket, key)];
    if (object) {
      released.push(...object.chunks.map((c) => c.id));
      delete state.objects[objectId(m.bucket, key)];
    }
  }
  events.fileDeleted(m.fileId);
  await core.store.save();
  await core.releaseBlobs(released);
  return {};
}
