/**
 * The signer's resolved options and shared services (the `Runtime` every route receives), and the per-request
 * steps they share: authorize, rate limit, open the session, pick the credential.
 * @module
 */
import type { Context } from 'hono';
import { createCosClient, createVodClient, type CosClient, type FetchLike, type VodClient } from '@vod-uploader/tencent';
import { SignerError } from './errors.ts';
import type { Verifier, VerifierOptions } from './instant.ts';
import type { CompleteResult } from './routes/finish.ts';
import type { ScopeLimits, UploadOptions, UploadPolicy } from './policy.ts';
import type { SessionData, SessionSealer } from './session.ts';
import { takeToken, type Store, type TokenBucket } from './store.ts';
import type { RetryOptions } from './upstream.ts';
import { string, type Json } from './validate.ts';

/** What `authorize` returns for an allowed caller. */
export interface Authorization {
  /**
   * Who the upload belongs to (a user id, a tenant…). Sessions are bound to it; the instant-upload index and
   * rate limits are per scope.
   */
  scope: string;
  /** Limits for this scope; they only narrow the server policy. `rate: false` turns rate limiting off. */
  limits?: ScopeLimits & { rate?: TokenBucket | false };
  /** Options forced for this scope (e.g. `sourceContext: userId`), over the client's. */
  options?: UploadOptions;
  /**
   * The media routes (`GET /media`, `GET /media/:fileId[/status]`, `PATCH`, `DELETE`, `PUT …/cover`) for this
   * caller. Default off: every media route answers `403 forbidden`.
   * - `'read'`: list, get and status of the media uploaded in this scope;
   * - `true`: and update, delete and set the cover of them;
   * - `'all'`: read and write **every** media file of the account (sub-application), whoever uploaded it: admins only.
   */
  media?: MediaGrant;
}

/** What a caller may do with the media routes (see {@link Authorization.media}). */
export type MediaGrant = boolean | 'read' | 'all';

export interface MediaOptions {
  /**
   * Tag every completed upload with its scope's reserved tag (`vu-…`, and `vu-proc` when a task flow was
   * requested), so that scoped media routes can find it. Without it only `media: 'all'` callers see anything.
   * Default true.
   */
  scopeTags?: boolean;
  /** Largest image of `PUT /media/:fileId/cover`, bytes. Default 2 MiB. */
  maxCoverBytes?: number;
}

/**
 * Decides who may upload. Return an {@link Authorization}, or null/false for `401 unauthorized`; throw a
 * `SignerError('forbidden', …)` for 403.
 */
export type AuthorizeHook = (c: Context) => Authorization | null | false | undefined | Promise<Authorization | null | false | undefined>;

/** Instant upload: the background verifier's options, and what is checked on a hit. */
export interface InstantOptions extends Omit<VerifierOptions, 'store'> {
  /** On a hit, check with DescribeMediaInfos that the file still exists (a deleted one is dropped). Default true. */
  checkExists?: boolean;
}

export interface SignerOptions {
  /** Your Tencent Cloud SecretId / SecretKey. They never leave the server. */
  secretId: string;
  secretKey: string;
  /**
   * Seals sessions (AES-256-GCM, key by HKDF-SHA256): ≥ 32 bytes, the same on every instance. A list rotates:
   * the first seals, all open.
   */
  sessionSecret: string | readonly string[];
  /** `X-TC-Region` of VOD API calls (VOD is region-less; optional). */
  region?: string;
  /** The VOD sub-application of every call (unless the policy lets clients choose). */
  subAppId?: number;
  /** VOD API base URL. Default the cloud (`https://vod.tencentcloudapi.com`). */
  vodEndpoint?: string;
  /** COS URL template with `{Bucket}` and `{Region}`. Default `https://{Bucket}.cos.{Region}.myqcloud.com`. */
  cosEndpoint?: string;
  /** The upload policy; unset fields take {@link DEFAULT_POLICY}'s. */
  policy?: Partial<UploadPolicy>;
  /** Who may upload. Default: everyone, scope `public` (demo only: see the README). */
  authorize?: AuthorizeHook;
  /** Shared state. Default a {@link MemoryStore} (one instance). */
  store?: Store;
  /** Per-scope token bucket over all routes. Default 120 requests, refilled at 20/s. `false` turns it off. */
  rateLimit?: TokenBucket | false;
  /** Origins allowed by CORS (`https://app.example`), or `['*']`. Default none: same-origin only. */
  corsOrigins?: readonly string[];
  /** Send `Access-Control-Allow-Credentials` (cookie-based `authorize`). Default false. */
  corsCredentials?: boolean;
  /** Largest request body, bytes. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Session lifetime, seconds (capped by the temporary credential's expiry). Default 6 h. */
  sessionTtlSeconds?: number;
  /** Presigned URL lifetime, seconds (capped by the credential and the session). Default 600. */
  urlTtlSeconds?: number;
  /** The media routes' settings. Who may use them is `authorize`'s `media` grant. */
  media?: MediaOptions;
  /** Instant upload (dedupe by SHA-1), or false to turn it off. Default on. */
  instant?: InstantOptions | false;
  /** Retries of throttled cloud calls (RequestLimitExceeded, SlowDown). */
  retry?: RetryOptions;
  /** The `fetch` used for cloud calls. */
  fetch?: FetchLike;
  /** Clock, ms (tests). */
  now?: () => number;
  /** Called with every 5xx error (log it; the client only gets a generic message). */
  onError?: (error: unknown, c: Context) => void;
}

/** At most this many parts per `POST /uploads/sign`. */
export const MAX_PARTS_PER_SIGN = 100;

export interface Runtime {
  options: SignerOptions;
  policy: UploadPolicy;
  sealer: SessionSealer;
  store: Store;
  verifier: Verifier | null;
  instant: InstantOptions | false;
  vod: VodClient;
  cosEndpoint: string;
  maxBodyBytes: number;
  sessionTtl: number;
  urlTtl: number;
  /** Milliseconds. */
  now: () => number;
  /** The secrets a request has touched (its temporary key): scrubbed from its error message, then forgotten. */
  requestSecrets: WeakMap<Context, string[]>;
  authorize: AuthorizeHook;
  rateLimit: TokenBucket | false;
  /** Completes running in this instance, by session id (concurrent calls share one). */
  completing: Map<string, Promise<CompleteResult>>;
  /** Whether completed uploads get their scope's reserved tags. */
  scopeTags: boolean;
  /** Largest image of `PUT /media/:fileId/cover`, bytes. */
  maxCoverBytes: number;
}

/** Unix seconds now. */
export const seconds = (rt: Runtime) => Math.floor(rt.now() / 1000);

/** Runs `authorize` and checks its answer. */
export async function authorizeRequest(rt: Runtime, c: Context): Promise<Authorization> {
  const auth = await rt.authorize(c);
  if (!auth) throw new SignerError('unauthorized', 'Sign in to upload.');
  if (typeof auth.scope !== 'string' || auth.scope.length === 0 || auth.scope.length > 256) {
    throw new SignerError('internal', 'authorize() returned no usable scope.');
  }
  return auth;
}

/** Takes one token from the scope's bucket, or throws `rate_limited` with Retry-After. */
export async function rateLimit(rt: Runtime, auth: Authorization): Promise<void> {
  const bucket = auth.limits?.rate === undefined ? rt.rateLimit : auth.limits.rate;
  if (!bucket) return;
  const r = await takeToken(rt.store, `rate:${encodeURIComponent(auth.scope)}`, bucket, rt.now());
  if (!r.ok) {
    throw new SignerError('rate_limited', `Too many requests: try again in ${r.retryAfter} s.`, { retryAfter: r.retryAfter });
  }
}

/** Opens the body's `session` for the caller's scope. */
export async function openSession(rt: Runtime, c: Context, body: Json, scope: string): Promise<SessionData> {
  const token = string(body.session, 'session', { min: 1, max: 8192 });
  const session = await rt.sealer.open(token, scope, seconds(rt));
  if (session.cred) rememberSecret(rt, c, session.cred.key);
  return session;
}

/** Notes a secret this request handles, so that no error message of it can carry it. */
export function rememberSecret(rt: Runtime, c: Context, secret: string): void {
  const list = rt.requestSecrets.get(c);
  if (list) list.push(secret);
  else rt.requestSecrets.set(c, [secret]);
}

/** The credential that signs for a session: its temporary one, else the signer's own key. */
export function sessionCredential(rt: Runtime, s: SessionData): { secretId: string; secretKey: string; token?: string } {
  return s.cred
    ? { secretId: s.cred.id, secretKey: s.cred.key, token: s.cred.token }
    : { secretId: rt.options.secretId, secretKey: rt.options.secretKey };
}

/** A COS client for a session's bucket under its credential. */
export function cosFor(rt: Runtime, s: Pick<SessionData, 'bucket' | 'region' | 'cred'>): CosClient {
  return createCosClient({
    credential: sessionCredential(rt, s as SessionData),
    bucket: s.bucket,
    region: s.region,
    endpoint: rt.cosEndpoint,
    fetch: rt.options.fetch,
    now: rt.now,
  });
}

/** Creates the VOD client of the signer's own key. */
export function createVod(options: SignerOptions, now: () => number): VodClient {
  return createVodClient({
    secretId: options.secretId,
    secretKey: options.secretKey,
    region: options.region,
    endpoint: options.vodEndpoint,
    fetch: options.fetch,
    now,
    timeoutMs: 30_000,
  });
}

/** Hands a background promise to the runtime (Workers' `waitUntil`), so it outlives the response. */
export function background(c: Context, promise: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(promise);
  } catch {
    // No execution context (Node, Bun, Deno): the promise just runs.
  }
}
