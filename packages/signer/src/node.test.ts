import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { configFromEnv, ConfigError, HELP } from './node.ts';

const SIGNER_BIN = fileURLToPath(new URL('../bin/vod-signer.js', import.meta.url));
const EMULATOR_BIN = fileURLToPath(new URL('../../emulator/bin/vod-emulator.js', import.meta.url));
const SESSION_SECRET = 'loopback-test-session-secret-0123456789';
const MiB = 1024 * 1024;

interface Child {
  proc: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Spawns a bin; resolves once its first stdout line (JSON) arrives. Killed after 60 s whatever happens. */
function launch(bin: string, args: string[], env: Record<string, string>): Promise<{ child: Child; info: Record<string, string> }> {
  const proc = spawn(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', http_proxy: '', https_proxy: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  const child: Child = {
    proc,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) =>
      proc.on('exit', (code) => {
        clearTimeout(killer);
        resolve(code);
      }),
    ),
  };
  proc.stderr!.on('data', (d) => (child.stderr += d));
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      child.stdout += d;
      const nl = child.stdout.indexOf('\n');
      if (nl >= 0) resolve({ child, info: JSON.parse(child.stdout.slice(0, nl)) });
    });
    child.exited.then((code) => reject(new Error(`${bin} exited ${code}: ${child.stderr}`)));
  });
}

/** Runs a bin to its end (at most 60 s). */
function run(bin: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) =>
    proc.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('vod-signer configuration', () => {
  const base = { VOD_SECRET_ID: 'AKIDfake', VOD_SECRET_KEY: 'fake-secret-key-value', SIGNER_SESSION_SECRET: SESSION_SECRET };

  it('reads every setting, with defaults', () => {
    assert.deepEqual(configFromEnv(base), {
      secretId: 'AKIDfake',
      secretKey: 'fake-secret-key-value',
      sessionSecret: SESSION_SECRET,
      region: undefined,
      subAppId: undefined,
      procedure: undefined,
      vodEndpoint: undefined,
      cosEndpoint: undefined,
      port: 8787,
      host: '127.0.0.1',
      basePath: '/',
      corsOrigins: [],
      rateLimit: { capacity: 120, refillPerSecond: 20 },
      media: false,
    });
    const full = configFromEnv({
      ...base,
      VOD_REGION: 'ap-chongqing',
      VOD_SUB_APP_ID: '1500000001',
      VOD_PROCEDURE: 'LongVideoPreset',
      VOD_ENDPOINT: 'http://127.0.0.1:9000',
      VOD_COS_ENDPOINT: 'http://127.0.0.1:9000/cos/{Bucket}',
      SIGNER_PORT: '0',
      SIGNER_HOST: '0.0.0.0',
      SIGNER_BASE_PATH: '/vod/',
      SIGNER_CORS_ORIGINS: 'https://app.example, http://localhost:5173',
      SIGNER_RATE_LIMIT: 'off',
    });
    assert.equal(full.subAppId, 1500000001);
    assert.equal(full.procedure, 'LongVideoPreset');
    assert.equal(full.port, 0);
    assert.equal(full.basePath, '/vod');
    assert.deepEqual(full.corsOrigins, ['https://app.example', 'http://localhost:5173']);
    assert.equal(full.rateLimit, false);
    assert.equal(full.media, false);
    assert.equal(configFromEnv({ ...base, SIGNER_MEDIA_API: '1' }).media, true);
    assert.equal(configFromEnv({ ...base, SIGNER_MEDIA_API: 'read', SIGNER_HOST: '::1' }).media, 'read');
    assert.equal(configFromEnv({ ...base, SIGNER_MEDIA_API: 'ALL', SIGNER_HOST: 'localhost' }).media, 'all');
    assert.equal(configFromEnv({ ...base, SIGNER_MEDIA_API: 'off', SIGNER_HOST: '0.0.0.0' }).media, false);
  });

  it('refuses SIGNER_MEDIA_API unless the bin listens on loopback only', () => {
    for (const host of ['0.0.0.0', '192.168.1.20', '::', 'example.com']) {
      assert.throws(() => configFromEnv({ ...base, SIGNER_MEDIA_API: '1', SIGNER_HOST: host }), (e: unknown) => e instanceof ConfigError && /SIGNER_MEDIA_API .*loopback SIGNER_HOST/.test(e.message));
    }
    assert.throws(() => configFromEnv({ ...base, SIGNER_MEDIA_API: 'everything' }), /SIGNER_MEDIA_API is malformed/);
  });

  it('names every missing or malformed setting, never its value', () => {
    const secretValue = 'SECRET-VALUE-NEVER-PRINTED';
    let error: unknown;
    try {
      configFromEnv({
        VOD_SECRET_KEY: `with space ${secretValue}`,
        SIGNER_SESSION_SECRET: 'tiny-s3cr3t',
        VOD_REGION: 'Guangzhou',
        VOD_SUB_APP_ID: '-3',
        VOD_PROCEDURE: 'bad\nname',
        VOD_ENDPOINT: 'ftp://x',
        VOD_COS_ENDPOINT: 'http://127.0.0.1/cos/',
        SIGNER_PORT: '70000',
        SIGNER_BASE_PATH: 'vod',
        SIGNER_CORS_ORIGINS: 'app.example',
        SIGNER_RATE_LIMIT: 'lots',
      });
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof ConfigError);
    for (const name of ['VOD_SECRET_ID is missing', 'VOD_SECRET_KEY is malformed', 'SIGNER_SESSION_SECRET is too short', 'VOD_REGION', 'VOD_SUB_APP_ID', 'VOD_PROCEDURE', 'VOD_ENDPOINT', 'VOD_COS_ENDPOINT', 'SIGNER_PORT', 'SIGNER_BASE_PATH', 'SIGNER_CORS_ORIGINS', 'SIGNER_RATE_LIMIT']) {
      assert.ok(error.message.includes(name), `mentions ${name}`);
    }
    assert.ok(!error.message.includes(secretValue) && !error.message.includes('tiny-s3cr3t'));
  });

  it('--help documents every setting', () => {
    for (const name of ['VOD_SECRET_ID', 'VOD_SECRET_KEY', 'VOD_REGION', 'VOD_SUB_APP_ID', 'VOD_PROCEDURE', 'VOD_ENDPOINT', 'VOD_COS_ENDPOINT', 'SIGNER_PORT', 'SIGNER_HOST', 'SIGNER_CORS_ORIGINS', 'SIGNER_SESSION_SECRET', 'SIGNER_BASE_PATH', 'SIGNER_RATE_LIMIT', 'SIGNER_MEDIA_API', '/media/:fileId/status', '/healthz']) {
      assert.ok(HELP.includes(name), name);
    }
  });
});

describe('vod-emulator + vod-signer over loopback', () => {
  let dataDir: string;
  let emulator: Child;
  let signer: Child;
  let emu: Record<string, string>;
  let base: string;
  let root: string;
  const transcript: string[] = [];

  async function call(path: string, body: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    const hs: string[] = [];
    res.headers.forEach((v, k) => hs.push(`${k}: ${v}`));
    transcript.push(`${res.status}\n${hs.join('\n')}\n\n${text}`);
    return { status: res.status, headers: res.headers, json: JSON.parse(text) };
  }

  const put = (url: string, body: Uint8Array, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'PUT', body: body as Uint8Array<ArrayBuffer>, headers, signal: AbortSignal.timeout(30_000) });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'signer-loopback-'));
    ({ child: emulator, info: emu } = await launch(EMULATOR_BIN, ['--port', '0', '--data', dataDir], {}));
    const cosDomain = emu.cosDomain!;
    let info;
    ({ child: signer, info } = await launch(SIGNER_BIN, [], {
      VOD_SECRET_ID: emu.secretId!,
      VOD_SECRET_KEY: emu.secretKey!,
      VOD_ENDPOINT: emu.vodEndpoint!,
      VOD_COS_ENDPOINT: `http://${cosDomain}`,
      SIGNER_SESSION_SECRET: SESSION_SECRET,
      SIGNER_PORT: '0',
      SIGNER_BASE_PATH: '/vod',
      SIGNER_CORS_ORIGINS: 'http://app.test',
      SIGNER_RATE_LIMIT: 'off',
      SIGNER_MEDIA_API: '1',
    }));
    base = info.signer!;
    root = info.url!;
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+\/vod$/);
  });

  after(async () => {
    for (const c of [signer, emulator]) {
      if (c && c.proc.exitCode === null) {
        c.proc.kill('SIGTERM');
        await c.exited;
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves GET /healthz', async () => {
    const res = await fetch(`${root}/healthz`, { signal: AbortSignal.timeout(10_000) });
    assert.deepEqual([res.status, await res.json()], [200, { ok: true }]);
  });

  it('uploads multipart with per-part MD5 and a cover, then single; instant upload after verification', async () => {
    const data = new Uint8Array(randomBytes(9 * MiB + 3));
    const sha1 = createHash('sha1').update(data).digest('hex');
    const png = new Uint8Array(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));
    const created = await call('/uploads', {
      file: { name: 'IMG_0042.MOV', size: data.length, type: 'video/quicktime' },
      cover: { name: 'poster.png', size: png.length, type: 'image/png' },
      sha1,
      partSize: 4 * MiB,
    }, { origin: 'http://app.test' });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    assert.equal(created.headers.get('access-control-allow-origin'), 'http://app.test');
    assert.deepEqual([created.json.strategy, created.json.partSize, created.json.partCount, created.json.mediaType], ['multipart', 4 * MiB, 3, 'mov']);
    const { session } = created.json;
    const parts = [1, 2, 3].map((n) => ({ n, bytes: data.subarray((n - 1) * 4 * MiB, n * 4 * MiB) }));
    const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');
    const signed = await call('/uploads/sign', { session, parts: parts.map((p) => ({ partNumber: p.n, md5: md5(p.bytes) })), cover: { md5: md5(png) } });
    assert.equal(signed.status, 200);
    const etags = [];
    for (const u of signed.json.urls) {
      const body = u.target === 'cover' ? png : parts[u.partNumber - 1]!.bytes;
      const res = await put(u.url, body, u.headers);
      assert.equal(res.status, 200, await res.clone().text());
      if (u.target === 'part') etags.push({ partNumber: u.partNumber, etag: res.headers.get('etag') });
    }
    const listed = await call('/uploads/parts', { session });
    assert.deepEqual(listed.json.parts.map((p: { size: number }) => p.size), [4 * MiB, 4 * MiB, MiB + 3]);
    const done = await call('/uploads/complete', { session, parts: etags, sha1 });
    assert.equal(done.status, 200, JSON.stringify(done.json));
    const media = await fetch(done.json.mediaUrl, { signal: AbortSignal.timeout(30_000) });
    assert.equal(createHash('sha1').update(new Uint8Array(await media.arrayBuffer())).digest('hex'), sha1);
    assert.equal((await call('/uploads/complete', { session, parts: etags })).json.fileId, done.json.fileId);

    // The background verifier reads the bytes back; the index answers once it has (bounded wait).
    let instant;
    for (let i = 0; i < 50 && !instant; i++) {
      const again = await call('/uploads', { file: { name: 'again.mov', size: data.length, type: 'video/quicktime' }, sha1 });
      instant = again.json.instant;
      if (!instant) {
        await call('/uploads/abort', { session: again.json.session });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.deepEqual(instant, { fileId: done.json.fileId, mediaUrl: done.json.mediaUrl, coverUrl: done.json.coverUrl });

    const small = new Uint8Array(randomBytes(1000));
    const single = await call('/uploads', { file: { name: 'tiny.mp4', size: small.length } });
    assert.equal(single.json.strategy, 'single');
    const s = await call('/uploads/sign', { session: single.json.session, media: { md5: md5(small) } });
    assert.equal((await put(s.json.urls[0].url, small, s.json.urls[0].headers)).status, 200);
    assert.equal((await call('/uploads/complete', { session: single.json.session })).status, 200);
  });

  it('serves the media routes with SIGNER_MEDIA_API=1: list, status, update, cover, delete', async () => {
    const get = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      transcript.push(`${res.status}\n\n${text}`);
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    };
    const list = await get('/media?pageSize=100');
    assert.equal(list.status, 200, JSON.stringify(list.json));
    assert.ok(list.json.data.length >= 1 && list.json.pagination.itemsTotal === list.json.data.length);
    const video = list.json.data[0];
    assert.match(video.fileId, /^\d+$/);
    const status = await get(`/media/${video.fileId}/status`);
    assert.deepEqual([status.status, status.json.status, status.json.encoding.playable], [200, 'ready', true]);
    const patched = await get(`/media/${video.fileId}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Loopback', tags: ['demo'] }) });
    assert.deepEqual([patched.status, patched.json.title, patched.json.tags], [200, 'Loopback', ['demo']]);
    const png = new Uint8Array(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));
    const covered = await get(`/media/${video.fileId}/cover`, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: png });
    assert.equal(covered.status, 200, JSON.stringify(covered.json));
    assert.deepEqual(new Uint8Array(await (await fetch(covered.json.coverUrl, { signal: AbortSignal.timeout(10_000) })).arrayBuffer()), png);
    assert.equal((await get(`/media/${video.fileId}`, { method: 'DELETE' })).status, 204);
    assert.equal((await get(`/media/${video.fileId}`)).json.error.code, 'not_found');
  });

  it('runs VOD_PROCEDURE on every upload: the media is processing until the emulator ends the task flow', async () => {
    const { child, info } = await launch(SIGNER_BIN, [], {
      VOD_SECRET_ID: emu.secretId!,
      VOD_SECRET_KEY: emu.secretKey!,
      VOD_ENDPOINT: emu.vodEndpoint!,
      VOD_COS_ENDPOINT: `http://${emu.cosDomain!}`,
      SIGNER_SESSION_SECRET: SESSION_SECRET,
      SIGNER_PORT: '0',
      SIGNER_RATE_LIMIT: 'off',
      SIGNER_MEDIA_API: 'read',
      VOD_PROCEDURE: 'LongVideoPreset',
    });
    try {
      const at = info.signer!;
      const post = async (path: string, body: unknown) =>
        (await fetch(`${at}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) })).json();
      const small = new Uint8Array(randomBytes(1000));
      // The client asks for no task flow (and may not choose one): the server's is forced.
      const created = await post('/uploads', { file: { name: 'flow.mp4', size: small.length }, options: { procedure: 'Other' } });
      assert.equal(created.error?.code, 'policy_option', 'a client may not pick the task flow');
      const single = await post('/uploads', { file: { name: 'flow.mp4', size: small.length } });
      const signed = await post('/uploads/sign', { session: single.session, media: { md5: createHash('md5').update(small).digest('base64') } });
      assert.equal((await put(signed.urls[0].url, small, signed.urls[0].headers)).status, 200);
      const done = await post('/uploads/complete', { session: single.session });
      const status = async () => (await (await fetch(`${at}/media/${done.fileId}/status`, { signal: AbortSignal.timeout(10_000) })).json()).status;
      assert.equal(await status(), 'processing');
      let last = '';
      for (let i = 0; i < 100 && last !== 'ready'; i++) {
        last = await status();
        if (last !== 'ready') await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(last, 'ready', 'the emulator ends the flow after 3 s');
    } finally {
      child.proc.kill('SIGTERM');
      await child.exited;
    }
  });

  it('answers errors in JSON', async () => {
    const res = await fetch(`${base}/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope', signal: AbortSignal.timeout(10_000) });
    assert.deepEqual([res.status, ((await res.json()) as { error: { code: string } }).error.code], [400, 'invalid_json']);
    const tampered = await call('/uploads/sign', { session: 'AQ' + 'x'.repeat(60), media: {} });
    assert.deepEqual([tampered.status, tampered.json.error.code], [401, 'session_invalid']);
  });

  it('shuts down gracefully on SIGTERM', async () => {
    signer.proc.kill('SIGTERM');
    assert.equal(await signer.exited, 0);
    await assert.rejects(fetch(`${root}/healthz`, { signal: AbortSignal.timeout(5000) }));
  });

  it('fails fast with a clear message on bad settings, and prints --help', async () => {
    const bad = await run(SIGNER_BIN, [], { VOD_SECRET_ID: 'x', VOD_SECRET_KEY: 'fake-key-value-xyz', SIGNER_SESSION_SECRET: SESSION_SECRET, SIGNER_PORT: 'eighty' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /SIGNER_PORT is malformed/);
    assert.ok(!bad.stderr.includes('fake-key-value-xyz') && !bad.stderr.includes(SESSION_SECRET));
    const help = await run(SIGNER_BIN, ['--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, /VOD_COS_ENDPOINT/);
  });
  it('no response carried the SecretKey or a TmpSecretKey', async () => {
    // The emulator writes its whole state (every credential it issued) when it stops.
    emulator.proc.kill('SIGTERM');
    assert.equal(await emulator.exited, 0);
    const state = readFileSync(join(dataDir, 'state.json'), 'utf8');
    const tmpKeys = [...state.matchAll(/"secretKey":\s*"([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(tmpKeys.length >= 2, `temporary keys found in the emulator state: ${tmpKeys.length}`);
    for (const text of transcript) {
      for (const secret of [emu.secretKey!, SESSION_SECRET, ...tmpKeys]) assert.ok(!text.includes(secret), 'a secret leaked');
    }
    assert.ok(!signer.stdout.includes(emu.secretKey!) && !signer.stderr.includes(emu.secretKey!), 'nor the logs');
  });
});
