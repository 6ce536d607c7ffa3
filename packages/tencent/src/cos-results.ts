/**
 * COS XML response bodies as typed data: InitiateMultipartUpload, ListParts, ListMultipartUploads,
 * CompleteMultipartUpload, and the `<Error>` body. Each parser throws a `SyntaxError` when the body is not the
 * document it expects.
 * @module
 */
import { parseXmlDocument, xmlChildren, xmlChildText, type XmlElement } from './xml.ts';

/** One uploaded part, as ListParts reports it. `etag` is as COS sends it: the quoted MD5 hex. */
export interface CosPart {
  partNumber: number;
  etag: string;
  size: number;
  lastModified: string;
}

export interface CosListPartsPage {
  parts: CosPart[];
  isTruncated: boolean;
  nextPartNumberMarker?: string;
}

/** One unfinished multipart upload, as ListMultipartUploads reports it. */
export interface CosMultipartUpload {
  key: string;
  uploadId: string;
  initiated: string;
  storageClass?: string;
}

export interface CosListMultipartUploadsPage {
  uploads: CosMultipartUpload[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

export interface CosInitiateMultipartUploadResult {
  bucket: string;
  key: string;
  uploadId: string;
}

export interface CosCompleteMultipartUploadResult {
  location: string;
  bucket: string;
  key: string;
  etag: string;
}

/** The `<Error>` body of a failed COS request. */
export interface CosErrorBody {
  code: string;
  message: string;
  requestId?: string;
  resource?: string;
  traceId?: string;
}

function rootOf(xml: string, name: string): XmlElement {
  const root = parseXmlDocument(xml);
  if (root.name !== name) throw new SyntaxError(`Expected <${name}>, got <${root.name}>.`);
  return root;
}

function required(el: XmlElement, name: string): string {
  const text = xmlChildText(el, name);
  if (text === undefined) throw new SyntaxError(`<${el.name}> has no <${name}>.`);
  return text;
}

function integer(el: XmlElement, name: string): number {
  const text = required(el, name).trim();
  if (!/^\d{1,15}$/.test(text)) throw new SyntaxError(`<${name}> is not a non-negative integer.`);
  return Number(text);
}

function flag(el: XmlElement, name: string): boolean {
  return xmlChildText(el, name)?.trim() === 'true';
}

function optional(el: XmlElement, name: string): string | undefined {
  const text = xmlChildText(el, name);
  return text === undefined || text === '' ? undefined : text;
}

export function parseInitiateMultipartUploadResult(xml: string): CosInitiateMultipartUploadResult {
  const root = rootOf(xml, 'InitiateMultipartUploadResult');
  const uploadId = required(root, 'UploadId');
  if (!uploadId) throw new SyntaxError('<UploadId> is empty.');
  return { bucket: xmlChildText(root, 'Bucket') ?? '', key: xmlChildText(root, 'Key') ?? '', uploadId };
}

export function parseListPartsResult(xml: string): CosListPartsPage {
  const root = rootOf(xml, 'ListPartsResult');
  const parts = xmlChildren(root, 'Part').map((p) => ({
    partNumber: integer(p, 'PartNumber'),
    etag: required(p, 'ETag'),
    size: integer(p, 'Size'),
    lastModified: xmlChildText(p, 'LastModified') ?? '',
  }));
  return { parts, isTruncated: flag(root, 'IsTruncated'), nextPartNumberMarker: optional(root, 'NextPartNumberMarker') };
}

export function parseListMultipartUploadsResult(xml: string): CosListMultipartUploadsPage {
  const root = rootOf(xml, 'ListMultipartUploadsResult');
  const uploads = xmlChildren(root, 'Upload').map((u) => {
    const upload: CosMultipartUpload = { key: required(u, 'Key'), uploadId: required(u, 'UploadId'), initiated: xmlChildText(u, 'Initiated') ?? '' };
    const storageClass = optional(u, 'StorageClass');
    if (storageClass !== undefined) upload.storageClass = storageClass;
    return upload;
  });
  return {
    uploads,
    isTruncated: flag(root, 'IsTruncated'),
    nextKeyMarker: optional(root, 'NextKeyMarker'),
    nextUploadIdMarker: optional(root, 'NextUploadIdMarker'),
  };
}

export function parseCompleteMultipartUploadResult(xml: string): CosCompleteMultipartUploadResult {
  const root = rootOf(xml, 'CompleteMultipartUploadResult');
  return {
    location: xmlChildText(root, 'Location') ?? '',
    bucket: xmlChildText(root, 'Bucket') ?? '',
    key: xmlChildText(root, 'Key') ?? '',
    etag: required(root, 'ETag'),
  };
}

/** The `<Error>` body, or undefined when `xml` is not one (any malformed input included). Never throws. */
export function parseCosErrorBody(xml: string): CosErrorBody | undefined {
  let root: XmlElement;
  try {
    root = parseXmlDocument(xml);
  } catch {
    return undefined;
  }
  const code = root.name === 'Error' ? xmlChildText(root, 'Code') : undefined;
  if (!code) return undefined;
  const body: CosErrorBody = { code, message: xmlChildText(root, 'Message') ?? '' };
  for (const [field, name] of [['requestId', 'RequestId'], ['resource', 'Resource'], ['traceId', 'TraceId']] as const) {
    const value = optional(root, name);
    if (value !== undefined) body[field] = value;
  }
  return body;
}
