/**
 * `POST /uploads/sign`: presigned PUT URLs for a batch of parts, the single PUT, or the cover PUT of a session.
 * Only the session's own keys, part numbers 1..partCount (or the stream cap), each URL pinned to its exact byte
 * count (`content-length`) and, when given, its MD5 (`content-md5`). Local HMAC only: no cloud call.
 * @module
 */
import type { Context } from 'hono';
import { cosBaseUrl, createCosPresigner, type CosPairs } from '@vod-uploader/tencent';
import { SignerError } from '../errors.ts';
import { partBytes } from '../policy.ts';
import type { SessionData } from '../session.ts';
import { array, integer, MD5_BASE64, object, optionalInteger, optionalString, type Json } from '../validate.ts';
import { MAX_PARTS_PER_SIGN, seconds, sessionCredential, type Runtime } from '../runtime.ts';

interface SignedUrl {
  target: 'part' | 'media' | 'cover';
  partNumber?: number;
  method: 'PUT';
  url: string;
  headers: { 'Content-MD5'?: string };
  expiresAt: string;
}

const md5Rule = { max: 24, pattern: MD5_BASE64, patternText: 'the base64 MD5 of the bytes (24 characters)' };

export async function signUrls(rt: Runtime, c: Context, body: Json, session: SessionData): Promise<Response> {
  object(body, 'body', ['session', 'parts', 'media', 'cover']);
  if (body.parts === undefined && body.media === undefined && body.cover === undefined) {
    throw new SignerError('invalid_request', 'Ask for parts, media or cover.');
  }
  const now = seconds(rt);
  let end = Math.min(now + rt.urlTtl, session.exp);
  if (session.cred) end = Math.min(end, session.cred.exp);
  if (end <= now) throw new SignerError('session_expired', 'The upload session has expired: start a new upload.');
  const expiresAt = new Date(end * 1000).toISOString();
  const cred = sessionCredential(rt, session);
  const baseUrl = cosBaseUrl(rt.cosEndpoint, session.bucket, session.region);
  const host = new URL(baseUrl).host;
  const presigner = createCosPresigner({ ...cred, securityToken: cred.token, keyTime: `${now - 1};${end}`, baseUrl });
  const urls: SignedUrl[] = [];

  const put = (target: SignedUrl['target'], key: string, bytes: number, md5: string | undefined, query: CosPairs, partNumber?: number) => {
    const headers: Array<[string, string]> = [['host', host], ['content-length', String(bytes)]];
    if (md5) headers.push(['content-md5', md5]);
    const url = presigner.url({ method: 'PUT', key, query, headers });
    const entry: SignedUrl = { target, method: 'PUT', url, headers: md5 ? { 'Content-MD5': md5 } : {}, expiresAt };
    if (partNumber !== undefined) entry.partNumber = partNumber;
    urls.push(entry);
  };

  if (body.parts !== undefined) {
    const parts = array(body.parts, 'parts', MAX_PARTS_PER_SIGN);
    if (session.strategy !== 'multipart' || !session.uploadId) {
      throw new SignerError('target_invalid', 'This session is a single PUT: sign "media", not parts.');
    }
    const seen = new Set<number>();
    const uploadId = session.uploadId;
    for (let i = 0; i < parts.length; i++) {
      const p = object(parts[i], `parts[${i}]`, ['partNumber', 'md5', 'size']);
      const n = integer(p.partNumber, `parts[${i}].partNumber`, { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
      if (n < 1 || n > session.maxPart) {
        throw new SignerError('part_out_of_range', `parts[${i}].partNumber must be between 1 and ${session.maxPart}.`);
      }
      if (seen.has(n)) throw new SignerError('invalid_request', `parts[${i}].partNumber ${n} is asked for twice.`);
      seen.add(n);
      const md5 = optionalString(p.md5, `parts[${i}].md5`, md5Rule);
      const size = optionalInteger(p.size, `parts[${i}].size`, { min: 1, max: Number.MAX_SAFE_INTEGER });
      let bytes: number;
      if (session.size === undefined || session.partCount === null) {
        if (size === undefined) throw new SignerError('invalid_request', `parts[${i}].size is required for a stream upload.`);
        if (size > session.partSize) throw new SignerError('part_size', `parts[${i}].size must be at most the part size (${session.partSize}).`);
        bytes = size;
      } else {
        bytes = partBytes(n, session.size, session.partSize, session.partCount);
        if (size !== undefined && size !== bytes) throw new SignerError('part_size', `parts[${i}].size must be ${bytes} for part ${n}.`);
      }
      put('part', session.key, bytes, md5, [['partNumber', String(n)], ['uploadId', uploadId]], n);
    }
  }

  if (body.media !== undefined) {
    const m = object(body.media, 'media', ['md5']);
    if (session.strategy !== 'single' || session.size === undefined) {
      throw new SignerError('target_invalid', 'This session is multipart: sign parts, not "media".');
    }
    put('media', session.key, session.size, optionalString(m.md5, 'media.md5', md5Rule), []);
  }

  if (body.cover !== undefined) {
    const cv = object(body.cover, 'cover', ['md5']);
    if (!session.coverKey || session.coverSize === undefined) throw new SignerError('target_invalid', 'This session has no cover.');
    put('cover', session.coverKey, session.coverSize, optionalString(cv.md5, 'cover.md5', md5Rule), []);
  }

  return c.json({ urls }, 200, { 'Cache-Control': 'no-store' });
}
