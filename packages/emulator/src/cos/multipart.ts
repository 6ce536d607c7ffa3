/**
 * Multipart upload: Initiate, UploadPart, ListParts, Complete, Abort and ListMultipartUploads. A completed
 * object keeps its parts' blobs as its chunks (no copy); its ETag is S3-style `"md5(part md5s)-N"` and its
 * CRC-64 is combined from the parts' CRCs.
 * @module
 */
import { createHash } from 'node:crypto';
import { crc64Concat } from '../crc64.ts';
import { CosError } from '../errors.ts';
import { readSmallBody } from '../http.ts';
import { randomHex } from '../ids.ts';
import { objectId, type ObjectRecord, type PartRecord, type UploadRecord } from '../store.ts';
import {
  checkDeclaredLength,
  contentMd5,
  MAX_PUT_BYTES,
  metaHeaders,
  MIN_PART_BYTES,
  normalizeEtag,
  owner,
  quoteEtag,
  receiveBody,
  xmlResponse,
  type CosRequest,
} from './common.ts';
import { parseCompleteBody, type XmlInputObject } from './xml.ts';

const MAX_PART_NUMBER = 10_000;
const MAX_COMPLETE_BODY = 4 * 1024 * 1024;

const noSuchUpload = () =>
  new CosError(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');

function findUpload(r: CosRequest): UploadRecord {
  const upload = r.core.store.state.uploads[r.query.get('uploadId') ?? ''];
  if (!upload || upload.bucket !== r.bucket || upload.key !== r.key) throw noSuchUpload();
  return upload;
}

/** Keys in listings: URL-encoded when `encoding-type=url`. */
function encodeKey(r: CosRequest, key: string): string {
  return r.query.get('encoding-type') === 'url' ? encodeURIComponent(key) : key;
}

function intParam(r: CosRequest, name: string, fallback: number, min: number, max: number): number {
  const v = r.query.get(name);
  if (v === null || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new CosError(400, 'InvalidArgument', `The ${name} parameter must be an integer of at least ${min}.`);
  return Math.min(Number(v), max);
}

export async function initiateMultipartUpload(r: CosRequest): Promise<Response> {
  const { core } = r;
  const upload: UploadRecord = {
    uploadId: `${Math.floor(core.nowMs() / 1000)}${randomHex(28)}`,
    bucket: r.bucket,
    key: r.key,
    initiated: core.isoNow(),
    contentType: r.c.req.header('content-type') || 'application/octet-stream',
    meta: metaHeaders(r),
    parts: {},
  };
  core.store.state.uploads[upload.uploadId] = upload;
  await core.store.save();
  return xmlResponse('InitiateMultipartUploadResult', { Bucket: r.bucket, Key: encodeKey(r, r.key), UploadId: upload.uploadId });
}

/** The part number of an UploadPart request, validated. */
export function partNumberOf(query: URLSearchParams): number {
  const v = query.get('partNumber') ?? '';
  const n = /^\d{1,5}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= MAX_PART_NUMBER)) {
    throw new CosError(400, 'InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive.`);
  }
  return n;
}

export async function uploadPart(r: CosRequest): Promise<Response> {
  const { core } = r;
  const partNumber = partNumberOf(r.query);
  findUpload(r);
  checkDeclaredLength(r, MAX_PUT_BYTES);
  const pending = await receiveBody(r);
  // The upload may have been completed or aborted while the body arrived.
  const upload = core.store.state.uploads[r.query.get('uploadId') ?? ''];
  if (!upload || upload.key !== r.key || upload.bucket !== r.bucket) {
    await pending.discard();
    throw noSuchUpload();
  }
  const chunk = await pending.commit();
  const previous = upload.parts[partNumber];
  const part: PartRecord = { ...chunk, partNumber, lastModified: core.isoNow() };
  upload.parts[partNumber] = part;
  await core.store.save();
  core.md5.partStored(upload.uploadId, { partNumber, blob: chunk.id, path: core.blobs.path(chunk.id), size: chunk.size });
  if (previous) await core.releaseBlobs([previous.id]);
  core.stats.partStored(partNumber);
  return new Response(null, {
    status: 200,
    headers: { ETag: quoteEtag(part.md5), 'x-cos-hash-crc64ecma': part.crc64, 'Content-Length': '0' },
  });
}

export function listParts(r: CosRequest): Response {
  const upload = findUpload(r);
  const maxParts = intParam(r, 'max-parts', 1000, 0, 1000);
  const marker = intParam(r, 'part-number-marker', 0, 0, MAX_PART_NUMBER);
  const after = Object.values(upload.parts)
    .filter((p) => p.partNumber > marker)
    .sort((a, b) => a.partNumber - b.partNumber);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  const me = owner(r.core);
  const body: XmlInputObject = {
    Bucket: r.bucket,
    'Encoding-Type': r.query.get('encoding-type') ?? undefined,
    Key: encodeKey(r, upload.key),
    UploadId: upload.uploadId,
    Initiator: me,
    Owner: me,
    PartNumberMarker: marker,
    NextPartNumberMarker: page.length ? page[page.length - 1]!.partNumber : marker,
    StorageClass: 'STANDARD',
    MaxParts: maxParts,
    IsTruncated: truncated,
    Part: page.map((p) => ({ PartNumber: p.partNumber, LastModified: p.lastModified, ETag: quoteEtag(p.md5), Size: p.size })),
  };
  return xmlResponse('ListPartsResult', body);
}

export async function completeMultipartUpload(r: CosRequest): Promise<Response> {
  const { core, c } = r;
  findUpload(r);
  const expectedMd5 = contentMd5(r);
  const raw = await readSmallBody(c, MAX_COMPLETE_BODY, { cutAfter: r.cutAfter, onBytes: (n) => core.stats.bytes(n) });
  if (raw === 'too-large') throw new CosError(400, 'EntityTooLarge', 'The CompleteMultipartUpload body is too large.');
  if (expectedMd5 !== undefined && createHash('md5').update(raw).digest('base64') !== expectedMd5) {
    throw new CosError(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  const listed = parseCompleteBody(new TextDecoder().decode(raw));
  if (!listed || listed.length === 0) {
    throw new CosError(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
  }
  // The upload may have been aborted or completed while the body arrived.
  const upload = findUpload(r);
  for (let i = 1; i < listed.length; i++) {
    if (listed[i]!.partNumber <= listed[i - 1]!.partNumber) {
      throw new CosError(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
  }
  const parts = listed.map((l) => {
    const part = upload.parts[l.partNumber];
    if (!part || normalizeEtag(l.etag) !== part.md5) {
      throw new CosError(
        400,
        'InvalidPart',
        `One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag (part ${l.partNumber}).`,
      );
    }
    return part;
  });
  parts.forEach((p, i) => {
    if (i < parts.length - 1 && p.size < MIN_PART_BYTES) {
      throw new CosError(400, 'EntityTooSmall', `Your proposed upload is smaller than the minimum allowed object size (part ${p.partNumber} is ${p.size} bytes).`);
    }
  });

  const etagHash = createHash('md5');
  for (const p of parts) etagHash.update(Buffer.from(p.md5, 'hex'));
  const id = objectId(r.bucket, r.key);
  const previous = core.store.state.objects[id];
  const object: ObjectRecord = {
    bucket: r.bucket,
    key: r.key,
    size: parts.reduce((n, p) => n + p.size, 0),
    etag: `"${etagHash.digest('hex')}-${parts.length}"`,
    md5: parts.length === 1 ? parts[0]!.md5 : undefined,
    crc64: crc64Concat(parts),
    contentType: upload.contentType,
    meta: upload.meta,
    lastModified: core.isoNow(),
    chunks: parts.map(({ id: blob, size, md5, crc64 }) => ({ id: blob, size, md5, crc64 })),
  };
  core.store.state.objects[id] = object;
  delete core.store.state.uploads[upload.uploadId];
  await core.store.save();
  const kept = new Set(object.chunks.map((ch) => ch.id));
  await core.releaseBlobs([...Object.values(upload.parts).map((p) => p.id).filter((b) => !kept.has(b)), ...(previous?.chunks.map((ch) => ch.id) ?? [])]);
  // The whole-object MD5 (VOD's MetaData.Md5) comes from the MD5 worker, which has been hashing the parts as
  // they arrived; CommitUpload waits for it.
  if (!object.md5) {
    const files = parts.map((p) => ({ partNumber: p.partNumber, blob: p.id, path: core.blobs.path(p.id), size: p.size }));
    void core.trackMd5(object, core.md5.complete(upload.uploadId, files)).catch(() => {});
  } else core.md5.forget(upload.uploadId);
  const host = c.req.header('host') ?? new URL(c.req.url).host;
  return xmlResponse(
    'CompleteMultipartUploadResult',
    { Location: `${host}/cos/${r.bucket}/${r.key}`, Bucket: r.bucket, Key: encodeKey(r, r.key), ETag: object.etag },
    { 'x-cos-hash-crc64ecma': object.crc64 },
  );
}

export async function abortMultipartUpload(r: CosRequest): Promise<Response> {
  const upload = findUpload(r);
  delete r.core.store.state.uploads[upload.uploadId];
  r.core.md5.forget(upload.uploadId);
  await r.core.store.save();
  await r.core.releaseBlobs(Object.values(upload.parts).map((p) => p.id));
  return new Response(null, { status: 204 });
}

/** Bucket-level `GET /?uploads`: the in-progress uploads this credential may see, by key then initiation. */
export function listMultipartUploads(r: CosRequest): Response {
  const prefix = r.query.get('prefix') ?? '';
  const delimiter = r.query.get('delimiter') ?? '';
  const keyMarker = r.query.get('key-marker') ?? '';
  const idMarker = r.query.get('upload-id-marker') ?? '';
  const maxUploads = intParam(r, 'max-uploads', 1000, 1, 1000);
  const all = Object.values(r.core.store.state.uploads)
    .filter((u) => u.bucket === r.bucket && r.credential.keys.includes(u.key) && u.key.startsWith(prefix))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated < b.initiated ? -1 : a.initiated > b.initiated ? 1 : a.uploadId < b.uploadId ? -1 : 1));
  let start = 0;
  if (keyMarker) {
    if (idMarker) {
      const at = all.findIndex((u) => u.key === keyMarker && u.uploadId === idMarker);
      start = at === -1 ? all.findIndex((u) => u.key > keyMarker) : at + 1;
    } else start = all.findIndex((u) => u.key > keyMarker);
    if (start === -1) start = all.length;
  }
  const rest = all.slice(start);
  const uploads: UploadRecord[] = [];
  const prefixes: string[] = [];
  let last: UploadRecord | undefined;
  let truncated = false;
  for (const u of rest) {
    if (uploads.length + prefixes.length >= maxUploads) {
      truncated = true;
      break;
    }
    const cut = delimiter ? u.key.indexOf(delimiter, prefix.length) : -1;
    if (cut !== -1) {
      const common = u.key.slice(0, cut + delimiter.length);
      if (!prefixes.includes(common)) prefixes.push(common);
    } else uploads.push(u);
    last = u;
  }
  const me = owner(r.core);
  return xmlResponse('ListMultipartUploadsResult', {
    Bucket: r.bucket,
    'Encoding-Type': r.query.get('encoding-type') ?? undefined,
    KeyMarker: keyMarker,
    UploadIdMarker: idMarker,
    NextKeyMarker: truncated && last ? encodeKey(r, last.key) : '',
    NextUploadIdMarker: truncated && last ? last.uploadId : '',
    MaxUploads: maxUploads,
    IsTruncated: truncated,
    Prefix: prefix,
    Delimiter: delimiter || undefined,
    Upload: uploads.map((u) => ({
      Key: encodeKey(r, u.key),
      UploadId: u.uploadId,
      StorageClass: 'STANDARD',
      Initiator: me,
      Owner: me,
      Initiated: u.initiated,
    })),
    CommonPrefixes: prefixes.map((p) => ({ Prefix: encodeKey(r, p) })),
  });
}
