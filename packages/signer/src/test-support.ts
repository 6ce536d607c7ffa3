/**
 * Test harness (not shipped): the signer mounted under `/vod` of a host app, talking to the emulator through
 * `app.request()` (no port), and a transcript of every signer response for the secret scan.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { createEmulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, type Emulator } from '@vod-uploader/emulator';
import { createSigner, type SignerApp } from './app.ts';
import type { SignerOptions } from './runtime.ts';

export const SESSION_SECRET = 'test-only-session-secret-0123456789';
export const EMU = 'http://127.0.0.1:9000';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface Harness {
  emulator: Emulator;
  signer: SignerApp;
  host: Hono;
  /** Every temporary SecretKey the emulator handed out (seen on the wire between signer and cloud). */
  tmpSecretKeys: Set<string>;
  /** Every signer response: status line, headers and body. */
  transcript: string[];
  /**
   * Rewrites the `Response` of VOD answers the signer gets (to stand in for cloud states the emulator does
   * not have: transcodes, a forbidden media, a failing call). Return undefined to keep the answer.
   */
  rewrite?: (action: string, response: Record<string, unknown>) => Record<string, unknown> | undefined;
  /** Every VOD call the signer made: action and parameters. */
  vodCalls: Array<{ action: string; params: Record<string, unknown> }>;
  /** POST JSON to the signer under /vod. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** A raw request to the signer (for malformed bodies). */
  raw(path: string, init: RequestInit): Promise<Reply>;
  /** PUT bytes to a presigned URL, as a browser XHR would (Content-Length automatic, the listed headers). */
  put(url: string, bytes: Uint8Array, headers?: Record<string, string>): Promise<Response>;
  /** GET from the emulator. */
  get(url: string): Promise<Response>;
  /** Another signer instance (own memory, same options and secret) over the same emulator. */
  fork(options?: Partial<SignerOptions>): { signer: SignerApp; post: Harness['post'] };
  close(): Promise<void>;
}

/** The signer's fetch into the emulator app. */
type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export function setup(options: Partial<SignerOptions> = {}, emulatorOptions: { credentialTtl?: number; clock?: () => number } = {}): Harness {
  const dataDir = mkdtempSync(join(tmpdir(), 'signer-test-'));
  const emulator = createEmulator({ dataDir, log: () => {}, publicUrl: EMU, rateLimit: 0, ...emulatorOptions });
  const tmpSecretKeys = new Set<string>();
  const transcript: string[] = [];
  const emuFetch: Fetch = async (input, init) => {
    let res = await emulator.app.request(input instanceof Request ? input : String(input), init);
    const action = init?.headers ? new Headers(init.headers).get('x-tc-action') : null;
    if (action) harness.vodCalls.push({ action, params: JSON.parse(String(init!.body)) as Record<string, unknown> });
    if (action && harness.rewrite) {
      const parsed = (await res.clone().json()) as { Response: Record<string, unknown> };
      const changed = harness.rewrite(action, parsed.Response);
      if (changed) res = new Response(JSON.stringify({ Response: changed }), { status: res.status, headers: res.headers });
    }
    if (action === 'ApplyUpload') {
      const text = await res.clone().text();
      const key = /"SecretKey":"([^"]+)"/.exec(text)?.[1];
      if (key) tmpSecretKeys.add(key);
    }
    return res;
  };
  const make = (o: Partial<SignerOptions>) =>
    createSigner({
      secretId: DEFAULT_SECRET_ID,
      secretKey: DEFAULT_SECRET_KEY,
      sessionSecret: SESSION_SECRET,
      vodEndpoint: EMU,
      cosEndpoint: `${EMU}/cos/{Bucket}`,
      fetch: emuFetch,
      rateLimit: false,
      ...o,
      // Multipart from 1 MiB + 1 byte, so tests stay small.
      policy: { singleThreshold: 1024 * 1024, ...o.policy },
    });
  let signer: SignerApp;
  try {
    signer = make(options);
  } catch (error) {
    void emulator.close().finally(() => rmSync(dataDir, { recursive: true, force: true }));
    throw error;
  }
  const host = new Hono();
  host.route('/vod', signer);
  const forks: SignerApp[] = [];
  const poster = (app: Hono) => async (path: string, body: unknown, headers: Record<string, string> = {}) =>
    record(
      await app.request(`http://signer.test/vod${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }),
    );

  const record = async (res: Response): Promise<Reply> => {
    const text = await res.text();
    const headers: string[] = [];
    res.headers.forEach((v, k) => headers.push(`${k}: ${v}`));
    transcript.push(`${res.status}\n${headers.join('\n')}\n\n${text}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };

  const harness: Harness = {
    emulator,
    signer,
    vodCalls: [],
    host,
    tmpSecretKeys,
    transcript,
    post: poster(host),
    fork(o = {}) {
      const other = make({ ...options, ...o });
      forks.push(other);
      const otherHost = new Hono();
      otherHost.route('/vod', other);
      return { signer: other, post: poster(otherHost) };
    },
    async raw(path, init) {
      return record(await host.request(`http://signer.test/vod${path}`, init));
    },
    async put(url, bytes, headers = {}) {
      return emulator.app.request(url, {
        method: 'PUT',
        body: bytes as Uint8Array<ArrayBuffer>,
        headers: { 'content-length': String(bytes.length), ...headers },
      });
    },
    async get(url) {
      return emulator.app.request(url);
    },
    async close() {
      await signer.idle();
      for (const f of forks) await f.idle();
      await emulator.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

export const md5b64 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');
export const sha1hex = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
export const bytes = (n: number) => new Uint8Array(randomBytes(n));

/** A 1×1 PNG. */
export const PNG = new Uint8Array(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'),
);

/**
 * Uploads `data` through the whole protocol (create → sign → PUT → complete) and returns every reply.
 * `md5: true` sends each part's MD5.
 */
export async function uploadThrough(
  h: Harness,
  data: Uint8Array,
  opts: { name?: string; type?: string; partSize?: number; cover?: Uint8Array; md5?: boolean; sha1?: string | null; batch?: number; headers?: Record<string, string>; options?: Record<string, unknown> } = {},
) {
  const post = (path: string, body: unknown) => h.post(path, body, opts.headers);
  const body: Record<string, unknown> = { file: { name: opts.name ?? 'clip.mp4', size: data.length, type: opts.type ?? 'video/mp4' } };
  if (opts.partSize) body.partSize = opts.partSize;
  if (opts.cover) body.cover = { name: 'cover.png', size: opts.cover.length, type: 'image/png' };
  if (opts.sha1 !== null) body.sha1 = opts.sha1 ?? sha1hex(data);
  if (opts.options) body.options = opts.options;
  const created = await post('/uploads', body);
  if (created.status !== 200) throw new Error(`create: ${created.text}`);
  if (created.json.instant) return { created, instant: created.json.instant };
  const { session, strategy, partSize, partCount } = created.json;
  const etags: Array<{ partNumber: number; etag: string }> = [];
  if (strategy === 'multipart') {
    const numbers = Array.from({ length: partCount }, (_, i) => i + 1);
    const batch = opts.batch ?? 100;
    for (let i = 0; i < numbers.length; i += batch) {
      const slice = numbers.slice(i, i + batch);
      const parts = slice.map((n) => {
        const part = data.subarray((n - 1) * partSize, n * partSize);
        return opts.md5 ? { partNumber: n, md5: md5b64(part) } : { partNumber: n };
      });
      const signed = await post('/uploads/sign', { session, parts });
      if (signed.status !== 200) throw new Error(`sign: ${signed.text}`);
      for (const u of signed.json.urls) {
        const part = data.subarray((u.partNumber - 1) * partSize, u.partNumber * partSize);
        const res = await h.put(u.url, part, u.headers);
        if (res.status !== 200) throw new Error(`PUT part ${u.partNumber}: ${res.status} ${await res.text()}`);
        etags.push({ partNumber: u.partNumber, etag: res.headers.get('etag')! });
      }
    }
  } else {
    const signed = await post('/uploads/sign', { session, media: opts.md5 ? { md5: md5b64(data) } : {} });
    if (signed.status !== 200) throw new Error(`sign: ${signed.text}`);
    const res = await h.put(signed.json.urls[0].url, data, signed.json.urls[0].headers);
    if (res.status !== 200) throw new Error(`PUT media: ${res.status} ${await res.text()}`);
  }
  if (opts.cover) {
    const signed = await post('/uploads/sign', { session, cover: opts.md5 ? { md5: md5b64(opts.cover) } : {} });
    const res = await h.put(signed.json.urls[0].url, opts.cover, signed.json.urls[0].headers);
    if (res.status !== 200) throw new Error(`PUT cover: ${res.status} ${await res.text()}`);
  }
  const completeBody: Record<string, unknown> = { session };
  if (strategy === 'multipart') completeBody.parts = etags;
  const completed = await post('/uploads/complete', completeBody);
  return { created, completed, session, etags };
}
