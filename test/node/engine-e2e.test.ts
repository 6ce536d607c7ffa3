// The upload engine (@vod-uploader/core, Node entry) against the real signer (createSigner on @hono/node-server)
// and the emulator, all on loopback: multipart from a disk file, faults injected by the emulator, an expired
// URL, resume across "processes" with ListParts as the truth, instant upload, a stream, a cover.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import {
  type Clock,
  ErrorCode,
  type Transport,
  type TransportRequest,
  type Upload,
  type UploadInput,
  createFetchTransport,
  createMemoryResumeStore,
  createSignerClient,
  createUpload,
  systemClock,
} from '@vod-uploader/core';
import { createFileResumeStore, fileSource } from '@vod-uploader/core/node';
import { type RunningEmulator, startEmulator } from '@vod-uploader/emulator';
import { createSigner } from '@vod-uploader/signer';

const MIB = 1024 * 1024;
const SESSION_SECRET = 'engine-e2e-session-secret-0123456789abcdef';

let dir: string;
let emulator: RunningEmulator;
let server: Server;
let signerUrl: string;
let signerApp: ReturnType<typeof createSigner>;
/** Added to the emulator's clock (to make presigned URLs look expired). */
let skew = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engine-e2e-'));
  emulator = await startEmulator({ dataDir: join(dir, 'emulator'), port: 0, log: () => {}, rateLimit: 0, clock: () => Date.now() + skew });
  signerApp = createSigner({
    secretId: emulator.info.secretId,
    secretKey: emulator.info.secretKey,
    sessionSecret: SESSION_SECRET,
    vodEndpoint: emulator.info.vodEndpoint,
    cosEndpoint: `http://${emulator.info.cosDomain}`,
    rateLimit: false,
    policy: { singleThreshold: MIB },
    instant: { createHasher: () => {
      const h = createHash('sha1');
      return { update(data: Uint8Array) { h.update(data); return this; }, digest: () => new Uint8Array(h.digest()) };
    } },
  });
  const host = new Hono();
  host.route('/vod', signerApp);
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: host.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
  });
  signerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vod`;
});

after(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await signerApp?.idle();
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

let fileCount = 0;
function diskFile(size: number, name = 'clip.mp4'): { path: string; data: Buffer; sha1: string } {
  const data = randomBytes(size);
  const path = join(dir, `${fileCount++}-${name}`);
  writeFileSync(path, data);
  return { path, data, sha1: createHash('sha1').update(data).digest('hex') };
}

/** Retry waits are recorded and skipped; longer timers (deadlines) never fire. */
function instantClock(): Clock & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    now: () => Date.now(),
    setTimeout: (callback, ms) => (delays.push(ms), ms < 60_000 ? setTimeout(callback, 0) : undefined),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

function hooked(hooks: { before?: (r: TransportRequest) => void | Promise<void>; after?: (r: TransportRequest, status: number) => void }) {
  const inner = createFetchTransport(undefined, systemClock);
  const transport: Transport & { ok: number } = Object.assign(
    async (request: TransportRequest) => {
      await hooks.before?.(request);
      const response = await inner(request);
      if (response.status < 300) transport.ok++;
      hooks.after?.(request, response.status);
      return response;
    },
    { ok: 0 },
  );
  return transport;
}

function start(input: Omit<UploadInput, 'signer'>): { upload: Upload; clock: ReturnType<typeof instantClock> } {
  const clock = instantClock();
  const upload = createUpload({
    signer: createSignerClient({ url: signerUrl }),
    partSize: MIB,
    clock,
    resume: false,
    retry: { baseDelay: 10, maxDelay: 50 },
    ...input,
  });
  return { upload, clock };
}

const partNumberOf = (url: string) => Number(new URL(url).searchParams.get('partNumber'));
const stats = () => emulator.stats.snapshot();
const stored = () => stats().uploadPartsStored;

async function fetchMedia(url: string): Promise<Buffer> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

describe('engine → signer → emulator', () => {
  it('uploads a disk file in parts; the media served back is the same bytes', async () => {
    emulator.stats.reset();
    const file = diskFile(Math.round(6.5 * MIB));
    const { upload } = start({ file: fileSource(file.path), concurrency: 3 });
    const result = await upload.start();
    assert.match(result.fileId, /\S/);
    assert.equal(upload.state.status, 'done');
    assert.equal(upload.state.sha1, file.sha1);
    assert.deepEqual(stored(), { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1 });
    assert.ok((await fetchMedia(result.mediaUrl)).equals(file.data));
  });

  it('uploads a small file as one PUT', async () => {
    emulator.stats.reset();
    const file = diskFile(300_000, 'small.mp4');
    const { upload } = start({ file: fileSource(file.path) });
    const result = await upload.start();
    assert.equal(stats().ops.PutObject, 1);
    assert.ok((await fetchMedia(result.mediaUrl)).equals(file.data));
  });

  it('rides out 503s, a cut connection and a slow part injected by the emulator', async () => {
    emulator.stats.reset();
    const file = diskFile(5 * MIB);
    emulator.faults.add({ op: 'UploadPart', partNumber: 2, times: 2, action: { type: 'status', status: 503 } });
    emulator.faults.add({ op: 'UploadPart', partNumber: 3, times: 1, action: { type: 'cut' } });
    emulator.faults.add({ op: 'UploadPart', partNumber: 4, times: 1, action: { type: 'delay', ms: 50 } });
    const { upload } = start({ file: fileSource(file.path) });
    const codes = new Set<string>();
    upload.subscribe((s) => s.retry && codes.add(s.retry.code));
    const result = await upload.start();
    const s = stats();
    assert.equal(s.uploadParts[2], 3);
    assert.equal(s.uploadParts[3], 2);
    assert.deepEqual(s.uploadPartsStored, { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1 });
    assert.ok(codes.has(ErrorCode.CLOUD) && codes.has(ErrorCode.NETWORK), [...codes].join());
    assert.ok((await fetchMedia(result.mediaUrl)).equals(file.data));
  });

  it('honours Retry-After from storage', async () => {
    const file = diskFile(2 * MIB);
    emulator.faults.add({ op: 'UploadPart', partNumber: 1, times: 1, action: { type: 'status', status: 503, code: 'SlowDown', retryAfter: 3 } });
    const { upload, clock } = start({ file: fileSource(file.path) });
    await upload.start();
    assert.ok(clock.delays.includes(3000), `waits: ${clock.delays.join()}`);
  });

  it('re-signs a URL that storage says has expired', async () => {
    emulator.stats.reset();
    const file = diskFile(3 * MIB);
    let expiredOnce = false;
    const transport = hooked({
      before: (r) => {
        if (!expiredOnce && partNumberOf(r.url) === 2) {
          expiredOnce = true;
          skew = 11 * 60_000; // past the URL's 10 minutes
        }
      },
      after: () => {
        skew = 0;
      },
    });
    const { upload } = start({ file: fileSource(file.path), transport, concurrency: 1 });
    const expired: number[] = [];
    upload.subscribe((s) => s.retry?.code === ErrorCode.EXPIRED && expired.push(s.retry.partNumber!));
    const result = await upload.start();
    assert.deepEqual([...new Set(expired)], [2]);
    assert.equal(stats().uploadParts[2], 2);
    assert.ok((await fetchMedia(result.mediaUrl)).equals(file.data));
  });

  it('never retries a 4xx from storage and reports its cloud code and request id', async () => {
    emulator.stats.reset();
    const file = diskFile(2 * MIB);
    emulator.faults.add({ op: 'UploadPart', partNumber: 1, times: 1, action: { type: 'status', status: 403, code: 'AccessDenied', message: 'Access Denied.' } });
    // One part at a time: a part in flight beside the failing one could land in storage after this test ended
    // (the abort races the emulator's read of a loopback body) and count in the next test's stats.
    const { upload } = start({ file: fileSource(file.path), concurrency: 1 });
    await assert.rejects(upload.start(), (error: unknown) => {
      const e = error as { code: string; status: number; cloudCode: string; requestId?: string; retryable: boolean };
      assert.equal(e.code, ErrorCode.CLOUD);
      assert.equal(e.status, 403);
      assert.equal(e.cloudCode, 'AccessDenied');
      assert.equal(e.retryable, false);
      assert.ok(e.requestId);
      return true;
    });
    assert.equal(stats().uploadParts[1], 1);
    upload.cancel();
  });

  it('resumes in a new "process" from a file store: ListParts decides, finished parts are not sent again', async () => {
    emulator.stats.reset();
    const file = diskFile(Math.round(5.5 * MIB));
    const storeDir = join(dir, 'resume');
    let first!: Upload;
    const transport = hooked({ after: () => transport.ok === 3 && first.pause() });
    first = start({ file: fileSource(file.path), transport, concurrency: 1, resume: createFileResumeStore(storeDir) }).upload;
    void first.start();
    for (let i = 0; i < 500 && first.state.status !== 'paused'; i++) await new Promise((r) => setTimeout(r, 2));
    assert.equal(first.state.status, 'paused');
    assert.deepEqual(stored(), { 1: 1, 2: 1, 3: 1 });
    const applies = stats().ops.ApplyUpload;

    const second = start({ file: fileSource(file.path), concurrency: 2, resume: createFileResumeStore(storeDir) }).upload;
    const result = await second.start();
    assert.equal(second.state.resumed, true);
    assert.equal(stats().ops.ApplyUpload, applies, 'no new ApplyUpload');
    assert.ok((stats().ops.ListParts ?? 0) >= 1);
    assert.deepEqual(stored(), { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1 });
    assert.ok((await fetchMedia(result.mediaUrl)).equals(file.data));
  });

  it('is instant for a file the signer has verified, in both dedupe modes', async () => {
    const file = diskFile(3 * MIB);
    const first = await start({ file: fileSource(file.path) }).upload.start();
    await signerApp.idle(); // the background read-back that admits the SHA-1 to the index
    emulator.stats.reset();

    const before = start({ file: fileSource(file.path), dedupe: 'before' }).upload;
    assert.equal((await before.start()).fileId, first.fileId);
    assert.equal(before.state.instant, true);
    assert.equal(stats().ops.ApplyUpload ?? 0, 0);
    assert.equal(stats().ops.UploadPart ?? 0, 0);

    const parallel = start({ file: fileSource(file.path), concurrency: 1 }).upload;
    assert.equal((await parallel.start()).fileId, first.fileId);
    assert.equal(parallel.state.instant, true);
    assert.equal(stats().uploadParts[3], undefined, 'the last part is never sent');
    assert.ok((stats().ops.AbortMultipartUpload ?? 0) >= 1, 'the started session was aborted');
  });

  it('uploads a stream of unknown length part by part', async () => {
    emulator.stats.reset();
    const data = randomBytes(Math.round(2.7 * MIB));
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= data.length) return controller.close();
        const n = 70_000 + (at % 90_001);
        controller.enqueue(new Uint8Array(data.subarray(at, at + n)));
        at += n;
      },
    });
    const { upload } = start({ stream, name: 'live.webm', type: 'video/webm' });
    const result = await upload.start();
    assert.deepEqual(stored(), { 1: 1, 2: 1, 3: 1 });
    assert.equal(upload.state.bytesTotal, data.length);
    assert.ok((await fetchMedia(result.mediaUrl)).equals(data));
  });

  it('uploads a cover with the media', async () => {
    const file = diskFile(2 * MIB);
    const cover = new File([randomBytes(20_000)], 'poster.jpg', { type: 'image/jpeg' });
    const { upload } = start({ file: fileSource(file.path), cover });
    const result = await upload.start();
    assert.ok(result.coverUrl, 'a cover URL');
    assert.equal((await fetchMedia(result.coverUrl ?? '')).length, 20_000);
  });

  it('cancels: the multipart upload is aborted at storage', async () => {
    emulator.stats.reset();
    const file = diskFile(4 * MIB);
    const store = createMemoryResumeStore();
    let upload!: Upload;
    const transport = hooked({ after: () => transport.ok === 1 && upload.cancel() });
    upload = start({ file: fileSource(file.path), transport, concurrency: 1, resume: store }).upload;
    await assert.rejects(upload.start(), { code: ErrorCode.ABORTED });
    for (let i = 0; i < 500 && !stats().ops.AbortMultipartUpload; i++) await new Promise((r) => setTimeout(r, 2));
    assert.equal(stats().ops.AbortMultipartUpload, 1);
    for (let i = 0; i < 500 && store.size > 0; i++) await new Promise((r) => setTimeout(r, 2));
    assert.equal(store.size, 0, 'the resume record is gone');
  });
});
