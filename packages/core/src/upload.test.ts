import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createManualConnectivity } from './clock.ts';
import { ErrorCode, UploadError } from './errors.ts';
import { createNodeHasher } from './hash/node-hasher.ts';
import { createWasmHasher } from './hash/wasm-hasher.ts';
import { createFileResumeStore } from './resume-file.ts';
import { createMemoryResumeStore } from './resume.ts';
import { createSignerClient } from './signer-client.ts';
import { type FakeCloud, type FakeCloudOptions, startFakeCloud } from './testing/fake-cloud.ts';
import { MIB, countingHasher, eventually, hookedTransport, instantClock, randomFile, sha1hex, testPlatform } from './testing/helpers.ts';
import type { UploadSource } from './sources/source.ts';
import { Upload, type UploadInput } from './upload.ts';
import type { UploadPhase, UploadState } from './upload-state.ts';
import { createUploadGroup } from './group.ts';

let cloud: FakeCloud;

async function useCloud(options: FakeCloudOptions = {}): Promise<FakeCloud> {
  await cloud?.close();
  cloud = await startFakeCloud(options);
  return cloud;
}

after(async () => {
  await cloud?.close();
});

function upload(input: Omit<UploadInput, 'signer' | 'clock'> & { signer?: UploadInput['signer'] }, platform = testPlatform()) {
  const clock = instantClock();
  const u = new Upload(
    {
      signer: createSignerClient({ url: cloud.signerUrl }),
      partSize: MIB,
      clock,
      retry: { baseDelay: 10, maxDelay: 100 },
      ...input,
    },
    platform,
  );
  const states: UploadState[] = [];
  u.subscribe((s) => states.push(s));
  return { upload: u, states, clock, phases: () => [...new Set(states.map((s) => s.phase))] as UploadPhase[] };
}

const sessionOf = () => [...cloud.sessions.values()].at(-1)!;

describe('Upload: basics', () => {
  before(async () => {
    await useCloud({ singleThreshold: 2 * MIB });
  });

  it('uploads a small file with one PUT after hashing it first (single strategy)', async () => {
    const { file, data } = randomFile(300_000);
    const { upload: u, states, phases } = upload({ file });
    const result = await u.start();
    assert.match(result.fileId, /^\d+$/);
    assert.equal(cloud.stats.mediaPuts, 1);
    assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));
    assert.equal(cloud.stats.createCalls.at(-1)!.sha1, sha1hex(data), 'the SHA-1 is known before the session');
    assert.equal(cloud.stats.completeCalls.at(-1)!.sha1, sha1hex(data));
    assert.equal(cloud.stats.completeCalls.at(-1)!.parts, undefined);
    assert.deepEqual(phases(), ['pending', 'hashing', 'uploading', 'committing', 'uploaded']);
    const last = states.at(-1)!;
    assert.equal(last.status, 'done');
    assert.equal(last.percent, 100);
    assert.equal(last.bytesUploaded, data.length);
    assert.equal(last.sha1, sha1hex(data));
    assert.deepEqual(last.result, result);
    assert.doesNotThrow(() => JSON.stringify(last), 'the state is plain data');
    assert.equal(await u.start(), result, 'start() after done gives the same result');
  });

  it('sends a multi-MiB file below the single threshold as one PUT with Content-MD5', async () => {
    const { file, data } = randomFile(Math.round(1.5 * MIB));
    const { upload: u } = upload({ file });
    await u.start();
    assert.equal(cloud.stats.mediaPuts, 2);
    assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));
  });
});

describe('Upload: multipart', () => {
  beforeEach(async () => {
    await useCloud();
  });

  it('uploads parts concurrently, hashing in the same pass; a File is sent as slices, never held in memory', async () => {
    const { file, data } = randomFile(Math.round(5.5 * MIB));
    const hasher = countingHasher();
    const bodies: string[] = [];
    const transport = hookedTransport({ before: (r) => void bodies.push(r.body instanceof Blob ? 'blob' : 'bytes') });
    cloud.addFault({ op: 'part', times: 100, action: { type: 'delay', ms: 15 } });
    const { upload: u, states, phases } = upload({ file, concurrency: 2, hasher, transport });
    const result = await u.start();
    assert.ok(result.fileId);
    const session = sessionOf();
    assert.equal(session.parts.size, 6);
    assert.deepEqual(cloud.objectOf(session.id), Buffer.from(data));
    assert.deepEqual([...cloud.stats.partStored.values()], [1, 1, 1, 1, 1, 1], 'each part sent once');
    assert.ok(cloud.stats.maxConcurrentPuts <= 2, `in flight: ${cloud.stats.maxConcurrentPuts}`);
    assert.equal(hasher.parts, 6, 'each part read once');
    assert.equal(hasher.kept, 0, 'no part bytes handed back');
    assert.deepEqual([...new Set(bodies)], ['blob']);
    assert.ok(cloud.stats.signCalls.length < 6, `presigned in batches: ${cloud.stats.signCalls.length} sign calls`);
    assert.equal(cloud.stats.createCalls[0]!.sha1, undefined, 'dedupe: parallel does not wait for the hash');
    assert.equal(cloud.stats.completeCalls[0]!.sha1, sha1hex(data));
    assert.deepEqual(
      (cloud.stats.completeCalls[0]!.parts as { partNumber: number }[]).map((p) => p.partNumber),
      [1, 2, 3, 4, 5, 6],
    );
    assert.equal(cloud.stats.instantCalls, 1, 'the instant lookup ran once the hash was known');
    assert.deepEqual(phases(), ['pending', 'uploading', 'committing', 'uploaded']);
    const percents = states.map((s) => s.percent);
    assert.ok(percents.every((p, i) => i === 0 || p >= percents[i - 1]! || states[i]!.retry), 'progress does not go back');
    assert.ok(states.some((s) => s.partsInFlight === 2));
    assert.equal(states.at(-1)!.partsDone, 6);
    assert.equal(states.at(-1)!.bytesHashed, data.length);
  });

  it('holds at most (parts in flight + 1) parts of a source whose bytes are sent', async () => {
    const { data } = randomFile(Math.round(5.5 * MIB));
    const source: UploadSource = {
      name: 'bytes.mp4',
      size: data.length,
      type: 'video/mp4',
      lastModified: 1,
      input: async (start, end) => ({ bytes: data.slice(start, end) }),
    };
    const hasher = countingHasher();
    let maxOutstanding = 0;
    const transport = hookedTransport({
      before: () => {
        maxOutstanding = Math.max(maxOutstanding, hasher.kept - transport.succeeded);
      },
    });
    cloud.addFault({ op: 'part', times: 100, action: { type: 'delay', ms: 15 } });
    const { upload: u } = upload({ file: source, concurrency: 2, hasher, transport });
    await u.start();
    assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));
    assert.ok(maxOutstanding <= 3, `parts in memory: ${maxOutstanding}`);
    assert.equal(hasher.kept, 6, 'each part read once');
    assert.equal(cloud.stats.completeCalls[0]!.sha1, sha1hex(data));
  });

  it('signs Content-MD5 into every part and fails a part whose bytes do not match (BadDigest, no retry)', async () => {
    const { file } = randomFile(3 * MIB);
    let corrupted = false;
    const transport = hookedTransport({
      before: (request) => {
        if (corrupted || !request.url.includes('/part/2')) return;
        corrupted = true;
        const body = request.body as Blob; // a File's part goes as a slice of it
        return { ...request, body: new Blob([body.slice(1), body.slice(0, 1)]) }; // same size, other bytes
      },
    });
    const { upload: u, states } = upload({ file, transport, concurrency: 1 });
    await assert.rejects(u.start(), (error: unknown) => {
      assert.ok(error instanceof UploadError);
      assert.equal(error.code, ErrorCode.CLOUD);
      assert.equal(error.cloudCode, 'BadDigest');
      assert.equal(error.status, 400);
      assert.equal(error.retryable, false);
      assert.equal(error.partNumber, 2);
      assert.match(error.requestId ?? '', /^req-/);
      return true;
    });
    assert.equal(cloud.stats.partPuts.get(2), 1);
    assert.equal(states.at(-1)!.status, 'error');
    assert.equal(states.at(-1)!.error?.cloudCode, 'BadDigest');
    // Every signed part carried its MD5.
    for (const call of cloud.stats.signCalls) assert.ok(call.parts.length > 0);
  });

  it('retries a part after 503s and continues', async () => {
    const { file, data } = randomFile(4 * MIB);
    cloud.addFault({ op: 'part', partNumber: 3, times: 2, action: { type: 'status', status: 503 } });
    const { upload: u, states } = upload({ file });
    await u.start();
    assert.equal(cloud.stats.partPuts.get(3), 3);
    assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));
    const retries = states.filter((s) => s.retry).map((s) => s.retry!);
    assert.ok(retries.some((r) => r.partNumber === 3 && r.code === ErrorCode.CLOUD && r.attempt === 2));
    assert.equal(states.at(-1)!.retry, null);
  });

  it('retries after the connection is cut', async () => {
    const { file, data } = randomFile(3 * MIB);
    cloud.addFault({ op: 'part', partNumber: 2, times: 1, action: { type: 'cut' } });
    const { upload: u, states } = upload({ file });
    await u.start();
    assert.equal(cloud.stats.partPuts.get(2), 2);
    assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));
    assert.ok(states.some((s) => s.retry?.code === ErrorCode.NETWORK));
  });

  it('re-signs a URL that storage says has expired, without a backoff wait', async () => {
    const { file, data } = randomFile(3 * MIB);
    cloud.addFault({ op: 'part', partNumber: 2, times: 1, action: { type: 'expired' } });
    const { upload: u, clock } = upload({ file, concurrency: 1 });
    await u.start();
    const signedPart2 = cloud.stats.signCalls.filter((c) => c.parts.includes(2)).length;
    assert.equal(signedPart2, 2, 'part 2 was signed again');
    assert.equal(cloud.stats.partPuts.get(2), 2);
    assert.ok(!clock.delays.some((d) => d >= 10 && d <= 100), 'no backoff sleep');
    assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));
  });

  it('waits at least Retry-After after a 429', async () => {
    const { file } = randomFile(2 * MIB);
    cloud.addFault({ op: 'part', partNumber: 1, times: 1, action: { type: 'status', status: 429, code: 'SlowDown', headers: { 'retry-after': '2' } } });
    const { upload: u, clock } = upload({ file });
    await u.start();
    assert.ok(clock.delays.includes(2000), `waits: ${clock.delays}`);
    assert.equal(cloud.stats.partPuts.get(1), 2);
  });

  it('never retries other 4xx, keeps cloud code and request id, and continues on resume() without resending parts', async () => {
    const { file, data } = randomFile(4 * MIB);
    cloud.addFault({ op: 'part', partNumber: 3, times: 1, action: { type: 'status', status: 403, code: 'AccessDenied', message: 'Access Denied.' } });
    const { upload: u, states } = upload({ file, concurrency: 1 });
    const error = await u.start().then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof UploadError);
    assert.equal(error.code, ErrorCode.CLOUD);
    assert.equal(error.status, 403);
    assert.equal(error.cloudCode, 'AccessDenied');
    assert.equal(error.retryable, false);
    assert.ok(error.requestId);
    assert.equal(cloud.stats.partPuts.get(3), 1);
    assert.equal(u.state.status, 'error');
    const result = await u.resume();
    assert.ok(result.fileId);
    assert.equal(cloud.stats.partStored.get(1), 1);
    assert.equal(cloud.stats.partStored.get(2), 1);
    assert.equal(cloud.stats.partPuts.get(3), 2);
    assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));
    assert.equal(states.at(-1)!.error, null);
  });

  it('resume() called by a listener that sees the error starts a run of its own, whose promise settles with it', async () => {
    const { file, data } = randomFile(4 * MIB);
    cloud.addFault({ op: 'part', partNumber: 2, times: 1, action: { type: 'status', status: 403, code: 'AccessDenied', message: 'Access Denied.' } });
    const { upload: u } = upload({ file, concurrency: 1 });
    let again: Promise<unknown> | undefined;
    u.subscribe((s) => {
      if (s.status === 'error' && !again) again = u.resume().then((r) => r, (e: unknown) => e);
    });
    const first = await u.start().then(() => undefined, (e: unknown) => e);
    assert.ok(first instanceof UploadError && first.cloudCode === 'AccessDenied', 'the first run fails');
    const second = await again;
    assert.ok(second && typeof second === 'object' && 'fileId' in second, `the retry's own outcome: ${String(second)}`);
    assert.equal(u.state.status, 'done');
    assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));
  });

  it('recovers from a hash worker failure on resume(), hashing again from the start', async () => {
    const { file, data } = randomFile(4 * MIB);
    const inner = createWasmHasher();
    let failed = false;
    const hasher = {
      ...inner,
      begin: (key: string, state?: string) => inner.begin(key, state),
      part: async (...args: Parameters<typeof inner.part>) => {
        if (!failed && args[1] && 'blob' in args[1] && args[1].start === 2 * MIB) {
          failed = true;
          inner.end(args[0]); // the worker died and took the state with it
          throw new UploadError(ErrorCode.HASH, 'The hash worker failed.', { retryable: false });
        }
        return inner.part(...args);
      },
    };
    const { upload: u } = upload({ file, hasher, concurrency: 1 });
    await assert.rejects(u.start(), { code: ErrorCode.HASH });
    const result = await u.resume();
    assert.ok(result.fileId);
    assert.equal(cloud.stats.completeCalls.at(-1)!.sha1, sha1hex(data));
    assert.equal(cloud.stats.partStored.get(1), 1, 'finished parts are not sent again');
    assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));
  });

  it('gives up after the retry cap with a retryable error', async () => {
    const { file } = randomFile(2 * MIB);
    cloud.addFault({ op: 'part', partNumber: 1, times: 100, action: { type: 'status', status: 503 } });
    const { upload: u } = upload({ file, retry: { retries: 2, baseDelay: 1, maxDelay: 1 } });
    await assert.rejects(u.start(), { code: ErrorCode.CLOUD, status: 503, retryable: true });
    assert.equal(cloud.stats.partPuts.get(1), 3);
  });

  it('uploads a cover with the media', async () => {
    const { file } = randomFile(2 * MIB);
    const cover = new File([new Uint8Array(5000).fill(7)], 'cover.jpg', { type: 'image/jpeg' });
    const { upload: u } = upload({ file, cover });
    const result = await u.start();
    assert.equal(cloud.stats.coverPuts, 1);
    assert.ok(result.coverUrl);
    assert.deepEqual(cloud.stats.createCalls.at(-1)!.cover, { name: 'cover.jpg', size: 5000, type: 'image/jpeg' });
    assert.equal(sessionOf().cover?.length, 5000);
  });

  it('sends media options and waits for processing through the status route when asked', async () => {
    await useCloud({ processingPolls: 2 });
    const { file } = randomFile(2 * MIB);
    const { upload: u, states, phases } = upload({ file, media: { procedure: 'LongVideoPreset', classId: 3 }, processing: { interval: 10 } });
    await u.start();
    assert.deepEqual(cloud.stats.createCalls[0]!.options, { procedure: 'LongVideoPreset', classId: 3 });
    assert.equal(cloud.stats.statusCalls, 3);
    assert.deepEqual(phases().slice(-3), ['committing', 'processing', 'ready']);
    assert.equal(states.at(-1)!.processing, 'ready');
  });
});

describe('Upload: pause, resume, cancel, offline', () => {
  beforeEach(async () => {
    await useCloud();
  });

  it('pauses (nothing is sent while paused) and resumes to the end; start() resolves once', async () => {
    const { file, data } = randomFile(5 * MIB);
    let u!: Upload;
    const transport = hookedTransport({ after: () => transport.succeeded === 2 && u.pause() });
    const made = upload({ file, transport, concurrency: 1 });
    u = made.upload;
    const result = u.start();
    await eventually(() => u.state.status === 'paused');
    const puts = [...cloud.stats.partPuts.values()].reduce((a, b) => a + b, 0);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal([...cloud.stats.partPuts.values()].reduce((a, b) => a + b, 0), puts, 'nothing sent while paused');
    assert.equal(u.state.speed, 0);
    u.resume();
    const done = await result;
    assert.ok(done.fileId);
    assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));
    assert.equal(cloud.stats.partStored.get(1), 1);
    assert.equal(cloud.stats.partStored.get(2), 1);
    assert.equal(cloud.stats.createCalls.length, 1, 'the same session');
    assert.ok(made.states.some((s) => s.status === 'paused'));
  });

  it('cancels: rejects with ABORTED, aborts the session and forgets the resume state', async () => {
    const { file } = randomFile(5 * MIB);
    const store = createMemoryResumeStore();
    let u!: Upload;
    const transport = hookedTransport({ after: () => transport.succeeded === 2 && u.cancel() });
    u = upload({ file, transport, concurrency: 1, resume: store }).upload;
    await assert.rejects(u.start(), { code: ErrorCode.ABORTED });
    assert.equal(u.state.status, 'cancelled');
    await eventually(() => cloud.stats.abortCalls === 1);
    await eventually(() => store.size === 0);
    assert.ok(sessionOf().aborted);
    await assert.rejects(u.start(), { code: ErrorCode.ABORTED });
  });

  it('waits while offline and goes on when the network is back', async () => {
    const { file } = randomFile(2 * MIB);
    const connectivity = createManualConnectivity(false);
    const { upload: u } = upload({ file, connectivity });
    const result = u.start();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(u.state.offline, true);
    assert.equal(cloud.stats.createCalls.length, 0, 'nothing sent while offline');
    connectivity.set(true);
    assert.ok((await result).fileId);
    assert.equal(u.state.offline, false);
  });
});

describe('Upload: resume across processes', () => {
  let dir: string;
  beforeEach(async () => {
    await useCloud();
    dir = await mkdtemp(join(tmpdir(), 'core-upload-resume-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const [label, makeHasher] of [['hash-wasm (saved SHA-1 state)', createWasmHasher], ['node:crypto (re-reads the prefix)', createNodeHasher]] as const) {
    it(`continues from a file store after a crash without resending finished parts — ${label}`, async () => {
      const { file, data } = randomFile(Math.round(12.5 * MIB)) // more parts than are read ahead, so the SHA-1 is not known at the pause;
      let first!: Upload;
      const transport = hookedTransport({ after: () => transport.succeeded === 3 && first.pause() });
      first = upload({ file, transport, concurrency: 1, resume: createFileResumeStore(dir), hasher: makeHasher() }).upload;
      void first.start();
      await eventually(() => first.state.status === 'paused');
      // Wait for the record that lists the 3 parts (a crash could lose it: ListParts decides anyway).
      let files: string[] = [];
      let saved: { parts: unknown[]; hash?: { through: number } } = { parts: [] };
      for (let i = 0; i < 400 && saved.parts.length < 3; i++) {
        await new Promise((r) => setTimeout(r, 5));
        files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
        if (files.length === 1) saved = JSON.parse(await readFile(join(dir, files[0]!), 'utf8'));
      }
      assert.equal(files.length, 1);
      assert.equal(saved.parts.length, 3);
      assert.deepEqual([...cloud.stats.partStored.keys()].sort(), [1, 2, 3]);

      // A new process: new hasher, new Upload, same file and store.
      const hasher = countingHasher(makeHasher());
      const second = upload({ file, concurrency: 2, resume: createFileResumeStore(dir), hasher });
      const result = await second.upload.start();
      assert.ok(result.fileId);
      assert.equal(second.upload.state.resumed, true);
      assert.equal(cloud.stats.createCalls.length, 1, 'no new session');
      assert.equal(cloud.stats.listCalls, 1, 'ListParts was asked');
      for (const n of [1, 2, 3]) assert.equal(cloud.stats.partStored.get(n), 1, `part ${n} not sent again`);
      assert.equal(cloud.stats.partStored.size, 13);
      assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));
      assert.equal(cloud.stats.completeCalls.at(-1)!.sha1, sha1hex(data), 'the whole-file SHA-1 is right after resuming');
      if (label.startsWith('hash-wasm')) {
        assert.ok(saved.hash && saved.hash.through >= 2, 'the SHA-1 state was saved');
        assert.equal(hasher.sha1Parts, 13 - saved.hash.through, 'hashing went on from the saved state');
      } else {
        assert.equal(saved.hash, undefined);
        assert.equal(hasher.sha1Parts, 13, 'node:crypto re-reads the prefix');
      }
      assert.deepEqual(await readdir(dir), [], 'the record is removed on success');
    });
  }

  it('treats ListParts as the truth: a part storage lost is sent again', async () => {
    const { file, data } = randomFile(5 * MIB);
    const store = createMemoryResumeStore();
    let first!: Upload;
    const transport = hookedTransport({ after: () => transport.succeeded === 3 && first.pause() });
    first = upload({ file, transport, concurrency: 1, resume: store }).upload;
    void first.start();
    await eventually(() => first.state.status === 'paused');
    await eventually(() => store.size === 1);
    sessionOf().parts.delete(2);
    const second = upload({ file, resume: store });
    await second.upload.start();
    assert.equal(cloud.stats.partStored.get(1), 1);
    assert.equal(cloud.stats.partStored.get(2), 2);
    assert.equal(cloud.stats.partStored.get(3), 1);
    assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));
  });

  it('starts over when the signer no longer knows the saved session', async () => {
    const { file, data } = randomFile(3 * MIB);
    const store = createMemoryResumeStore();
    let first!: Upload;
    const transport = hookedTransport({ after: () => transport.succeeded === 1 && first.pause() });
    first = upload({ file, transport, concurrency: 1, resume: store }).upload;
    void first.start();
    await eventually(() => first.state.status === 'paused');
    await eventually(() => store.size === 1);
    sessionOf().aborted = true;
    const second = upload({ file, resume: store });
    await second.upload.start();
    assert.equal(second.upload.state.resumed, false);
    assert.equal(cloud.stats.createCalls.length, 2);
    assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));
  });
});

describe('Upload: instant upload', () => {
  beforeEach(async () => {
    await useCloud();
  });

  it('a small file known to the signer is not uploaded at all', async () => {
    const { file, data } = randomFile(200_000);
    cloud.instantIndex.set(`${sha1hex(data)}:${data.length}`, { fileId: 'known', mediaUrl: 'https://m/known', coverUrl: '' });
    const { upload: u, states } = upload({ file });
    const result = await u.start();
    assert.equal(result.fileId, 'known');
    assert.equal(cloud.stats.mediaPuts + cloud.stats.partPuts.size, 0);
    assert.equal(states.at(-1)!.instant, true);
    assert.equal(states.at(-1)!.status, 'done');
  });

  it("dedupe 'before' hashes a large file first, then asks", async () => {
    const { file, data } = randomFile(3 * MIB);
    cloud.instantIndex.set(`${sha1hex(data)}:${data.length}`, { fileId: 'known', mediaUrl: 'https://m/known', coverUrl: '' });
    const { upload: u, phases } = upload({ file, dedupe: 'before' });
    assert.equal((await u.start()).fileId, 'known');
    assert.equal(cloud.stats.createCalls[0]!.sha1, sha1hex(data));
    assert.equal(cloud.stats.partPuts.size, 0);
    assert.deepEqual(phases(), ['pending', 'hashing', 'uploaded']);
  });

  it("dedupe 'parallel' starts at once and stops when the hash matches", async () => {
    const { file, data } = randomFile(6 * MIB);
    cloud.instantIndex.set(`${sha1hex(data)}:${data.length}`, { fileId: 'known', mediaUrl: 'https://m/known', coverUrl: '' });
    cloud.addFault({ op: 'part', times: 100, action: { type: 'delay', ms: 20 } });
    const { upload: u, states } = upload({ file, concurrency: 1 });
    const result = await u.start();
    assert.equal(result.fileId, 'known');
    assert.equal(cloud.stats.createCalls[0]!.sha1, undefined);
    assert.ok(cloud.stats.partPuts.size >= 1, 'the upload had started');
    assert.equal(cloud.stats.partPuts.get(6), undefined, 'the last part is never sent');
    assert.equal(cloud.stats.instantCalls, 1);
    assert.equal(cloud.stats.completeCalls.length, 0);
    await eventually(() => cloud.stats.abortCalls === 1);
    assert.equal(states.at(-1)!.instant, true);
  });

  it("dedupe 'off' never asks and still sends the SHA-1 at commit", async () => {
    const { file, data } = randomFile(200_000);
    cloud.instantIndex.set(`${sha1hex(data)}:${data.length}`, { fileId: 'known', mediaUrl: 'https://m/known', coverUrl: '' });
    const { upload: u } = upload({ file, dedupe: 'off' });
    assert.notEqual((await u.start()).fileId, 'known');
    assert.equal(cloud.stats.createCalls[0]!.sha1, undefined);
    assert.equal(cloud.stats.completeCalls[0]!.sha1, sha1hex(data));
  });

  it('a completed upload with a verified SHA-1 makes the next one instant', async () => {
    const { file } = randomFile(2 * MIB);
    const first = await upload({ file }).upload.start();
    const total = () => [...cloud.stats.partPuts.values()].reduce((a, b) => a + b, 0);
    const puts = total();
    const again = upload({ file, dedupe: 'before' });
    assert.equal((await again.upload.start()).fileId, first.fileId);
    assert.equal(cloud.stats.createCalls.length, 2);
    assert.equal(total(), puts, 'nothing uploaded the second time');
  });
});

describe('Upload: streams of unknown length', () => {
  beforeEach(async () => {
    await useCloud();
  });

  function recorder(data: Uint8Array, delayEvery = 0): ReadableStream<Uint8Array> {
    let at = 0;
    let n = 0;
    return new ReadableStream({
      async pull(controller) {
        if (at >= data.length) return controller.close();
        const size = 1000 + ((n++ * 7919) % 150_000);
        if (delayEvery && n % delayEvery === 0) await new Promise((r) => setTimeout(r, 1));
        controller.enqueue(data.slice(at, at + size));
        at += size;
      },
    });
  }

  it('uploads parts as the stream fills; the end of the stream is the last part', async () => {
    const { data } = randomFile(Math.round(3.3 * MIB));
    // One part in flight: part 2 starts only after part 1 is stored, while the stream has not ended yet.
    const { upload: u, states } = upload({ stream: recorder(data, 5), name: 'live.webm', type: 'video/webm', concurrency: 1 });
    assert.equal(u.state.bytesTotal, null);
    const result = await u.start();
    assert.ok(result.fileId);
    assert.equal(cloud.stats.createCalls[0]!.stream, true);
    assert.deepEqual(cloud.stats.createCalls[0]!.file, { name: 'live.webm', type: 'video/webm' });
    const sizes = cloud.stats.signCalls.flatMap((c) => c.sizes);
    assert.ok(sizes.every((s) => typeof s === 'number'), 'each part is signed with its size');
    assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));
    assert.equal(sessionOf().parts.size, 4);
    assert.equal(cloud.stats.completeCalls[0]!.sha1, sha1hex(data));
    const last = states.at(-1)!;
    assert.equal(last.bytesTotal, data.length);
    assert.equal(last.partsTotal, 4);
    assert.equal(last.percent, 100);
    assert.ok(states.some((s) => s.bytesTotal === null && s.bytesUploaded > 0), 'progress while the total is unknown');
  });

  it('pauses and resumes a stream without losing bytes', async () => {
    const { data } = randomFile(Math.round(2.5 * MIB));
    let u!: Upload;
    const transport = hookedTransport({ after: () => transport.succeeded === 1 && u.pause() });
    u = upload({ stream: recorder(data), transport, concurrency: 1 }).upload;
    const result = u.start();
    await eventually(() => u.state.status === 'paused');
    u.resume();
    await result;
    assert.deepEqual(cloud.objectOf(sessionOf().id), Buffer.from(data));

  });

  it('fails an empty stream and ends its session', async () => {
    const empty = upload({ stream: new ReadableStream({ start: (c) => c.close() }) });
    await assert.rejects(empty.upload.start(), { code: ErrorCode.INVALID_FILE, retryable: false });
    assert.equal(cloud.stats.abortCalls, 1);
    assert.equal(cloud.stats.signCalls.length, 0);
  });
});

describe('UploadGroup', () => {
  before(async () => {
    await useCloud();
  });

  it('sums progress of several uploads and shares one concurrency limit', async () => {
    const group = createUploadGroup({ concurrency: 2 });
    const files = [randomFile(3 * MIB), randomFile(2 * MIB)];
    const uploads = files.map(({ file }) => upload({ file, pool: group.pool, concurrency: 4 }).upload);
    for (const u of uploads) group.add(u);
    const seen: number[] = [];
    group.subscribe((s) => seen.push(s.percent));
    assert.equal(group.state.bytesTotal, 5 * MIB);
    await group.startAll();
    assert.equal(group.state.done, 2);
    assert.equal(group.state.percent, 100);
    assert.ok(cloud.stats.maxConcurrentPuts <= 2);
    assert.ok(seen.some((p) => p > 0 && p < 100));
    group.remove(uploads[0]!);
    assert.equal(group.state.count, 1);
  });
});
