/**
 * What the COS handlers share: the parsed request, COS XML error bodies, body streaming to blobs with
 * Content-MD5 checking, and the owner/initiator identity COS lists.
 * @module
 */
import type { Core } from '../core.ts';
import { CosError } from '../errors.ts';
import type { CosOp } from '../faults.ts';
import { pumpBody, type Ctx } from '../http.ts';
import type { PendingBlob } from '../blobs.ts';
import { BodyTooLarge } from '../blobs.ts';
import type { CredentialRecord } from '../store.ts';
import { buildXml } from './xml.ts';

/** One COS request after routing and authentication. */
export interface CosRequest {
  c: Ctx;
  core: Core;
  op: CosOp;
  bucket: string;
  /** URL-decoded object key without leading `/` (`''` for bucket-level requests). */
  key: string;
  query: URLSearchParams;
  credential: CredentialRecord;
  requestId: string;
  /** From a `cut` fault: destroy the connection after this many body bytes. */
  cutAfter?: number;
}

/** 5 GiB: the largest PUT Object and the largest part. */
export const MAX_PUT_BYTES = 5 * 1024 * 1024 * 1024;
/** Smallest part except the last. */
export const MIN_PART_BYTES = 1024 * 1024;

const DEFAULT_CODES: Record<number, string> = {
  400: 'InvalidArgument',
  403: 'AccessDenied',
  404: 'NoSuchKey',
  405: 'MethodNotAllowed',
  409: 'OperationAborted',
  411: 'MissingContentLength',
  412: 'PreconditionFailed',
  416: 'InvalidRange',
  429: 'SlowDown',
  500: 'InternalError',
  501: 'NotImplemented',
  503: 'ServiceUnavailable',
};

export const defaultCosCode = (status: number): string => DEFAULT_CODES[status] ?? (status >= 500 ? 'InternalError' : 'InvalidRequest');

/** A COS XML error response (`<Error><Code/><Message/><Resource/><RequestId/><TraceId/>…</Error>`). */
export function cosErrorResponse(c: Ctx, requestId: string, resource: string, error: CosError): Response {
  const headers: Record<string, string> = { 'x-cos-request-id': requestId, ...(error.headers ?? {}) };
  if (c.req.method === 'HEAD') return new Response(null, { status: error.status, headers });
  const body = buildXml('Error', {
    Code: error.code,
    Message: error.message,
    Resource: resource,
    RequestId: requestId,
    TraceId: Buffer.from(`${requestId}:${error.code}`).toString('base64'),
    ...(error.extra ?? {}),
  });
  return new Response(body, { status: error.status, headers: { ...headers, 'Content-Type': 'application/xml' } });
}

export function xmlResponse(root: string, body: Parameters<typeof buildXml>[1], headers: Record<string, string> = {}): Response {
  return new Response(buildXml(root, body), { status: 200, headers: { 'Content-Type': 'application/xml', ...headers } });
}

/** The identity COS lists as Owner/Initiator: a fixed, fake root account. */
export function owner(core: Core) {
  const uin = '100000000001';
  return { ID: `qcs::cam::uin/${uin}:uin/${uin}`, DisplayName: uin };
}

/** Fails early on a declared body larger than `limit`. */
export function checkDeclaredLength(r: CosRequest, limit: number): void {
  const declared = r.c.req.header('content-length');
  if (declared !== undefined && Number(declared) > limit) {
    throw new CosError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.');
  }
}

/** The request's Content-MD5 (base64 of 16 bytes), undefined when absent; malformed → InvalidDigest. */
export function contentMd5(r: CosRequest): string | undefined {
  const v = r.c.req.header('content-md5');
  if (v === undefined) return undefined;
  const bytes = /^[A-Za-z0-9+/]{22}==$/.test(v.trim()) ? Buffer.from(v.trim(), 'base64') : undefined;
  if (!bytes || bytes.length !== 16) throw new CosError(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.');
  return bytes.toString('base64');
}

/**
 * Streams the body into a pending blob, counting bytes in stats, and checks Content-MD5. A mismatch discards
 * the temp file and throws BadDigest, so nothing stored changes.
 */
export async function receiveBody(r: CosRequest): Promise<PendingBlob> {
  const expected = contentMd5(r);
  const writer = r.core.blobs.open({ maxBytes: MAX_PUT_BYTES });
  let pending: PendingBlob;
  try {
    await pumpBody(r.c, { cutAfter: r.cutAfter, onBytes: (n) => r.core.stats.bytes(n) }, (chunk) => writer.push(chunk));
  } catch (error) {
    await writer.abort();
    if (error instanceof BodyTooLarge) throw new CosError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.');
    throw error;
  }
  pending = await writer.end();
  const declared = r.c.req.header('content-length');
  if (declared !== undefined && Number(declared) !== pending.size) {
    await pending.discard();
    throw new CosError(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
  }
  if (expected !== undefined && expected !== pending.md5Base64) {
    await pending.discard();
    throw new CosError(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  return pending;
}

/** `x-cos-meta-*` request headers. */
export function metaHeaders(r: CosRequest): Record<string, string> {
  const meta: Record<string, string> = {};
  r.c.req.raw.headers.forEach((value, name) => {
    if (name.toLowerCase().startsWith('x-cos-meta-')) meta[name.toLowerCase()] = value;
  });
  return meta;
}

export const quoteEtag = (md5hex: string): string => `"${md5hex}"`;
export const normalizeEtag = (etag: string): string => etag.trim().replace(/^"+|"+$/g, '').toLowerCase();
