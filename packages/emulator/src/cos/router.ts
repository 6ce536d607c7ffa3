/**
 * The COS XML API under `/cos/{Bucket}/{key…}` (the official SDKs reach it with
 * `Domain: '127.0.0.1:PORT/cos/{Bucket}'`, `Protocol: 'http:'`). Routing by method and query to an op, fault
 * injection, q-sign verification against the temporary credentials ApplyUpload issued (token required and
 * matching, credential unexpired, bucket and key within the credential's session), then the op.
 *
 * The signed path is `/` + the decoded key — the bucket segment is not part of it, as the SDKs sign.
 * @module
 */
import { timingSafeEqual, verifyCos } from '@vod-uploader/tencent';
import type { Core } from '../core.ts';
import { ConnectionCut, CosError } from '../errors.ts';
import type { CosOp } from '../faults.ts';
import { cutConnection, requestBody, sleep, type Ctx } from '../http.ts';
import { newCosRequestId } from '../ids.ts';
import type { CredentialRecord } from '../store.ts';
import { cosErrorResponse, defaultCosCode, type CosRequest } from './common.ts';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  initiateMultipartUpload,
  listMultipartUploads,
  listParts,
  partNumberOf,
  uploadPart,
} from './multipart.ts';
import { getObject, putObject } from './objects.ts';

/** Which op a request is, from method, key and query; undefined for what the emulator does not implement. */
export function classifyCos(method: string, key: string, query: URLSearchParams): CosOp | undefined {
  if (key === '') return method === 'GET' && query.has('uploads') ? 'ListMultipartUploads' : undefined;
  switch (method) {
    case 'PUT':
      if (query.has('partNumber') && query.has('uploadId')) return 'UploadPart';
      return query.has('uploadId') || query.has('partNumber') ? undefined : 'PutObject';
    case 'POST':
      if (query.has('uploads')) return 'InitiateMultipartUpload';
      return query.has('uploadId') ? 'CompleteMultipartUpload' : undefined;
    case 'GET':
      return query.has('uploadId') ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return query.has('uploadId') ? 'AbortMultipartUpload' : undefined;
    default:
      return undefined;
  }
}

const HANDLERS: Record<CosOp, (r: CosRequest) => Response | Promise<Response>> = {
  PutObject: putObject,
  InitiateMultipartUpload: initiateMultipartUpload,
  UploadPart: uploadPart,
  ListParts: listParts,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  HeadObject: getObject,
  GetObject: getObject,
  ListMultipartUploads: listMultipartUploads,
};

/** Splits `/cos/{bucket}/{key…}` (raw, encoded) into the bucket and the decoded key. */
function splitPath(pathname: string): { bucket: string; key: string } | undefined {
  const rest = pathname.slice('/cos/'.length);
  const slash = rest.indexOf('/');
  const rawBucket = slash === -1 ? rest : rest.slice(0, slash);
  const rawKey = slash === -1 ? '' : rest.slice(slash + 1);
  try {
    return { bucket: decodeURIComponent(rawBucket), key: decodeURIComponent(rawKey) };
  } catch {
    return undefined;
  }
}

async function authenticate(core: Core, c: Ctx, method: string, bucket: string, key: string, query: URLSearchParams): Promise<CredentialRecord> {
  const url = new URL(c.req.url);
  const headers = new Headers(c.req.raw.headers);
  if (!headers.has('host')) headers.set('host', url.host);
  const now = core.nowSeconds();
  const credentials = core.store.state.credentials;
  const result = await verifyCos({
    method,
    key,
    query,
    headers,
    lookupSecret: (id) => (Object.hasOwn(credentials, id) ? credentials[id]!.secretKey : undefined),
    now,
  });
  if (!result.ok) {
    const extra = result.code === 'SignatureDoesNotMatch' ? { StringToSign: result.stringToSign ?? '', FormatString: result.formatString ?? '' } : undefined;
    throw new CosError(result.status, result.code, result.message, { extra });
  }
  const credential = credentials[result.secretId]!;
  if (!result.securityToken) {
    throw new CosError(403, 'InvalidAccessKeyId', 'The access key Id is a temporary key: the request must carry its x-cos-security-token.');
  }
  if (!timingSafeEqual(result.securityToken, credential.token)) {
    throw new CosError(403, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
  }
  if (credential.expiredTime < now) throw new CosError(403, 'ExpiredToken', 'The provided token has expired.');
  if (bucket !== credential.bucket || (key !== '' && !credential.keys.includes(key))) {
    throw new CosError(403, 'AccessDenied', 'Access Denied.');
  }
  return credential;
}

export function createCosHandler(core: Core) {
  return async function cos(c: Ctx): Promise<Response> {
    const requestId = newCosRequestId();
    const url = new URL(c.req.url);
    const method = c.req.method;
    const host = c.req.header('host') ?? url.host;
    const parts = splitPath(url.pathname);
    const resource = `${host}${url.pathname}`;
    const fail = (e: CosError) => cosErrorResponse(c, requestId, resource, e);
    let op: CosOp | undefined;
    try {
      if (!parts) throw new CosError(400, 'InvalidURI', "Couldn't parse the specified URI.");
      const { bucket, key } = parts;
      const query = url.searchParams;
      op = classifyCos(method, key, query);
      c.set('op', op ?? `COS:${method}`);
      core.stats.op(op ?? `COS:${method}`);
      let partNumber: number | undefined;
      if (op === 'UploadPart') {
        partNumber = Number(query.get('partNumber'));
        core.stats.uploadPart(query.get('uploadId') ?? '', partNumber);
      }
      if (!op) throw new CosError(501, 'NotImplemented', `The emulator does not implement ${method} on this resource.`);

      const fault = core.faults.take(op, partNumber);
      let cutAfter: number | undefined;
      if (fault?.type === 'status') {
        // Read (and drop) the body first, as a server behind a proxy would, so the client sees the status.
        for await (const chunk of requestBody(c)) core.stats.bytes(chunk.byteLength);
        throw new CosError(fault.status, fault.code ?? defaultCosCode(fault.status), fault.message ?? 'Injected fault.', {
          headers: fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : undefined,
        });
      }
      if (fault?.type === 'delay') await sleep(fault.ms);
      if (fault?.type === 'cut') cutAfter = fault.afterBytes ?? Math.floor(Number(c.req.header('content-length') ?? 0) / 2);

      if (!core.isKnownBucket(bucket)) throw new CosError(404, 'NoSuchBucket', 'The specified bucket does not exist.');
      const credential = await authenticate(core, c, method, bucket, key, query);
      if (op === 'UploadPart') partNumberOf(query);
      if (cutAfter !== undefined && (method === 'GET' || method === 'HEAD' || method === 'DELETE')) {
        // No body to read: cut before answering.
        cutConnection(c);
        throw new ConnectionCut();
      }
      const response = await HANDLERS[op]({ c, core, op, bucket, key, query, credential, requestId, cutAfter });
      response.headers.set('x-cos-request-id', requestId);
      return response;
    } catch (error) {
      if (error instanceof CosError) return fail(error);
      if (error instanceof ConnectionCut) throw error;
      if (isClientGone(error)) throw new ConnectionCut();
      return fail(new CosError(500, 'InternalError', `We encountered an internal error: ${error instanceof Error ? error.message : String(error)}`));
    }
  };
}

/** The client went away mid-body (aborted upload): nothing to answer. */
function isClientGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (error instanceof Error && error.message === 'aborted');
}
