/**
 * `POST /uploads`: validate the file facts and options, apply the policy, answer an instant upload from the
 * verified index, or call ApplyUpload (+ InitiateMultipartUpload) and return the sealed session.
 * @module
 */
import type { Context } from 'hono';
import type { ApplyUploadRequest } from '@vod-uploader/tencent';
import { SignerError } from '../errors.ts';
import { lookupInstant, instantKey, type InstantEntry } from '../instant.ts';
import { deriveType } from '../media-type.ts';
import { safeFileName, safeMediaName } from '../names.ts';
import { effectivePolicy, planUpload, resolveOptions, type UploadPolicy } from '../policy.ts';
import { randomId, type SessionData } from '../session.ts';
import { call } from '../upstream.ts';
import { integer, object, optionalInteger, optionalString, SHA1_HEX, string, type Json } from '../validate.ts';
import { cosFor, rememberSecret, seconds, type Authorization, type Runtime } from '../runtime.ts';

/** Largest `file.size` accepted by the schema (the policy's maxSize then applies). */
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

interface FileFacts {
  name: string;
  size?: number;
  type?: string;
}

function fileFacts(value: unknown, path: string, stream: boolean): FileFacts {
  const f = object(value, path, ['name', 'size', 'type', 'lastModified']);
  const name = string(f.name, `${path}.name`, { min: 1, max: 1024 });
  const type = optionalString(f.type, `${path}.type`, { max: 255 });
  optionalInteger(f.lastModified, `${path}.lastModified`, { min: 0, max: MAX_SAFE });
  if (stream) {
    if (f.size !== undefined) throw new SignerError('invalid_request', `${path}.size must be absent for a stream upload (stream: true).`);
    return { name, type };
  }
  return { name, size: integer(f.size, `${path}.size`, { min: 0, max: MAX_SAFE }), type };
}

function checkSize(size: number, max: number, what: string): void {
  if (size < 1) throw new SignerError('policy_size', `The ${what} is empty.`);
  if (size > max) throw new SignerError('policy_size', `The ${what} is larger than this server accepts (${max} bytes).`);
}

/** Drops an index entry whose file was deleted from VOD; keeps it when VOD cannot tell. */
async function stillExists(rt: Runtime, entry: InstantEntry, subAppId: number | undefined): Promise<boolean> {
  if (rt.instant === false || rt.instant.checkExists === false) return true;
  try {
    const r = await rt.vod.describeMediaInfos({ FileIds: [entry.fileId], Filters: ['basicInfo'], SubAppId: subAppId });
    return !(r.NotExistFileIdSet ?? []).includes(entry.fileId);
  } catch {
    return false;
  }
}

/**
 * `POST /uploads/instant` `{ sha1, size }`: the cheap pre-check of an instant upload, without a session:
 * `{ instant: { fileId, mediaUrl, coverUrl } }` or `{ instant: null }`. Scoped like `POST /uploads`.
 */
export async function findInstant(rt: Runtime, c: Context, auth: Authorization, body: Json): Promise<Response> {
  object(body, 'body', ['sha1', 'size']);
  const sha1 = string(body.sha1, 'sha1', { max: 40, pattern: SHA1_HEX, patternText: '40 lower-case hex characters' });
  const size = integer(body.size, 'size', { min: 1, max: MAX_SAFE });
  let hit: InstantEntry | undefined;
  if (rt.instant !== false) {
    hit = await lookupInstant(rt.store, auth.scope, sha1, size);
    if (hit && !(await stillExists(rt, hit, rt.options.subAppId))) {
      await rt.store.delete(instantKey(auth.scope, sha1, size));
      hit = undefined;
    }
  }
  return c.json({ instant: hit ?? null }, 200, { 'Cache-Control': 'no-store' });
}

export async function createUpload(rt: Runtime, c: Context, auth: Authorization, body: Json): Promise<Response> {
  object(body, 'body', ['file', 'cover', 'sha1', 'partSize', 'options', 'stream']);
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw new SignerError('invalid_request', 'stream must be a boolean.');
  const stream = body.stream === true;
  const policy: UploadPolicy = effectivePolicy(rt.policy, auth.limits);
  const file = fileFacts(body.file, 'file', stream);
  const cover = body.cover === undefined ? undefined : fileFacts(body.cover, 'cover', false);
  const sha1 = optionalString(body.sha1, 'sha1', { max: 40, pattern: SHA1_HEX, patternText: '40 lower-case hex characters' });
  if (sha1 && stream) throw new SignerError('invalid_request', 'sha1 cannot be known before a stream upload: send it to /uploads/complete.');
  const partSize = optionalInteger(body.partSize, 'partSize', { min: 1, max: MAX_SAFE });

  // Policy: stream, sizes, names and types.
  if (stream && !policy.allowStream) throw new SignerError('policy_option', 'Stream uploads are not allowed on this server.');
  if (file.size !== undefined) checkSize(file.size, policy.maxSize, 'file');
  const name = safeFileName(file.name, policy.maxNameBytes);
  const mediaType = deriveType(name.extension, file.type, policy.mediaTypes, 'media');
  if (!mediaType) {
    throw new SignerError('policy_type', `This server does not accept this type of file (${name.extension ? `.${name.extension}` : 'no extension'}${file.type ? `, ${file.type.slice(0, 60)}` : ''}).`);
  }
  let coverType: string | undefined;
  if (cover) {
    checkSize(cover.size!, policy.maxCoverSize, 'cover');
    const coverName = safeFileName(cover.name, policy.maxNameBytes);
    coverType = deriveType(coverName.extension, cover.type, policy.coverTypes, 'cover') ?? undefined;
    if (!coverType) throw new SignerError('policy_type', 'This server does not accept this type of cover image.');
  }
  const options = resolveOptions(body.options, policy, auth.options ?? {});
  const mediaName = options.mediaName ?? (safeMediaName(name.stem, policy.maxNameBytes) || undefined);
  const subAppId = options.subAppId ?? rt.options.subAppId;

  // Instant upload: only a verified copy in the same scope, only without a new cover.
  if (sha1 && rt.instant !== false && !cover && file.size !== undefined) {
    const hit = await lookupInstant(rt.store, auth.scope, sha1, file.size);
    if (hit) {
      if (await stillExists(rt, hit, subAppId)) return c.json({ instant: hit }, 200, { 'Cache-Control': 'no-store' });
      await rt.store.delete(instantKey(auth.scope, sha1, file.size));
    }
  }

  const plan = planUpload(file.size, partSize, policy);
  const request: ApplyUploadRequest = {
    MediaType: mediaType,
    MediaName: mediaName,
    CoverType: coverType,
    Procedure: options.procedure,
    ExpireTime: options.expireTime,
    StorageRegion: options.storageRegion,
    ClassId: options.classId,
    SourceContext: options.sourceContext,
    SessionContext: options.sessionContext,
    SubAppId: subAppId,
  };
  const applied = await call('ApplyUpload', () => rt.vod.applyUpload(request), rt.options.retry);
  const now = seconds(rt);
  const cert = applied.TempCertificate;
  if (cert) rememberSecret(rt, c, cert.SecretKey);
  let exp = now + rt.sessionTtl;
  if (cert) exp = Math.min(exp, cert.ExpiredTime);
  if (exp - now < 60) {
    throw new SignerError('upstream', 'ApplyUpload returned a credential that is about to expire; try again.', { status: 503, retryable: true, requestId: applied.RequestId });
  }
  const stripSlash = (p: string) => p.replace(/^\/+/, '');
  const session: SessionData = {
    sid: randomId(),
    scope: auth.scope,
    iat: now,
    exp,
    strategy: plan.strategy,
    bucket: applied.StorageBucket,
    region: applied.StorageRegion,
    key: stripSlash(applied.MediaStoragePath),
    vsk: applied.VodSessionKey,
    partSize: plan.partSize,
    partCount: plan.partCount,
    maxPart: plan.maxPart,
    mediaType,
  };
  if (subAppId !== undefined) session.subAppId = subAppId;
  if (cert) session.cred = { id: cert.SecretId, key: cert.SecretKey, token: cert.Token, exp: cert.ExpiredTime };
  if (file.size !== undefined) session.size = file.size;
  if (sha1) session.sha1 = sha1;
  if (options.procedure) session.proc = 1;
  if (cover) {
    if (!applied.CoverStoragePath) {
      throw new SignerError('upstream', 'ApplyUpload returned no cover storage path.', { requestId: applied.RequestId });
    }
    session.coverKey = stripSlash(applied.CoverStoragePath);
    session.coverSize = cover.size!;
    session.coverType = coverType;
  }
  if (plan.strategy === 'multipart') {
    const init = await call('InitiateMultipartUpload', () => cosFor(rt, session).initiateMultipartUpload({ key: session.key }), rt.options.retry);
    session.uploadId = init.uploadId;
  }

  const out: Record<string, unknown> = {
    session: await rt.sealer.seal(session),
    strategy: plan.strategy,
    partSize: plan.partSize,
    partCount: plan.partCount,
    maxPartNumber: plan.maxPart,
    expiresAt: new Date(exp * 1000).toISOString(),
    mediaType,
  };
  if (coverType) out.cover = { coverType };
  return c.json(out, 200, { 'Cache-Control': 'no-store' });
}
