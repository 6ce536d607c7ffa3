/**
 * ApplyUpload and CommitUpload: an upload session issues a bucket, object keys and a temporary COS credential
 * valid only for those keys; commit turns the uploaded objects into a media file with a FileId and queues
 * `NewFileUpload`.
 *
 * A repeated CommitUpload of a committed session returns the same FileId, MediaUrl and CoverUrl and creates
 * nothing (the cloud's behaviour is undocumented; idempotence makes client retries safe). Once that media is
 * deleted, the session key is rejected like an unknown one.
 * @module
 */
import type { ApplyUploadResponse, CommitUploadResponse } from '@vod-uploader/tencent';
import type { Core } from '../core.ts';
import { VodError } from '../errors.ts';
import { fileIdAt, randomHex } from '../ids.ts';
import { categoryOf, contentTypeOf, coverType as checkCoverType, mediaType as checkMediaType } from '../media-types.ts';
import { objectId, type CredentialRecord, type MediaRecord, type SessionRecord } from '../store.ts';
import type { EventQueue } from './events.ts';
import { parseIsoTime } from './params.ts';
import { fileName, type MediaUrls } from './render.ts';

export const NEVER_EXPIRES = '9999-12-31T23:59:59Z';

/** Checks `SubAppId`: absent, or the emulator's APPID. */
export function checkSubAppId(core: Core, subAppId: unknown): void {
  if (subAppId === undefined) return;
  if (subAppId !== Number(core.options.appId)) {
    throw new VodError('InvalidParameterValue.SubAppId', `The SubAppId ${String(subAppId)} does not exist (the emulator's is ${core.options.appId}).`);
  }
}

/** Normalizes an ISO time to `yyyy-mm-ddThh:mm:ssZ`. */
const isoUtc = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function applyUpload(core: Core, p: Record<string, unknown>): Promise<Omit<ApplyUploadResponse, 'RequestId'>> {
  checkSubAppId(core, p.SubAppId);
  const mediaType = checkMediaType(p.MediaType as string);
  if (!mediaType) throw new VodError('InvalidParameterValue.MediaType', `The MediaType \`${String(p.MediaType)}\` is not supported.`);
  let coverType: string | undefined;
  if (p.CoverType !== undefined && p.CoverType !== '') {
    coverType = checkCoverType(p.CoverType as string);
    if (!coverType) throw new VodError('InvalidParameterValue.CoverType', `The CoverType \`${String(p.CoverType)}\` is not supported.`);
  }
  let expireTime: string | undefined;
  if (p.ExpireTime !== undefined && p.ExpireTime !== '') {
    const ms = parseIsoTime(p.ExpireTime as string);
    if (ms === undefined) throw new VodError('InvalidParameter.ExpireTime', 'ExpireTime must be an ISO 8601 time, e.g. 2030-01-01T00:00:00Z.');
    if (ms <= core.nowMs()) throw new VodError('InvalidParameterValue.ExpireTime', 'ExpireTime must be in the future.');
    expireTime = isoUtc(ms);
  }
  const region = (p.StorageRegion as string | undefined) || core.options.region;
  if (!/^[a-z]+(-[a-z0-9]+)+$/.test(region)) throw new VodError('InvalidParameterValue.StorageRegion', `The StorageRegion \`${region}\` does not exist.`);
  const classId = (p.ClassId as number | undefined) ?? 0;
  if (classId < 0) throw new VodError('InvalidParameterValue.ClassId', 'ClassId must be 0 or a category id.');
  const mediaName = p.MediaName as string | undefined;
  if (mediaName !== undefined && mediaName.length > 64) throw new VodError('InvalidParameterValue.MediaName', 'MediaName is longer than 64 characters.');
  const sourceContext = p.SourceContext as string | undefined;
  if (sourceContext !== undefined && sourceContext.length > 250) {
    throw new VodError('InvalidParameterValue.SourceContext', 'SourceContext is longer than 250 characters.');
  }
  const sessionContext = p.SessionContext as string | undefined;
  if (sessionContext !== undefined && sessionContext.length > 1000) {
    throw new VodError('InvalidParameterValue.SessionContext', 'SessionContext is longer than 1000 characters.');
  }

  const state = core.store.state;
  const fileId = fileIdAt(state.fileIdBase, state.fileSeq++);
  let mediaKey: string;
  const customPath = p.MediaStoragePath as string | undefined;
  if (customPath) {
    if (!customPath.startsWith('/') || customPath.length < 2 || customPath.includes('//')) {
      throw new VodError('InvalidParameterValue.MediaStoragePath', 'MediaStoragePath must start with `/` and name a file.');
    }
    mediaKey = customPath.slice(1);
  } else mediaKey = `${core.options.appId}/${fileId}/f0.${mediaType}`;
  const dir = mediaKey.includes('/') ? mediaKey.slice(0, mediaKey.lastIndexOf('/') + 1) : '';
  const coverKey = coverType ? `${dir}${customPath ? `${fileName(mediaKey)}.cover` : 'cover'}.${coverType}` : undefined;

  const bucket = core.bucketFor(region);
  const sessionKey = `${randomHex(12)}-${fileId}`;
  const credential: CredentialRecord = {
    secretId: `emutmp-${randomHex(12)}`,
    secretKey: randomHex(20),
    token: `emutoken-${randomHex(40)}`,
    expiredTime: core.nowSeconds() + core.options.credentialTtl,
    bucket,
    keys: coverKey ? [mediaKey, coverKey] : [mediaKey],
    sessionKey,
  };
  const session: SessionRecord = {
    sessionKey,
    fileId,
    subAppId: p.SubAppId as number | undefined,
    bucket,
    region,
    mediaKey,
    coverKey,
    mediaType,
    coverType,
    mediaName,
    classId,
    expireTime,
    procedure: p.Procedure as string | undefined,
    sourceContext,
    sessionContext,
    createdAt: core.isoNow(),
  };
  state.sessions[sessionKey] = session;
  core.addBucket(bucket);
  state.credentials[credential.secretId] = credential;
  await core.store.save();
  return {
    StorageBucket: bucket,
    StorageRegion: region,
    VodSessionKey: sessionKey,
    MediaStoragePath: `/${mediaKey}`,
    CoverStoragePath: coverKey ? `/${coverKey}` : '',
    TempCertificate: {
      SecretId: credential.secretId,
      SecretKey: credential.secretKey,
      Token: credential.token,
      ExpiredTime: credential.expiredTime,
    },
  } as Omit<ApplyUploadResponse, 'RequestId'>;
}

export async function commitUpload(
  core: Core,
  events: EventQueue,
  p: Record<string, unknown>,
  urls: MediaUrls,
): Promise<Omit<CommitUploadResponse, 'RequestId'>> {
  checkSubAppId(core, p.SubAppId);
  const state = core.store.state;
  const session = state.sessions[p.VodSessionKey as string];
  if (!session || (session.committed && !state.media[session.fileId])) {
    throw new VodError('InvalidParameterValue.VodSessionKey', 'The VodSessionKey is invalid or has expired.');
  }
  const done = (m: MediaRecord) => ({ FileId: m.fileId, MediaUrl: urls.media(m), CoverUrl: urls.cover(m) });
  if (session.committed) return done(state.media[session.fileId]!);

  const media = state.objects[objectId(session.bucket, session.mediaKey)];
  if (!media) throw new VodError('ResourceNotFound', `The media file /${session.mediaKey} has not been uploaded.`);
  const cover = session.coverKey ? state.objects[objectId(session.bucket, session.coverKey)] : undefined;
  if (session.coverKey && !cover) throw new VodError('ResourceNotFound', `The cover file /${session.coverKey} has not been uploaded.`);
  const md5 = await core.objectMd5(media);
  // A concurrent commit of the same session may have finished while the MD5 was computed.
  if (session.committed) return done(state.media[session.fileId]!);

  const now = core.isoNow();
  const record: MediaRecord = {
    fileId: session.fileId,
    subAppId: session.subAppId,
    name: session.mediaName ?? fileName(session.mediaKey).replace(/\.[^.]*$/, ''),
    description: '',
    classId: session.classId,
    createTime: now,
    updateTime: now,
    expireTime: session.expireTime ?? NEVER_EXPIRES,
    type: session.mediaType,
    category: categoryOf(session.mediaType),
    sourceContext: session.sourceContext ?? '',
    sessionContext: session.sessionContext ?? '',
    storageRegion: session.region,
    bucket: session.bucket,
    mediaKey: session.mediaKey,
    coverKey: session.coverKey,
    tags: [],
    size: media.size,
    md5,
    crc64: media.crc64,
    contentType: contentTypeOf(session.mediaType),
    chunks: media.chunks.map((c) => ({ ...c })),
    cover: cover && {
      name: fileName(session.coverKey!),
      contentType: contentTypeOf(session.coverType!),
      chunks: cover.chunks.map((c) => ({ ...c })),
    },
    ...(session.procedure && {
      procedure: { name: session.procedure, taskId: `${core.options.appId}-procedurev2-${randomHex(16)}t0`, doneAt: core.nowMs() + core.options.procedureMs },
    }),
  };
  state.media[record.fileId] = record;
  session.committed = true;
  events.fileUploaded(record);
  await core.store.save();
  return done(record);
}
