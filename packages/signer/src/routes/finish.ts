/**
 * The end of a session: `POST /uploads/parts` (what storage has: the resume source of truth),
 * `POST /uploads/complete` (check, complete, commit: idempotent) and `POST /uploads/abort`.
 * @module
 */
import type { Context } from 'hono';
import { TencentCloudError, type CosClient, type CosHeadResult, type CosPart } from '@vod-uploader/tencent';
import { SignerError } from '../errors.ts';
import { partBytes } from '../policy.ts';
import type { SessionData } from '../session.ts';
import { sessionTags, stampMedia } from '../media-scope.ts';
import { call, upstreamError } from '../upstream.ts';
import { array, integer, object, optionalString, SHA1_HEX, string, type Json } from '../validate.ts';
import { background, cosFor, seconds, type Runtime } from '../runtime.ts';

const JSON_HEADERS = { 'Cache-Control': 'no-store' };

export interface CompleteResult {
  fileId: string;
  mediaUrl: string;
  coverUrl: string;
  requestId: string;
}

/** A stored complete: `pendingTags` until the scope's reserved tags are on the media. */
type StoredResult = CompleteResult & { pendingTags?: string[] };

const doneKey = (sid: string) => `done:${sid}`;
const doneTtl = (rt: Runtime, session: SessionData) => Math.max(60, session.exp - seconds(rt)) + 86_400;

/** The stored result of a complete, finishing its tagging first when a previous attempt stopped before it. */
async function storedResult(rt: Runtime, session: SessionData, text: string): Promise<CompleteResult> {
  const { pendingTags, ...result } = JSON.parse(text) as StoredResult;
  if (pendingTags?.length) {
    await stampMedia(rt, result.fileId, pendingTags, session.subAppId);
    await rt.store.set(doneKey(session.sid), JSON.stringify(result), doneTtl(rt, session));
  }
  return result;
}
const lockKey = (sid: string) => `lock:${sid}`;

/** HEAD of an object, or null when it does not exist. */
async function headOrNull(cos: CosClient, key: string, what: string): Promise<CosHeadResult | null> {
  try {
    return await cos.headObject({ key });
  } catch (error) {
    if (error instanceof TencentCloudError && (error.status === 404 || error.code === 'NoSuchKey')) return null;
    throw upstreamError(error, what);
  }
}

const normalizeEtag = (etag: string) => etag.replace(/"/g, '').trim().toLowerCase();

function mismatch(message: string): SignerError {
  return new SignerError('parts_mismatch', message);
}

/**
 * Checks the parts storage has against the plan (count, sizes) and against the client's list (ETags), and
 * returns the object's size.
 */
export function checkParts(session: SessionData, stored: readonly CosPart[], client: ReadonlyArray<{ partNumber: number; etag: string }> | undefined): number {
  const parts = [...stored].sort((a, b) => a.partNumber - b.partNumber);
  let size = 0;
  if (session.size !== undefined && session.partCount !== null) {
    const missing: number[] = [];
    const have = new Set(parts.map((p) => p.partNumber));
    for (let n = 1; n <= session.partCount && missing.length < 5; n++) if (!have.has(n)) missing.push(n);
    if (missing.length) throw mismatch(`Storage is missing part${missing.length > 1 ? 's' : ''} ${missing.join(', ')}${missing.length === 5 ? '…' : ''} of ${session.partCount}.`);
    if (parts.length !== session.partCount) throw mismatch(`Storage has ${parts.length} parts; the plan has ${session.partCount}.`);
    for (const p of parts) {
      const want = partBytes(p.partNumber, session.size, session.partSize, session.partCount);
      if (p.size !== want) throw mismatch(`Part ${p.partNumber} has ${p.size} bytes in storage; the plan says ${want}.`);
    }
    size = session.size;
  } else {
    if (parts.length === 0) throw mismatch('Storage has no parts of this upload.');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p.partNumber !== i + 1) throw mismatch(`Storage is missing part ${i + 1}.`);
      const last = i === parts.length - 1;
      if (last ? p.size > session.partSize : p.size !== session.partSize) {
        throw mismatch(`Part ${p.partNumber} has ${p.size} bytes; parts before the last must have ${session.partSize}.`);
      }
      size += p.size;
    }
  }
  if (client) {
    if (client.length !== parts.length) throw mismatch(`The client lists ${client.length} parts; storage has ${parts.length}.`);
    const byNumber = new Map(client.map((p) => [p.partNumber, normalizeEtag(p.etag)]));
    for (const p of parts) {
      const theirs = byNumber.get(p.partNumber);
      if (theirs === undefined) throw mismatch(`The client's list lacks part ${p.partNumber}.`);
      if (theirs !== normalizeEtag(p.etag)) throw mismatch(`Part ${p.partNumber}: the client's ETag differs from storage's (re-upload it).`);
    }
  }
  return size;
}

export async function listStoredParts(rt: Runtime, c: Context, body: Json, session: SessionData): Promise<Response> {
  object(body, 'body', ['session']);
  const cos = cosFor(rt, session);
  if (session.strategy === 'multipart') {
    const parts = await call('ListParts', () => cos.listParts({ key: session.key, uploadId: session.uploadId! }), rt.options.retry);
    return c.json({ parts: parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag, size: p.size })) }, 200, JSON_HEADERS);
  }
  const head = await headOrNull(cos, session.key, 'HeadObject');
  const parts = head && head.size === session.size ? [{ partNumber: 1, etag: head.etag, size: head.size }] : [];
  return c.json({ parts }, 200, JSON_HEADERS);
}

function clientParts(value: unknown): Array<{ partNumber: number; etag: string }> | undefined {
  if (value === undefined) return undefined;
  return array(value, 'parts', 10_000).map((item, i) => {
    const p = object(item, `parts[${i}]`, ['partNumber', 'etag']);
    return {
      partNumber: integer(p.partNumber, `parts[${i}].partNumber`, { min: 1, max: 10_000 }),
      etag: string(p.etag, `parts[${i}].etag`, { min: 1, max: 128 }),
    };
  });
}

async function finish(rt: Runtime, c: Context, session: SessionData, parts: ReturnType<typeof clientParts>, sha1: string | undefined): Promise<CompleteResult> {
  const cos = cosFor(rt, session);
  let size: number;
  if (session.strategy === 'multipart') {
    let stored: CosPart[] | null = null;
    try {
      stored = await call('ListParts', () => cos.listParts({ key: session.key, uploadId: session.uploadId! }), rt.options.retry);
    } catch (error) {
      if (!(error instanceof SignerError && error.code === 'upload_not_found')) throw error;
    }
    if (stored) {
      size = checkParts(session, stored, parts);
      const list = [...stored].sort((a, b) => a.partNumber - b.partNumber).map((p) => ({ partNumber: p.partNumber, etag: p.etag }));
      await call('CompleteMultipartUpload', () => cos.completeMultipartUpload({ key: session.key, uploadId: session.uploadId!, parts: list }), rt.options.retry);
    } else {
      // No upload id: aborted, or completed by an attempt that stopped before CommitUpload.
      const head = await headOrNull(cos, session.key, 'HeadObject');
      if (!head || (session.size !== undefined && head.size !== session.size)) {
        throw new SignerError('upload_not_found', 'The multipart upload no longer exists (aborted, or expired): start a new upload.');
      }
      size = head.size;
    }
  } else {
    const head = await headOrNull(cos, session.key, 'HeadObject');
    if (!head) throw new SignerError('object_mismatch', 'Storage does not have the file yet: upload it with the signed URL first.');
    if (head.size !== session.size) throw new SignerError('object_mismatch', `Storage has ${head.size} bytes; the session planned ${session.size}.`);
    size = head.size;
  }
  if (session.coverKey) {
    const head = await headOrNull(cos, session.coverKey, 'HeadObject');
    if (!head) throw new SignerError('object_mismatch', 'Storage does not have the cover yet: upload it with the signed URL first.');
    if (head.size !== session.coverSize) throw new SignerError('object_mismatch', `The cover has ${head.size} bytes in storage; the session planned ${session.coverSize}.`);
  }

  const commit = await call('CommitUpload', () => rt.vod.commitUpload({ VodSessionKey: session.vsk, SubAppId: session.subAppId }), rt.options.retry);
  const result: CompleteResult = { fileId: commit.FileId, mediaUrl: commit.MediaUrl, coverUrl: commit.CoverUrl ?? '', requestId: commit.RequestId };
  const ttl = doneTtl(rt, session);
  if (rt.scopeTags) {
    // Committed: never commit again. Until the scope's tags are on the media, the stored result says so, and
    // a repeated complete adds them before answering (the media routes of the scope cannot see it before).
    const tags = await sessionTags(session);
    await rt.store.set(doneKey(session.sid), JSON.stringify({ ...result, pendingTags: tags } satisfies StoredResult), ttl);
    await stampMedia(rt, result.fileId, tags, session.subAppId);
  }
  await rt.store.set(doneKey(session.sid), JSON.stringify(result), ttl);

  if (sha1 && rt.verifier) {
    const fetchFn = rt.options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
    const job = rt.verifier.enqueue({
      scope: session.scope,
      sha1,
      size,
      entry: { fileId: result.fileId, mediaUrl: result.mediaUrl, coverUrl: result.coverUrl },
      sources: [
        (signal) => cos.getObject({ key: session.key, signal }),
        (signal) => fetchFn(result.mediaUrl, { signal }),
      ],
    });
    background(c, job);
  }
  return result;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function completeUpload(rt: Runtime, c: Context, body: Json, session: SessionData): Promise<Response> {
  object(body, 'body', ['session', 'parts', 'sha1']);
  const parts = clientParts(body.parts);
  const sha1 = optionalString(body.sha1, 'sha1', { max: 40, pattern: SHA1_HEX, patternText: '40 lower-case hex characters' }) ?? session.sha1;
  const done = await rt.store.get(doneKey(session.sid));
  if (done) return c.json(await storedResult(rt, session, done), 200, JSON_HEADERS);

  let running = rt.completing.get(session.sid);
  if (!running) {
    running = (async () => {
      if (!(await rt.store.add(lockKey(session.sid), '1', 300))) {
        // Another instance is completing this session: wait a little for its result.
        for (let i = 0; i < 40; i++) {
          await sleep(250);
          const d = await rt.store.get(doneKey(session.sid));
          if (d) return storedResult(rt, session, d);
        }
        throw new SignerError('in_progress', 'This upload is being completed by another request: try again shortly.', { retryAfter: 2 });
      }
      try {
        return await finish(rt, c, session, parts, sha1);
      } finally {
        await rt.store.delete(lockKey(session.sid));
      }
    })().finally(() => rt.completing.delete(session.sid));
    rt.completing.set(session.sid, running);
  }
  return c.json(await running, 200, JSON_HEADERS);
}

export async function abortUpload(rt: Runtime, c: Context, body: Json, session: SessionData): Promise<Response> {
  object(body, 'body', ['session']);
  if (rt.completing.has(session.sid) || (await rt.store.get(doneKey(session.sid)))) {
    throw new SignerError('session_completed', 'This upload has been completed; it cannot be aborted.');
  }
  if (session.strategy === 'multipart') {
    try {
      await call('AbortMultipartUpload', () => cosFor(rt, session).abortMultipartUpload({ key: session.key, uploadId: session.uploadId! }), rt.options.retry);
    } catch (error) {
      if (!(error instanceof SignerError && error.code === 'upload_not_found')) throw error;
    }
  }
  return c.json({ aborted: true }, 200, JSON_HEADERS);
}
