/**
 * The signer's logic in the caller's process: `createSigner` (the same Hono app the `vod-signer` bin serves)
 * reached through `app.fetch(new Request(…))` — no port, no network hop for signing. Only the VOD API and
 * storage traffic leave the process. The cloud's answers are watched so that a cloud error keeps its code.
 * @module
 */
import { createHash, createHmac } from 'node:crypto';
import { type SignerClient, createSignerClient } from '@vod-uploader/core';
import { MAX_PARTS, MAX_PART_SIZE, type UploadOption, createSigner } from '@vod-uploader/signer';
import type { FetchLike } from '@vod-uploader/tencent';
import type { CloudErrorInfo } from './errors.ts';

/** Every ApplyUpload option: the caller holds the key, so it may set them all. */
const ALL_OPTIONS: readonly UploadOption[] = [
  'mediaName', 'procedure', 'classId', 'expireTime', 'sourceContext', 'sessionContext', 'storageRegion', 'subAppId',
];
/** Cloud errors remembered (by RequestId) for mapping, at most. */
const MAX_REMEMBERED = 64;

export interface InProcessSignerOptions {
  secretId: string;
  secretKey: string;
  /** `X-TC-Region` of the VOD API calls. */
  region?: string;
  /** VOD API base URL. */
  vodEndpoint?: string;
  /** Storage URL template with `{Bucket}` (and `{Region}`). */
  cosEndpoint?: string;
  /** Seals the upload sessions; default derived from the SecretKey, so a later process can resume them. */
  sessionSecret?: string;
  /** Files up to this size go up in one PUT. */
  singleThreshold?: number;
  /** `fetch` for the cloud calls (default the global one). */
  fetch?: FetchLike;
}

export interface InProcessSigner {
  /** A core signer client whose requests go straight into the app. */
  client: SignerClient;
  /** The cloud error answered under this RequestId, if one was seen. */
  cloudError(requestId: string): CloudErrorInfo | undefined;
  /** Resolves when the signer has no background work. */
  idle(): Promise<void>;
}

/** The session secret of a key: HMAC-SHA256 under the SecretKey, stable across processes, as secret as the key. */
export function deriveSessionSecret(secretKey: string): string {
  return createHmac('sha256', secretKey).update('vod-uploader/node session secret v1').digest('hex');
}

function urlOf(input: string | URL | Request): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

const XML_FIELD = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

/** `promise`, or the signal's reason as soon as it aborts (the app itself does not watch the signal). */
function settleOnAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Creates the signer app and a client bound to it. */
export function createInProcessSigner(options: InProcessSignerOptions): InProcessSigner {
  const errors = new Map<string, CloudErrorInfo>();
  const remember = (requestId: string | undefined, code: string | undefined, message: string | undefined) => {
    if (!requestId || !code) return;
    errors.delete(requestId);
    errors.set(requestId, { code, message: message ?? code });
    while (errors.size > MAX_REMEMBERED) errors.delete(errors.keys().next().value!);
  };
  const vodOrigin = options.vodEndpoint ? new URL(options.vodEndpoint).origin : 'https://vod.tencentcloudapi.com';
  const base = options.fetch ?? ((input, init) => fetch(input, init));
  // The cloud answers VOD errors as HTTP 200 + `Response.Error` and storage errors as XML: note both by RequestId.
  const cloudFetch: FetchLike = async (input, init) => {
    const response = await base(input, init);
    try {
      const url = urlOf(input);
      if (url.startsWith(vodOrigin)) {
        const body = (await response.clone().json()) as { Response?: { Error?: { Code?: string; Message?: string }; RequestId?: string } };
        const r = body?.Response;
        if (r?.Error) remember(r.RequestId, r.Error.Code, r.Error.Message);
      } else if (!response.ok) {
        const xml = await response.clone().text();
        remember(XML_FIELD(xml, 'RequestId') ?? response.headers.get('x-cos-request-id') ?? undefined, XML_FIELD(xml, 'Code'), XML_FIELD(xml, 'Message'));
      }
    } catch {
      // Not a readable answer: the signer reports it its own way.
    }
    return response;
  };

  const app = createSigner({
    secretId: options.secretId,
    secretKey: options.secretKey,
    sessionSecret: options.sessionSecret ?? deriveSessionSecret(options.secretKey),
    region: options.region,
    vodEndpoint: options.vodEndpoint,
    cosEndpoint: options.cosEndpoint,
    fetch: cloudFetch,
    rateLimit: false,
    instant: false,
    policy: {
      maxSize: MAX_PART_SIZE * MAX_PARTS,
      maxCoverSize: 5 * 1024 ** 3,
      clientOptions: ALL_OPTIONS,
      ...(options.singleThreshold === undefined ? {} : { singleThreshold: options.singleThreshold }),
    },
  });
  // The base URL names the key, endpoints and region, so resume records of one never match another.
  const id = createHash('sha256')
    .update(JSON.stringify([options.secretId, options.vodEndpoint ?? '', options.cosEndpoint ?? '', options.region ?? '']))
    .digest('hex')
    .slice(0, 16);
  const client = createSignerClient({
    url: `http://s${id}.in-process.invalid`,
    fetch: (input, init) => settleOnAbort(Promise.resolve(app.fetch(new Request(input, init))), init?.signal ?? undefined),
  });
  return { client, cloudError: (requestId) => errors.get(requestId), idle: () => app.idle() };
}
