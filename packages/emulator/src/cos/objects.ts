/**
 * PUT, HEAD and GET Object, plus serving any stored bytes with Range support (shared with the media URLs).
 * @module
 */
import { Readable } from 'node:stream';
import type { Core } from '../core.ts';
import { CosError } from '../errors.ts';
import { httpDate, parseRange } from '../http.ts';
import { objectId, type ChunkRecord, type ObjectRecord } from '../store.ts';
import { checkDeclaredLength, MAX_PUT_BYTES, metaHeaders, quoteEtag, receiveBody, type CosRequest } from './common.ts';

export async function putObject(r: CosRequest): Promise<Response> {
  checkDeclaredLength(r, MAX_PUT_BYTES);
  const pending = await receiveBody(r);
  const chunk = await pending.commit();
  const { core, bucket, key } = r;
  const id = objectId(bucket, key);
  const previous = core.store.state.objects[id];
  const object: ObjectRecord = {
    bucket,
    key,
    size: chunk.size,
    etag: quoteEtag(chunk.md5),
    md5: chunk.md5,
    crc64: chunk.crc64,
    contentType: r.c.req.header('content-type') || 'application/octet-stream',
    meta: metaHeaders(r),
    lastModified: core.isoNow(),
    chunks: [chunk],
  };
  core.store.state.objects[id] = object;
  await core.store.save();
  if (previous) await core.releaseBlobs(previous.chunks.map((c) => c.id));
  return new Response(null, {
    status: 200,
    headers: { ETag: object.etag, 'x-cos-hash-crc64ecma': object.crc64, 'Content-Length': '0' },
  });
}

export interface ServedBytes {
  size: number;
  chunks: ReadonlyArray<ChunkRecord>;
  contentType: string;
  etag?: string;
  lastModified?: string;
  crc64?: string;
  extraHeaders?: Record<string, string>;
}

/**
 * Answers GET/HEAD for stored bytes: 200 with everything, 206 with `Content-Range` for a satisfiable
 * `Range`, 416 otherwise. The body streams from disk.
 */
export function serveBytes(core: Core, method: string, rangeHeader: string | undefined, what: ServedBytes): Response {
  const headers: Record<string, string> = {
    'Content-Type': what.contentType,
    'Accept-Ranges': 'bytes',
    ...(what.etag ? { ETag: what.etag } : {}),
    ...(what.lastModified ? { 'Last-Modified': httpDate(what.lastModified) } : {}),
    ...(what.crc64 ? { 'x-cos-hash-crc64ecma': what.crc64 } : {}),
    ...(what.extraHeaders ?? {}),
  };
  const range = parseRange(rangeHeader, what.size);
  if (range === 'unsatisfiable') {
    throw new CosError(416, 'InvalidRange', 'The requested range is not satisfiable.', { headers: { 'Content-Range': `bytes */${what.size}` } });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? what.size - 1;
  const length = Math.max(0, end - start + 1);
  headers['Content-Length'] = String(length);
  const status = range ? 206 : 200;
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${what.size}`;
  if (method === 'HEAD' || length === 0) return new Response(null, { status, headers });
  const body = Readable.toWeb(core.blobs.read(what.chunks, start, end)) as ReadableStream<Uint8Array>;
  return new Response(body, { status, headers });
}

function findObject(r: CosRequest): ObjectRecord {
  const object = r.core.store.state.objects[objectId(r.bucket, r.key)];
  if (!object) throw new CosError(404, 'NoSuchKey', 'The specified key does not exist.');
  return object;
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};

/** HEAD Object and GET Object. */
export function getObject(r: CosRequest): Response {
  const object = findObject(r);
  const extraHeaders: Record<string, string> = { ...object.meta };
  if (r.op === 'GetObject') {
    for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
      const v = r.query.get(param);
      if (v !== null) extraHeaders[header] = v;
    }
  }
  return serveBytes(r.core, r.c.req.method, r.c.req.header('range'), {
    size: object.size,
    chunks: object.chunks,
    contentType: object.contentType,
    etag: object.etag,
    lastModified: object.lastModified,
    crc64: object.crc64,
    extraHeaders,
  });
}
