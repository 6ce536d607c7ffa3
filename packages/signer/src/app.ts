/**
 * `createSigner(options)`: the signer as a Hono app, to mount under any base path of a host app
 * (`app.route('/vod', createSigner({...}))`). Web-standard code only: no `node:` import anywhere below here.
 * @module
 */
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { SignerError } from './errors.ts';
import { errorResponse, readJson } from './http.ts';
import { createVerifier } from './instant.ts';
import { checkPolicy, DEFAULT_POLICY, type UploadPolicy } from './policy.ts';
import { createSessionSealer, type SessionData } from './session.ts';
import { MemoryStore } from './store.ts';
import type { Json } from './validate.ts';
import { authorizeRequest, createVod, openSession, rateLimit, type Authorization, type Runtime, type SignerOptions } from './runtime.ts';
import { createUpload, findInstant } from './routes/create.ts';
import { signUrls } from './routes/sign.ts';
import { abortUpload, completeUpload, listStoredParts } from './routes/finish.ts';
import { deleteMedia, getMedia, listMedia, mediaStatus, setCover, updateMedia } from './routes/media.ts';
import { COS_DEFAULT_ENDPOINT } from '@vod-uploader/tencent';

/** The signer app, plus a way to wait for its background work (instant-upload verification). */
export type SignerApp = Hono & {
  /** Resolves when no background verification is queued or running (graceful shutdown, tests). */
  idle(): Promise<void>;
};

const DEFAULT_RATE = { capacity: 120, refillPerSecond: 20 };

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new TypeError(`createSigner: ${name} must be a positive number.`);
  return v;
}

function checkOrigins(origins: readonly string[]): void {
  for (const o of origins) {
    if (o === '*') continue;
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== o) {
      throw new TypeError(`createSigner: corsOrigins has "${o}", which is not an origin like https://app.example.`);
    }
  }
}

/**
 * Creates the signer app.
 *
 * @example
 * ```ts
 * const app = new Hono();
 * app.route('/vod', createSigner({
 *   secretId: process.env.VOD_SECRET_ID!, secretKey: process.env.VOD_SECRET_KEY!,
 *   sessionSecret: process.env.SIGNER_SESSION_SECRET!,
 *   authorize: (c) => (c.get('user') ? { scope: c.get('user').id } : null),
 * }));
 * ```
 */
export function createSigner(options: SignerOptions): SignerApp {
  if (!options || typeof options.secretId !== 'string' || !options.secretId || typeof options.secretKey !== 'string' || !options.secretKey) {
    throw new TypeError('createSigner: secretId and secretKey are required.');
  }
  const policy: UploadPolicy = { ...DEFAULT_POLICY, ...options.policy };
  checkPolicy(policy);
  const now = options.now ?? (() => Date.now());
  const store = options.store ?? new MemoryStore();
  const instant = options.instant ?? {};
  const corsOrigins = options.corsOrigins ?? [];
  checkOrigins(corsOrigins);
  const rt: Runtime = {
    options,
    policy,
    sealer: createSessionSealer(options.sessionSecret),
    store,
    instant,
    verifier: instant === false ? null : createVerifier({ store, ...instant }),
    vod: createVod(options, now),
    cosEndpoint: options.cosEndpoint ?? COS_DEFAULT_ENDPOINT,
    maxBodyBytes: positive(options.maxBodyBytes, 64 * 1024, 'maxBodyBytes'),
    sessionTtl: positive(options.sessionTtlSeconds, 6 * 3600, 'sessionTtlSeconds'),
    urlTtl: positive(options.urlTtlSeconds, 600, 'urlTtlSeconds'),
    now,
    requestSecrets: new WeakMap(),
    authorize: options.authorize ?? (() => ({ scope: 'public' })),
    rateLimit: options.rateLimit === undefined ? DEFAULT_RATE : options.rateLimit,
    completing: new Map(),
    scopeTags: options.media?.scopeTags ?? true,
    maxCoverBytes: positive(options.media?.maxCoverBytes, 2 * 1024 * 1024, 'media.maxCoverBytes'),
  };
  if (!rt.cosEndpoint.includes('{Bucket}')) throw new TypeError('createSigner: cosEndpoint must contain {Bucket}.');

  const app = new Hono();
  const fail = (c: Context, error: unknown) => {
    if (!(error instanceof SignerError) || error.status >= 500) {
      try {
        options.onError?.(error, c);
      } catch {
        // A logging hook must not change the answer.
      }
    }
    return errorResponse(c, error, [options.secretKey, ...(rt.requestSecrets.get(c) ?? [])]);
  };
  app.onError((error, c) => fail(c, error));
  app.notFound((c) => fail(c, new SignerError('not_found', `No route ${c.req.method} ${new URL(c.req.url).pathname}.`)));

  if (corsOrigins.length) {
    const any = corsOrigins.includes('*');
    app.use(
      '*',
      cors({
        origin: any ? '*' : (origin) => (corsOrigins.includes(origin) ? origin : null),
        allowMethods: ['POST', 'GET', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
        allowHeaders: ['Content-Type', 'Authorization'],
        exposeHeaders: ['Retry-After'],
        maxAge: 600,
        credentials: options.corsCredentials ?? false,
      }),
    );
  }

  type Handler = (rt: Runtime, c: Context, auth: Authorization, body: Json, session: SessionData) => Promise<Response>;
  /** authorize → rate limit → body → (session) → handler, every failure through `fail`. */
  const route = (path: string, handler: Handler | ((rt: Runtime, c: Context, auth: Authorization, body: Json) => Promise<Response>), withSession: boolean) => {
    app.post(path, async (c) => {
      try {
        const auth = await authorizeRequest(rt, c);
        await rateLimit(rt, auth);
        const body = await readJson(c, rt.maxBodyBytes);
        if (!withSession) return await (handler as (rt: Runtime, c: Context, auth: Authorization, body: Json) => Promise<Response>)(rt, c, auth, body);
        const session = await openSession(rt, c, body, auth.scope);
        return await (handler as Handler)(rt, c, auth, body, session);
      } catch (error) {
        return fail(c, error);
      }
    });
  };

  route('/uploads', createUpload, false);
  route('/uploads/instant', findInstant, false);
  route('/uploads/sign', (rt, c, _auth, body, session) => signUrls(rt, c, body, session), true);
  route('/uploads/parts', (rt, c, _auth, body, session) => listStoredParts(rt, c, body, session), true);
  route('/uploads/complete', (rt, c, _auth, body, session) => completeUpload(rt, c, body, session), true);
  route('/uploads/abort', (rt, c, _auth, body, session) => abortUpload(rt, c, body, session), true);

  /** The media routes: authorize → rate limit → handler (which checks the `media` grant). */
  const media = (method: 'GET' | 'PATCH' | 'PUT' | 'DELETE', path: string, handler: (rt: Runtime, c: Context, auth: Authorization) => Promise<Response>) => {
    app.on(method, path, async (c) => {
      try {
        const auth = await authorizeRequest(rt, c);
        await rateLimit(rt, auth);
        return await handler(rt, c, auth);
      } catch (error) {
        return fail(c, error);
      }
    });
  };
  media('GET', '/media', listMedia);
  media('GET', '/media/:fileId', getMedia);
  media('GET', '/media/:fileId/status', mediaStatus);
  media('PATCH', '/media/:fileId', updateMedia);
  media('DELETE', '/media/:fileId', deleteMedia);
  media('PUT', '/media/:fileId/cover', setCover);

  // Under a host app, unmatched paths reach the host's notFound: answer our own paths here, in JSON.
  const unknown = (c: Context) => fail(c, new SignerError('not_found', `No route ${c.req.method} ${new URL(c.req.url).pathname}.`));
  for (const path of ['/uploads', '/uploads/*', '/media', '/media/*']) app.all(path, unknown);

  return Object.assign(app, { idle: () => rt.verifier?.idle() ?? Promise.resolve() });
}
