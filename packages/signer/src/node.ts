/**
 * The Node glue, all of it: configuration from the environment, the HTTP server (@hono/node-server), `GET
 * /healthz`, graceful shutdown, and the `vod-signer` command line. Everything else in this package is
 * Web-standard. Never logs a secret.
 * @module
 */
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Hasher } from '@vod-uploader/tencent';
import { createSigner, type SignerApp } from './app.ts';
import type { MediaGrant } from './runtime.ts';
import { SignerError } from './errors.ts';
import { MIN_SECRET_BYTES } from './session.ts';
import type { TokenBucket } from './store.ts';

export const HELP = `vod-signer — the signer of <vod-uploader>: holds your Tencent Cloud key, calls ApplyUpload/CommitUpload,
presigns storage requests. Configured by environment variables.

Usage: vod-signer [--help]

Required:
  VOD_SECRET_ID           Your Tencent Cloud SecretId (the emulator's is emulator-secret-id).
  VOD_SECRET_KEY          Your Tencent Cloud SecretKey. Never logged, never sent to clients.
  SIGNER_SESSION_SECRET   Seals upload sessions (AES-256-GCM): at least ${MIN_SECRET_BYTES} bytes, the same on every
                          instance. Make one with: node -e "console.log(crypto.randomBytes(32).toString('base64'))"

Optional:
  VOD_REGION              X-TC-Region of VOD API calls, e.g. ap-guangzhou (VOD is region-less; default none).
  VOD_SUB_APP_ID          VOD sub-application id of every upload (required by accounts opened after 2023-12-25).
  VOD_PROCEDURE           Task flow (Procedure template name) run on every upload; clients cannot choose another.
  VOD_ENDPOINT            VOD API base URL (default https://vod.tencentcloudapi.com; the emulator: http://127.0.0.1:9000).
  VOD_COS_ENDPOINT        Storage URL template with {Bucket} and {Region}
                          (default https://{Bucket}.cos.{Region}.myqcloud.com; the emulator: http://127.0.0.1:9000/cos/{Bucket}).
  SIGNER_PORT             Port to listen on (default 8787; 0 picks a free port).
  SIGNER_HOST             Interface to bind (default 127.0.0.1, loopback only).
  SIGNER_BASE_PATH        Path the routes are served under, e.g. /vod (default /).
  SIGNER_CORS_ORIGINS     Comma-separated origins allowed by CORS (https://app.example,http://localhost:5173),
                          or * for any. Default none (same-origin only).
  SIGNER_RATE_LIMIT       Per-scope token bucket "CAPACITY/PER_SECOND" (default 120/20), or "off".
  SIGNER_MEDIA_API        The media routes (list, get, status, update, delete, cover). Default off (403).
                          1 (or on): read and change what was uploaded through this signer; read: only read it;
                          all: read and change EVERY media file of the account, whoever uploaded it.
                          !! This bin has no authentication: anyone who can reach it gets that power, so it
                          !! accepts SIGNER_MEDIA_API only with a loopback SIGNER_HOST (the local demo).

Routes (JSON; see PROTOCOL.md): POST {base}/uploads, {base}/uploads/instant, {base}/uploads/sign,
{base}/uploads/parts, {base}/uploads/complete, {base}/uploads/abort; with SIGNER_MEDIA_API: GET {base}/media,
GET {base}/media/:fileId, GET {base}/media/:fileId/status, PATCH {base}/media/:fileId, DELETE {base}/media/:fileId,
PUT {base}/media/:fileId/cover; GET /healthz → {"ok":true}.

Who may upload: everyone (one scope, "public"). This bin has no authorize hook (open, for the demo): put it
behind your own authentication, or mount createSigner({ authorize }) in your app instead.

On start it prints one JSON line to stdout: {"url":"http://HOST:PORT","signer":"http://HOST:PORT{base}"}.
SIGTERM/SIGINT stop it gracefully: no new connections, in-flight requests and verifications finish (10 s at most).`;

/** A missing or malformed setting. Its message names the variable, never its value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface NodeConfig {
  secretId: string;
  secretKey: string;
  sessionSecret: string;
  region?: string;
  subAppId?: number;
  /** The task flow of every upload (VOD_PROCEDURE). */
  procedure?: string;
  vodEndpoint?: string;
  cosEndpoint?: string;
  port: number;
  host: string;
  basePath: string;
  corsOrigins: string[];
  rateLimit: TokenBucket | false;
  /** The media grant of every caller (SIGNER_MEDIA_API); false: the media routes are off. */
  media: MediaGrant;
}

type Env = Record<string, string | undefined>;

function httpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.host;
  } catch {
    return false;
  }
}

/** Whether a bind address only accepts connections from this machine. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Reads the configuration; collects every problem into one ConfigError. */
export function configFromEnv(env: Env): NodeConfig {
  const problems: string[] = [];
  const get = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const required = (name: string, what: string) => {
    const v = get(name);
    if (v === undefined) problems.push(`${name} is missing: set it to ${what}.`);
    return v ?? '';
  };
  const secretId = required('VOD_SECRET_ID', 'your Tencent Cloud SecretId');
  const secretKey = required('VOD_SECRET_KEY', 'your Tencent Cloud SecretKey');
  const sessionSecret = required('SIGNER_SESSION_SECRET', `a random secret of at least ${MIN_SECRET_BYTES} bytes`);
  if (sessionSecret && new TextEncoder().encode(sessionSecret).length < MIN_SECRET_BYTES) {
    problems.push(`SIGNER_SESSION_SECRET is too short: it needs at least ${MIN_SECRET_BYTES} bytes.`);
  }
  if (secretId && !/^[\x21-\x7e]{1,128}$/.test(secretId)) problems.push('VOD_SECRET_ID is malformed: printable ASCII without spaces expected.');
  if (secretKey && !/^[\x21-\x7e]{1,128}$/.test(secretKey)) problems.push('VOD_SECRET_KEY is malformed: printable ASCII without spaces expected.');

  const region = get('VOD_REGION');
  if (region !== undefined && !/^[a-z]{2,8}(-[a-z]+)+(-\d+)?$/.test(region)) problems.push('VOD_REGION is malformed: a region like ap-guangzhou expected.');

  let subAppId: number | undefined;
  const sub = get('VOD_SUB_APP_ID');
  if (sub !== undefined) {
    subAppId = /^\d{1,10}$/.test(sub) ? Number(sub) : NaN;
    if (!(subAppId >= 1 && subAppId <= 2 ** 32 - 1)) problems.push('VOD_SUB_APP_ID is malformed: a positive integer expected.');
  }

  const procedure = get('VOD_PROCEDURE');
  if (procedure !== undefined && !/^[^\x00-\x1f\x7f]{1,64}$/u.test(procedure)) {
    problems.push('VOD_PROCEDURE is malformed: a task flow name of 1 to 64 characters expected.');
  }

  const vodEndpoint = get('VOD_ENDPOINT');
  if (vodEndpoint !== undefined && !httpUrl(vodEndpoint)) problems.push('VOD_ENDPOINT is malformed: an http(s) URL like https://vod.tencentcloudapi.com expected.');
  const cosEndpoint = get('VOD_COS_ENDPOINT');
  if (cosEndpoint !== undefined && (!cosEndpoint.includes('{Bucket}') || !httpUrl(cosEndpoint.replaceAll('{Bucket}', 'b-1').replaceAll('{Region}', 'ap-x')))) {
    problems.push('VOD_COS_ENDPOINT is malformed: an http(s) URL template with {Bucket} (and {Region}) expected.');
  }

  let port = 8787;
  const portText = get('SIGNER_PORT');
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 0 && port <= 65535)) problems.push('SIGNER_PORT is malformed: a port number 0-65535 expected.');
  }
  const host = get('SIGNER_HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) problems.push('SIGNER_HOST is malformed: a host name or IP address expected.');

  let basePath = get('SIGNER_BASE_PATH') ?? '/';
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(basePath) || basePath.includes('//')) {
    problems.push('SIGNER_BASE_PATH is malformed: a path like /vod expected.');
  }
  basePath = basePath.length > 1 ? basePath.replace(/\/+$/, '') : '/';

  const corsOrigins = (get('SIGNER_CORS_ORIGINS') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const o of corsOrigins) {
    if (o !== '*' && (!httpUrl(o) || new URL(o).origin !== o)) {
      problems.push(`SIGNER_CORS_ORIGINS has a malformed origin "${o.slice(0, 80)}": origins look like https://app.example.`);
    }
  }

  let rateLimit: TokenBucket | false = { capacity: 120, refillPerSecond: 20 };
  const rate = get('SIGNER_RATE_LIMIT');
  if (rate !== undefined) {
    const m = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(rate);
    if (rate === 'off') rateLimit = false;
    else if (m && Number(m[1]) >= 1 && Number(m[2]) > 0) rateLimit = { capacity: Number(m[1]), refillPerSecond: Number(m[2]) };
    else problems.push('SIGNER_RATE_LIMIT is malformed: "CAPACITY/PER_SECOND" (e.g. 120/20) or "off" expected.');
  }

  let media: MediaGrant = false;
  const mediaText = get('SIGNER_MEDIA_API')?.toLowerCase();
  if (mediaText !== undefined) {
    if (mediaText === '1' || mediaText === 'on' || mediaText === 'true') media = true;
    else if (mediaText === 'read' || mediaText === 'all') media = mediaText;
    else if (mediaText !== '0' && mediaText !== 'off' && mediaText !== 'false') problems.push('SIGNER_MEDIA_API is malformed: 1, read, all or off expected.');
    if (media !== false && !isLoopback(host)) {
      problems.push(
        'SIGNER_MEDIA_API would let anyone who reaches this unauthenticated signer list, change and delete media: the bin allows it only with a loopback SIGNER_HOST (127.0.0.1, ::1, localhost). Mount createSigner({ authorize }) to grant media per user.',
      );
    }
  }

  if (problems.length) throw new ConfigError(problems.join('\n'));
  return { secretId, secretKey, sessionSecret, region, subAppId, procedure, vodEndpoint, cosEndpoint, port, host, basePath, corsOrigins, rateLimit, media };
}

/** SHA-1 through node:crypto (native, ~10× the pure-JS hasher) for the instant-upload verifier. */
export function nodeSha1(): Hasher {
  const h = createHash('sha1');
  return {
    update(data) {
      h.update(data);
      return this;
    },
    digest: () => new Uint8Array(h.digest()),
  };
}

export interface NodeApp {
  /** The root app: `/healthz` and the signer under the base path. */
  app: Hono;
  signer: SignerApp;
}

/** Builds the root app of the bin. `log` gets one line per 5xx error (code and cause name only). */
export function createNodeApp(config: NodeConfig, log: (line: string) => void = () => {}): NodeApp {
  const signer = createSigner({
    secretId: config.secretId,
    secretKey: config.secretKey,
    sessionSecret: config.sessionSecret,
    region: config.region,
    subAppId: config.subAppId,
    vodEndpoint: config.vodEndpoint,
    cosEndpoint: config.cosEndpoint,
    corsOrigins: config.corsOrigins,
    rateLimit: config.rateLimit,
    ...(config.procedure && { policy: { forced: { procedure: config.procedure } } }),
    instant: { createHasher: nodeSha1 },
    // No authentication in the bin: one open scope; media only as SIGNER_MEDIA_API grants (loopback only).
    authorize: () => ({ scope: 'public', media: config.media }),
    onError(error) {
      const what = error instanceof SignerError ? `${error.code}${error.requestId ? ` (RequestId ${error.requestId})` : ''}` : 'internal';
      const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.name : error.name) : typeof error;
      log(`vod-signer: ${what}: ${cause}`);
    },
  });
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true }, 200, { 'Cache-Control': 'no-store' }));
  app.route(config.basePath, signer);
  return { app, signer };
}

export interface RunningSigner {
  /** `http://HOST:PORT`. */
  url: string;
  /** The signer's base URL, `http://HOST:PORT{basePath}`. */
  signerUrl: string;
  port: number;
  signer: SignerApp;
  /** Stops accepting, lets in-flight requests and verifications finish (at most `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

/** Serves the signer on `config.host:config.port`. */
export async function startSigner(config: NodeConfig, log?: (line: string) => void): Promise<RunningSigner> {
  const { app, signer } = createNodeApp(config, log);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host, overrideGlobalObjects: false }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const url = `http://${host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    signerUrl: `${url}${config.basePath === '/' ? '' : config.basePath}`,
    port,
    signer,
    close: (graceMs = 10_000) =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
        await Promise.race([Promise.all([stopped, signer.idle()]), deadline]);
        clearTimeout(force);
        server.closeAllConnections();
        await stopped;
      })()),
  };
}

/** The `vod-signer` command. Resolves with the exit code once the server has stopped (or failed to start). */
export async function main(argv: string[], env: Env = process.env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (argv.length) {
    process.stderr.write(`vod-signer: unknown argument "${argv[0]!.slice(0, 40)}": it is configured by environment variables (see --help).\n`);
    return 2;
  }
  let config: NodeConfig;
  try {
    config = configFromEnv(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`vod-signer: cannot start:\n${error.message.replace(/^/gm, '  ')}\nSee vod-signer --help.\n`);
    return 2;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let running: RunningSigner;
  try {
    running = await startSigner(config, log);
  } catch (error) {
    const code = (error as { code?: string }).code;
    log(`vod-signer: cannot listen on ${config.host}:${config.port}${code ? ` (${code})` : ''}.`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify({ url: running.url, signer: running.signerUrl })}\n`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        log(`vod-signer: ${signal} again, exiting now.`);
        resolve(1);
        return;
      }
      stopping = true;
      running.close().then(() => resolve(0), () => resolve(1));
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
