import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MiB } from './policy.ts';
import { bytes, EMU, md5b64, PNG, SESSION_SECRET, setup, sha1hex, uploadThrough, type Harness } from './test-support.ts';
import { DEFAULT_SECRET_KEY } from '@vod-uploader/emulator';

/** Every harness of this file, for the final secret scan. */
const harnesses: Harness[] = [];
function harness(...args: Parameters<typeof setup>): Harness {
  const h = setup(...args);
  harnesses.push(h);
  return h;
}

const ops = (h: Harness) => h.emulator.stats.snapshot().ops;

describe('the whole flow', () => {
  let h: Harness;
  before(() => {
    h = harness();
  });
  after(() => h.close());

  it('uploads a small file with one PUT, and the media URL serves the bytes', async () => {
    const data = bytes(300 * 1024);
    const r = await uploadThrough(h, data);
    assert.equal(r.created.json.strategy, 'single');
    assert.equal(r.created.json.partCount, 1);
    assert.equal(r.created.json.partSize, data.length);
    assert.equal(r.created.json.mediaType, 'mp4');
    assert.equal(r.completed!.status, 200, r.completed!.text);
    const { fileId, mediaUrl, coverUrl, requestId } = r.completed!.json;
    assert.match(fileId, /^\d+$/);
    assert.ok(mediaUrl.startsWith(EMU));
    assert.equal(coverUrl, '');
    assert.ok(requestId);
    const served = await h.get(mediaUrl);
    assert.equal(served.status, 200);
    assert.deepEqual(new Uint8Array(await served.arrayBuffer()), data);
  });

  it('uploads a multipart file with per-part MD5 and a cover', async () => {
    const data = bytes(3 * MiB + 123);
    const r = await uploadThrough(h, data, { partSize: MiB, md5: true, cover: PNG });
    assert.equal(r.created.json.strategy, 'multipart');
    assert.equal(r.created.json.partSize, MiB);
    assert.equal(r.created.json.partCount, 4);
    assert.deepEqual(r.created.json.cover, { coverType: 'png' });
    assert.equal(r.completed!.status, 200, r.completed!.text);
    assert.ok(r.completed!.json.coverUrl.startsWith(EMU));
    const served = await h.get(r.completed!.json.mediaUrl);
    assert.deepEqual(new Uint8Array(await served.arrayBuffer()), data);
    const cover = await h.get(r.completed!.json.coverUrl);
    assert.deepEqual(new Uint8Array(await cover.arrayBuffer()), PNG);
  });

  it('uploads a multipart file without MD5 and without the client part list, single PUT with MD5 and cover', async () => {
    const data = bytes(2 * MiB + 1);
    const created = await h.post('/uploads', { file: { name: 'a.mp4', size: data.length }, partSize: MiB });
    const { session } = created.json;
    const signed = await h.post('/uploads/sign', { session, parts: [{ partNumber: 3 }, { partNumber: 1 }, { partNumber: 2 }] });
    assert.deepEqual(signed.json.urls.map((u: { partNumber: number }) => u.partNumber), [3, 1, 2]);
    for (const u of signed.json.urls) {
      assert.deepEqual(u.headers, {});
      assert.equal(u.method, 'PUT');
      assert.equal(u.target, 'part');
      const res = await h.put(u.url, data.subarray((u.partNumber - 1) * MiB, u.partNumber * MiB));
      assert.equal(res.status, 200);
    }
    const done = await h.post('/uploads/complete', { session });
    assert.equal(done.status, 200, done.text);

    const small = bytes(1000);
    const r = await uploadThrough(h, small, { md5: true, cover: PNG });
    assert.equal(r.completed!.status, 200, r.completed!.text);
    assert.ok(r.completed!.json.coverUrl);
  });

  it('completing twice returns the same result and commits once', async () => {
    const data = bytes(2 * MiB);
    const r = await uploadThrough(h, data, { partSize: MiB });
    const commits = ops(h).CommitUpload;
    const again = await h.post('/uploads/complete', { session: r.session });
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, r.completed!.json);
    assert.equal(ops(h).CommitUpload, commits);
    // Concurrent completes of a fresh session also commit once.
    const created = await h.post('/uploads', { file: { name: 'b.mp4', size: 1000 } });
    const signed = await h.post('/uploads/sign', { session: created.json.session, media: {} });
    await h.put(signed.json.urls[0].url, bytes(1000));
    const before = ops(h).CommitUpload ?? 0;
    const [a, b] = await Promise.all([1, 2].map(() => h.post('/uploads/complete', { session: created.json.session })));
    assert.equal(a!.status, 200);
    assert.deepEqual(a!.json, b!.json);
    assert.equal(ops(h).CommitUpload, before + 1);
  });

  it('lists the parts storage has (resume source of truth), single and multipart', async () => {
    const data = bytes(3 * MiB);
    const created = await h.post('/uploads', { file: { name: 'r.mp4', size: data.length }, partSize: MiB });
    const session = created.json.session;
    assert.deepEqual((await h.post('/uploads/parts', { session })).json, { parts: [] });
    const signed = await h.post('/uploads/sign', { session, parts: [{ partNumber: 2 }] });
    const put = await h.put(signed.json.urls[0].url, data.subarray(MiB, 2 * MiB));
    const listed = await h.post('/uploads/parts', { session });
    assert.deepEqual(listed.json, { parts: [{ partNumber: 2, etag: put.headers.get('etag'), size: MiB }] });

    const single = await h.post('/uploads', { file: { name: 's.mp4', size: 10 } });
    assert.deepEqual((await h.post('/uploads/parts', { session: single.json.session })).json, { parts: [] });
    const s = await h.post('/uploads/sign', { session: single.json.session, media: {} });
    const p = await h.put(s.json.urls[0].url, bytes(10));
    assert.deepEqual((await h.post('/uploads/parts', { session: single.json.session })).json, {
      parts: [{ partNumber: 1, etag: p.headers.get('etag'), size: 10 }],
    });
  });

  it('aborts a multipart upload; complete afterwards fails with upload_not_found', async () => {
    const created = await h.post('/uploads', { file: { name: 'x.mp4', size: 3 * MiB }, partSize: MiB });
    const session = created.json.session;
    const aborted = await h.post('/uploads/abort', { session });
    assert.deepEqual([aborted.status, aborted.json], [200, { aborted: true }]);
    assert.equal(ops(h).AbortMultipartUpload, 1);
    assert.deepEqual((await h.post('/uploads/abort', { session })).json, { aborted: true }, 'idempotent');
    const done = await h.post('/uploads/complete', { session });
    assert.equal(done.status, 404);
    assert.equal(done.json.error.code, 'upload_not_found');
  });

  it('refuses to abort a completed upload', async () => {
    const r = await uploadThrough(h, bytes(100));
    const res = await h.post('/uploads/abort', { session: r.session });
    assert.equal(res.status, 409);
    assert.equal(res.json.error.code, 'session_completed');
  });

  it('uploads a stream of unknown size (progressive)', async () => {
    const created = await h.post('/uploads', { file: { name: 'rec.webm', type: 'video/webm' }, stream: true, partSize: MiB });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.json.strategy, 'multipart');
    assert.equal(created.json.partCount, null);
    assert.equal(created.json.partSize, MiB);
    const session = created.json.session;
    const chunks = [bytes(MiB), bytes(MiB), bytes(5000)];
    const noSize = await h.post('/uploads/sign', { session, parts: [{ partNumber: 1 }] });
    assert.equal(noSize.json.error.code, 'invalid_request');
    const tooBig = await h.post('/uploads/sign', { session, parts: [{ partNumber: 1, size: MiB + 1 }] });
    assert.equal(tooBig.json.error.code, 'part_size');
    for (const [i, chunk] of chunks.entries()) {
      const signed = await h.post('/uploads/sign', { session, parts: [{ partNumber: i + 1, size: chunk.length, md5: md5b64(chunk) }] });
      const res = await h.put(signed.json.urls[0].url, chunk, signed.json.urls[0].headers);
      assert.equal(res.status, 200, await res.clone().text());
    }
    const all = new Uint8Array(2 * MiB + 5000);
    chunks.reduce((off, c) => (all.set(c, off), off + c.length), 0);
    const done = await h.post('/uploads/complete', { session, sha1: sha1hex(all) });
    assert.equal(done.status, 200, done.text);
    const served = await h.get(done.json.mediaUrl);
    assert.deepEqual(new Uint8Array(await served.arrayBuffer()), all);
  });
});

describe('what storage enforces through the signed URLs', () => {
  let h: Harness;
  before(() => {
    h = harness();
  });
  after(() => h.close());

  it('rejects a corrupted part when its MD5 was signed in', async () => {
    const data = bytes(2 * MiB);
    const created = await h.post('/uploads', { file: { name: 'a.mp4', size: data.length }, partSize: MiB });
    const part = data.subarray(0, MiB);
    const signed = await h.post('/uploads/sign', { session: created.json.session, parts: [{ partNumber: 1, md5: md5b64(part) }] });
    assert.deepEqual(signed.json.urls[0].headers, { 'Content-MD5': md5b64(part) });
    const corrupted = new Uint8Array(part);
    corrupted[100]! ^= 1;
    const bad = await h.put(signed.json.urls[0].url, corrupted, signed.json.urls[0].headers);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /BadDigest/);
    const noHeader = await h.put(signed.json.urls[0].url, part);
    assert.equal(noHeader.status, 403, 'Content-MD5 is part of the signature');
    assert.equal((await h.put(signed.json.urls[0].url, part, signed.json.urls[0].headers)).status, 200);
  });

  it('pins the byte count: a URL cannot carry more (or fewer) bytes than planned', async () => {
    const created = await h.post('/uploads', { file: { name: 'a.mp4', size: 2 * MiB + 10 }, partSize: MiB });
    const signed = await h.post('/uploads/sign', { session: created.json.session, parts: [{ partNumber: 3 }, { partNumber: 1 }] });
    const [last, first] = signed.json.urls;
    assert.equal((await h.put(first.url, bytes(MiB + 1))).status, 403);
    assert.equal((await h.put(last.url, bytes(11))).status, 403);
    assert.equal((await h.put(last.url, bytes(10))).status, 200);
    const single = await h.post('/uploads', { file: { name: 'a.mp4', size: 100 } });
    const s = await h.post('/uploads/sign', { session: single.json.session, media: {} });
    assert.equal((await h.put(s.json.urls[0].url, bytes(5000))).status, 403);
  });

  it('signs only the session key: the URL does not work for another key or upload', async () => {
    const a = await h.post('/uploads', { file: { name: 'a.mp4', size: 100 } });
    const b = await h.post('/uploads', { file: { name: 'b.mp4', size: 100 } });
    const sa = await h.post('/uploads/sign', { session: a.json.session, media: {} });
    const sb = await h.post('/uploads/sign', { session: b.json.session, media: {} });
    const urlA = new URL(sa.json.urls[0].url);
    const urlB = new URL(sb.json.urls[0].url);
    // A's signature on B's key path.
    const forged = `${urlB.origin}${urlB.pathname}${urlA.search}`;
    assert.equal((await h.put(forged, bytes(100))).status, 403);
    // A's URL for a part number the session never planned.
    const m = await h.post('/uploads', { file: { name: 'm.mp4', size: 2 * MiB }, partSize: MiB });
    const sm = await h.post('/uploads/sign', { session: m.json.session, parts: [{ partNumber: 2 }] });
    const moved = sm.json.urls[0].url.replace('partNumber=2', 'partNumber=3');
    assert.equal((await h.put(moved, bytes(MiB))).status, 403);
  });
});

describe('sessions', () => {
  let h: Harness;
  let clock = Date.now();
  before(() => {
    h = harness({ now: () => clock, sessionTtlSeconds: 3600, urlTtlSeconds: 600 });
  });
  after(() => h.close());

  const code = (r: { status: number; json: { error?: { code: string } } }) => `${r.status} ${r.json.error?.code}`;

  it('refuses tampered sessions with 401 session_invalid', async () => {
    const created = await h.post('/uploads', { file: { name: 'a.mp4', size: 100 } });
    const s: string = created.json.session;
    const tampered = s.slice(0, 30) + (s[30] === 'A' ? 'B' : 'A') + s.slice(31);
    assert.equal(code(await h.post('/uploads/sign', { session: tampered, media: {} })), '401 session_invalid');
    assert.equal(code(await h.post('/uploads/complete', { session: s.slice(0, -2) })), '401 session_invalid');
    assert.equal(code(await h.post('/uploads/parts', { session: 'hello' })), '401 session_invalid');
  });

  it('refuses expired sessions with 401 session_expired, and caps URL lifetimes', async () => {
    const created = await h.post('/uploads', { file: { name: 'a.mp4', size: 100 } });
    const expiresAt = Date.parse(created.json.expiresAt);
    assert.ok(expiresAt <= clock + 3600_000 + 1000 && expiresAt > clock, created.json.expiresAt);
    const signed = await h.post('/uploads/sign', { session: created.json.session, media: {} });
    const urlExpiry = Date.parse(signed.json.urls[0].expiresAt);
    assert.ok(urlExpiry - clock <= 600_000 && urlExpiry - clock > 590_000);
    const keyTime = new URL(signed.json.urls[0].url).searchParams.get('q-key-time')!;
    assert.equal(Number(keyTime.split(';')[1]) * 1000, urlExpiry);
    clock += 3600_000 - 60_000; // one minute left: URLs end with the session
    const late = await h.post('/uploads/sign', { session: created.json.session, media: {} });
    assert.ok(Date.parse(late.json.urls[0].expiresAt) <= expiresAt);
    clock += 61_000;
    assert.equal(code(await h.post('/uploads/sign', { session: created.json.session, media: {} })), '401 session_expired');
    clock = Date.now();
  });

  it('refuses foreign sessions: another signer secret, another scope', async () => {
    const other = harness({ sessionSecret: 'another-secret-of-another-signer-xyz' });
    const foreign = await other.post('/uploads', { file: { name: 'a.mp4', size: 100 } });
    assert.equal(code(await h.post('/uploads/sign', { session: foreign.json.session, media: {} })), '401 session_invalid');
    await other.close();

    const scoped = harness({ authorize: (c) => ({ scope: c.req.header('x-user') ?? 'anon' }) });
    const mine = await scoped.post('/uploads', { file: { name: 'a.mp4', size: 100 } }, { 'x-user': 'alice' });
    assert.equal(code(await scoped.post('/uploads/sign', { session: mine.json.session, media: {} }, { 'x-user': 'bob' })), '401 session_scope');
    assert.equal((await scoped.post('/uploads/sign', { session: mine.json.session, media: {} }, { 'x-user': 'alice' })).status, 200);
    await scoped.close();
  });

  it('never outlives the temporary credential', async () => {
    const short = harness({}, { credentialTtl: 300 });
    const created = await short.post('/uploads', { file: { name: 'a.mp4', size: 100 } });
    assert.ok(Date.parse(created.json.expiresAt) <= Date.now() + 300_000 + 1000);
    const signed = await short.post('/uploads/sign', { session: created.json.session, media: {} });
    assert.ok(Date.parse(signed.json.urls[0].expiresAt) <= Date.now() + 300_000 + 1000);
    await short.close();
  });

  it('continues a session on another signer instance with the same secret (no server memory)', async () => {
    const b = h.fork();
    const data = bytes(2 * MiB);
    const created = await h.post('/uploads', { file: { name: 'a.mp4', size: data.length }, partSize: MiB });
    const signed = await b.post('/uploads/sign', { session: created.json.session, parts: [{ partNumber: 1 }, { partNumber: 2 }] });
    assert.equal(signed.status, 200);
    for (const u of signed.json.urls) assert.equal((await h.put(u.url, data.subarray((u.partNumber - 1) * MiB, u.partNumber * MiB))).status, 200);
    const listed = await h.post('/uploads/parts', { session: created.json.session });
    assert.equal(listed.json.parts.length, 2);
    const done = await b.post('/uploads/complete', { session: created.json.session });
    assert.equal(done.status, 200, done.text);
    assert.deepEqual(new Uint8Array(await (await h.get(done.json.mediaUrl)).arrayBuffer()), data);
  });
});

describe('validation and policy', () => {
  let h: Harness;
  before(() => {
    h = harness({
      policy: { maxSize: 100 * MiB, maxCoverSize: 1000, forced: { procedure: 'ForcedFlow' }, clientOptions: ['mediaName', 'classId', 'sourceContext'] },
    });
  });
  after(() => h.close());

  const err = async (path: string, body: unknown) => {
    const r = await h.post(path, body);
    return `${r.status} ${r.json?.error?.code}`;
  };

  it('derives MediaType from extension and MIME type (iPhone .MOV as video/quicktime)', async () => {
    const r = await h.post('/uploads', { file: { name: 'IMG_0001.MOV', size: 100, type: 'video/quicktime' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.mediaType, 'mov');
    const noExt = await h.post('/uploads', { file: { name: 'recording', size: 100, type: 'video/webm' } });
    assert.equal(noExt.json.mediaType, 'webm');
  });

  it('refuses sizes and types outside the policy', async () => {
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 100 * MiB + 1 } }), '413 policy_size');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 0 } }), '413 policy_size');
    assert.equal(await err('/uploads', { file: { name: 'a.exe', size: 10, type: 'application/x-msdownload' } }), '415 policy_type');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 10, type: 'text/html' } }), '415 policy_type');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 10 }, cover: { name: 'c.png', size: 1001 } }), '413 policy_size');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 10 }, cover: { name: 'c.svg', size: 10, type: 'image/svg+xml' } }), '415 policy_type');
  });

  it('refuses options the policy does not let clients set; applies forced ones', async () => {
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 10 }, options: { procedure: 'Mine' } }), '403 policy_option');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 10 }, options: { subAppId: 1250000000 } }), '403 policy_option');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 10 }, options: { storageRegion: 'ap-chongqing' } }), '403 policy_option');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 10 }, options: { classId: 'x' } }), '400 invalid_request');
    const ok = await uploadThrough(h, bytes(10), { name: 'a.mp4', sha1: null });
    assert.equal(ok.completed!.status, 200);
    const session = Object.values(h.emulator.core.store.state.sessions).at(-1)!;
    assert.equal(session.procedure, 'ForcedFlow');
    const withContext = await h.post('/uploads', { file: { name: 'a.mp4', size: 10 }, options: { sourceContext: 'ctx', classId: 0, mediaName: 'Named' } });
    assert.equal(withContext.status, 200, withContext.text);
    const s2 = Object.values(h.emulator.core.store.state.sessions).at(-1)!;
    assert.deepEqual([s2.sourceContext, s2.mediaName, s2.procedure], ['ctx', 'Named', 'ForcedFlow']);
  });

  it('cleans file names: ../, control characters, 300-byte and non-ASCII names', async () => {
    const latest = () => Object.values(h.emulator.core.store.state.sessions).at(-1)!;
    assert.equal((await h.post('/uploads', { file: { name: '../../etc/passwd.mp4', size: 10 } })).status, 200);
    assert.equal(latest().mediaName, 'passwd');
    assert.equal((await h.post('/uploads', { file: { name: 'bad\u0000na\u001bme\r\n.mp4', size: 10 } })).status, 200);
    assert.equal(latest().mediaName, 'badname');
    const long = `${'长'.repeat(100)}.mp4`; // 304 bytes
    assert.equal((await h.post('/uploads', { file: { name: long, size: 10 } })).status, 200);
    assert.equal(latest().mediaName, '长'.repeat(38)); // 114 bytes: the name with ".mp4" fits in 120
    assert.equal((await h.post('/uploads', { file: { name: 'Vidéo été 🎬.mp4', size: 10 } })).status, 200);
    assert.equal(latest().mediaName, 'Vidéo été 🎬');
    assert.match(latest().mediaKey, /f0\.mp4$/, 'the storage key is VOD\'s, never the client name');
    assert.equal(await err('/uploads', { file: { name: '../..', size: 10 } }), '415 policy_type');
    assert.equal(await err('/uploads', { file: { name: 'x'.repeat(1025), size: 10 } }), '400 invalid_request');
  });

  it('validates every field', async () => {
    assert.equal(await err('/uploads', {}), '400 invalid_request');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4' } }), '400 invalid_request');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: -1 } }), '400 invalid_request');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 1.5 } }), '400 invalid_request');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: '10' } }), '400 invalid_request');
    assert.equal(await err('/uploads', { file: { name: 7, size: 10 } }), '400 invalid_request');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 10, owner: 'x' } }), '400 invalid_request');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 10 }, extra: 1 }), '400 invalid_request');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 10 }, sha1: 'ABC' }), '400 invalid_request');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 10 }, sha1: 'A'.repeat(40) }), '400 invalid_request');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 10 }, stream: true }), '400 invalid_request');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 10 }, stream: 'yes' }), '400 invalid_request');
    assert.equal(await err('/uploads', { file: { name: 'a.mp4', size: 10 }, partSize: 0 }), '400 invalid_request');
    assert.equal(await err('/uploads/sign', { media: {} }), '400 invalid_request');
  });

  it('refuses malformed JSON, wrong content types and oversized bodies', async () => {
    const bad = await h.raw('/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"file": ' });
    assert.deepEqual([bad.status, bad.json.error.code, bad.json.error.retryable], [400, 'invalid_json', false]);
    const arr = await h.raw('/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1]' });
    assert.equal(arr.json.error.code, 'invalid_request');
    const text = await h.raw('/uploads', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    assert.deepEqual([text.status, text.json.error.code], [415, 'unsupported_media_type']);
    const empty = await h.raw('/uploads', { method: 'POST', headers: { 'content-type': 'application/json' } });
    assert.equal(empty.json.error.code, 'invalid_json');
    const huge = JSON.stringify({ file: { name: 'a.mp4', size: 10 }, pad: 'x'.repeat(70 * 1024) });
    const big = await h.raw('/uploads', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(huge.length) }, body: huge });
    assert.deepEqual([big.status, big.json.error.code], [413, 'payload_too_large']);
    // Without Content-Length: counted while reading.
    const stream = new ReadableStream({
      start(ctl) {
        for (let i = 0; i < 80; i++) ctl.enqueue(new TextEncoder().encode('x'.repeat(1024)));
        ctl.close();
      },
    });
    const chunked = await h.raw('/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    assert.deepEqual([chunked.status, chunked.json.error.code], [413, 'payload_too_large']);
    const unknown = await h.raw('/uploads/nope', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.deepEqual([unknown.status, unknown.json.error.code], [404, 'not_found']);
  });

  it('signs only part numbers 1..partCount, and only the session\'s targets', async () => {
    const created = await h.post('/uploads', { file: { name: 'a.mp4', size: 3 * MiB }, partSize: MiB });
    const session = created.json.session;
    assert.equal(await err('/uploads/sign', { session, parts: [{ partNumber: 4 }] }), '400 part_out_of_range');
    assert.equal(await err('/uploads/sign', { session, parts: [{ partNumber: 0 }] }), '400 part_out_of_range');
    assert.equal(await err('/uploads/sign', { session, parts: [{ partNumber: -1 }] }), '400 part_out_of_range');
    assert.equal(await err('/uploads/sign', { session, parts: [{ partNumber: 1.5 }] }), '400 invalid_request');
    assert.equal(await err('/uploads/sign', { session, parts: [{ partNumber: 1 }, { partNumber: 1 }] }), '400 invalid_request');
    assert.equal(await err('/uploads/sign', { session, parts: [{ partNumber: 1, md5: 'nope' }] }), '400 invalid_request');
    assert.equal(await err('/uploads/sign', { session, parts: [{ partNumber: 3, size: 5 }] }), '400 part_size');
    assert.equal(await err('/uploads/sign', { session, media: {} }), '400 target_invalid');
    assert.equal(await err('/uploads/sign', { session, cover: {} }), '400 target_invalid');
    assert.equal(await err('/uploads/sign', { session, key: 'other/key.mp4', media: {} }), '400 invalid_request');
    assert.equal(await err('/uploads/sign', { session, parts: Array.from({ length: 101 }, (_, i) => ({ partNumber: i + 1 })) }), '400 invalid_request');
    const single = await h.post('/uploads', { file: { name: 'a.mp4', size: 10 } });
    assert.equal(await err('/uploads/sign', { session: single.json.session, parts: [{ partNumber: 1 }] }), '400 target_invalid');
  });

  it('checks the client part list against storage on complete', async () => {
    const data = bytes(2 * MiB + 5);
    const created = await h.post('/uploads', { file: { name: 'a.mp4', size: data.length }, partSize: MiB });
    const session = created.json.session;
    const signed = await h.post('/uploads/sign', { session, parts: [1, 2, 3].map((partNumber) => ({ partNumber })) });
    const etags = [];
    for (const u of signed.json.urls.slice(0, 2)) {
      const res = await h.put(u.url, data.subarray((u.partNumber - 1) * MiB, u.partNumber * MiB));
      etags.push({ partNumber: u.partNumber, etag: res.headers.get('etag')! });
    }
    const missing = await h.post('/uploads/complete', { session });
    assert.equal(missing.json.error.code, 'parts_mismatch');
    assert.match(missing.json.error.message, /missing part 3/);
    const res = await h.put(signed.json.urls[2].url, data.subarray(2 * MiB));
    etags.push({ partNumber: 3, etag: res.headers.get('etag')! });
    const wrongEtag = await h.post('/uploads/complete', { session, parts: [etags[0], etags[1], { partNumber: 3, etag: '"00000000000000000000000000000000"' }] });
    assert.deepEqual([wrongEtag.status, wrongEtag.json.error.code], [409, 'parts_mismatch']);
    const fewer = await h.post('/uploads/complete', { session, parts: etags.slice(0, 2) });
    assert.equal(fewer.json.error.code, 'parts_mismatch');
    assert.equal(ops(h).CompleteMultipartUpload ?? 0, 0, 'nothing completed on a mismatch');
    const commits = ops(h).CommitUpload ?? 0;
    const ok = await h.post('/uploads/complete', { session, parts: etags });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ops(h).CommitUpload, commits + 1);
  });

  it('refuses to complete a single PUT that never arrived', async () => {
    const single = await h.post('/uploads', { file: { name: 'a.mp4', size: 10 }, cover: { name: 'c.png', size: PNG.length } });
    const r = await h.post('/uploads/complete', { session: single.json.session });
    assert.deepEqual([r.status, r.json.error.code], [409, 'object_mismatch']);
    const s = await h.post('/uploads/sign', { session: single.json.session, media: {} });
    await h.put(s.json.urls[0].url, bytes(10));
    const noCover = await h.post('/uploads/complete', { session: single.json.session });
    assert.equal(noCover.json.error.code, 'object_mismatch');
    assert.match(noCover.json.error.message, /cover/);
  });
});

describe('instant upload', () => {
  let h: Harness;
  before(() => {
    h = harness();
  });
  after(() => h.close());

  it('misses, then hits once the stored bytes were verified', async () => {
    const data = bytes(2 * MiB + 7);
    const first = await uploadThrough(h, data, { partSize: MiB });
    assert.equal(first.created.json.instant, undefined, 'miss: nothing indexed yet');
    assert.equal(first.completed!.status, 200);
    await h.signer.idle();
    const applies = ops(h).ApplyUpload;
    const again = await h.post('/uploads', { file: { name: 'copy.mp4', size: data.length }, sha1: sha1hex(data) });
    assert.deepEqual(again.json, {
      instant: { fileId: first.completed!.json.fileId, mediaUrl: first.completed!.json.mediaUrl, coverUrl: '' },
    });
    assert.equal(ops(h).ApplyUpload, applies, 'no ApplyUpload for an instant upload');
    // The cheap pre-check without a session.
    const pre = await h.post('/uploads/instant', { sha1: sha1hex(data), size: data.length });
    assert.deepEqual(pre.json, again.json);
    assert.deepEqual((await h.post('/uploads/instant', { sha1: sha1hex(data), size: 5 })).json, { instant: null });
    assert.equal((await h.post('/uploads/instant', { sha1: 'nope', size: 5 })).json.error.code, 'invalid_request');
    // Same SHA-1, other size: miss.
    const other = await h.post('/uploads', { file: { name: 'copy.mp4', size: data.length + 1 }, sha1: sha1hex(data) });
    assert.ok(other.json.session);
    // With a new cover: a real upload.
    const withCover = await h.post('/uploads', { file: { name: 'c.mp4', size: data.length }, cover: { name: 'c.png', size: PNG.length }, sha1: sha1hex(data) });
    assert.ok(withCover.json.session);
  });

  it('is scoped: another scope misses', async () => {
    const scoped = harness({ authorize: (c) => ({ scope: c.req.header('x-user') ?? 'anon' }) });
    const data = bytes(1000);
    await scoped.post('/uploads', { file: { name: 'a.mp4', size: 1000 }, sha1: sha1hex(data) }, { 'x-user': 'alice' }).then(async (created) => {
      const s = await scoped.post('/uploads/sign', { session: created.json.session, media: {} }, { 'x-user': 'alice' });
      await scoped.put(s.json.urls[0].url, data);
      await scoped.post('/uploads/complete', { session: created.json.session }, { 'x-user': 'alice' });
    });
    await scoped.signer.idle();
    const alice = await scoped.post('/uploads', { file: { name: 'a.mp4', size: 1000 }, sha1: sha1hex(data) }, { 'x-user': 'alice' });
    assert.ok(alice.json.instant);
    const bob = await scoped.post('/uploads', { file: { name: 'a.mp4', size: 1000 }, sha1: sha1hex(data) }, { 'x-user': 'bob' });
    assert.ok(bob.json.session);
    await scoped.close();
  });

  it('never admits a claimed SHA-1 that does not match the stored bytes (poisoning)', async () => {
    const victim = bytes(5000); // someone else's file, whose SHA-1 the attacker knows
    const junk = bytes(5000);
    const attack = await uploadThrough(h, junk, { sha1: sha1hex(victim) });
    assert.equal(attack.completed!.status, 200);
    await h.signer.idle();
    const next = await h.post('/uploads', { file: { name: 'v.mp4', size: 5000 }, sha1: sha1hex(victim) });
    assert.equal(next.json.instant, undefined, 'the claim was not admitted');
    assert.deepEqual((await h.post('/uploads/instant', { sha1: sha1hex(victim), size: 5000 })).json, { instant: null });
    assert.ok(next.json.session);
    // The claim at complete time is checked the same way.
    const junk2 = bytes(5000);
    const created = await h.post('/uploads', { file: { name: 'j.mp4', size: 5000 } });
    const s = await h.post('/uploads/sign', { session: created.json.session, media: {} });
    await h.put(s.json.urls[0].url, junk2);
    await h.post('/uploads/complete', { session: created.json.session, sha1: sha1hex(victim) });
    await h.signer.idle();
    assert.equal((await h.post('/uploads', { file: { name: 'v.mp4', size: 5000 }, sha1: sha1hex(victim) })).json.instant, undefined);
  });

  it('drops an entry whose media was deleted', async () => {
    const data = bytes(800);
    const r = await uploadThrough(h, data);
    await h.signer.idle();
    assert.ok((await h.post('/uploads', { file: { name: 'a.mp4', size: 800 }, sha1: sha1hex(data) })).json.instant);
    const { createVodClient } = await import('@vod-uploader/tencent');
    const vod = createVodClient({ secretId: 'emulator-secret-id', secretKey: DEFAULT_SECRET_KEY, endpoint: EMU, fetch: async (i, init) => h.emulator.app.request(String(i), init) });
    await vod.deleteMedia({ FileId: r.completed!.json.fileId });
    assert.ok((await h.post('/uploads', { file: { name: 'a.mp4', size: 800 }, sha1: sha1hex(data) })).json.session);
  });
});

describe('rate limiting and upstream throttling', () => {
  it('limits per scope with 429 and Retry-After', async () => {
    const h = harness({ rateLimit: { capacity: 3, refillPerSecond: 0.5 }, authorize: (c) => ({ scope: c.req.header('x-user') ?? 'anon' }) });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await h.post('/uploads', { file: { name: 'a.mp4', size: 10 } }, { 'x-user': 'a' })).status);
    assert.deepEqual(codes, [200, 200, 200, 429]);
    const limited = await h.post('/uploads', { file: { name: 'a.mp4', size: 10 } }, { 'x-user': 'a' });
    assert.equal(limited.json.error.code, 'rate_limited');
    assert.equal(limited.json.error.retryable, true);
    assert.equal(limited.headers.get('retry-after'), '2');
    assert.equal((await h.post('/uploads', { file: { name: 'a.mp4', size: 10 } }, { 'x-user': 'b' })).status, 200, 'per scope');
    await h.close();
  });

  it('retries RequestLimitExceeded with backoff, then surfaces it as retryable with the RequestId', async () => {
    const h = harness({ retry: { retries: 2, baseDelayMs: 1 } });
    h.emulator.faults.add({ op: 'ApplyUpload', times: 2, action: { type: 'status', status: 200, code: 'RequestLimitExceeded' } });
    const ok = await h.post('/uploads', { file: { name: 'a.mp4', size: 10 } });
    assert.equal(ok.status, 200, 'two throttled attempts, then success');
    assert.equal(ops(h).ApplyUpload, 3);
    h.emulator.faults.add({ op: 'ApplyUpload', times: 5, action: { type: 'status', status: 200, code: 'RequestLimitExceeded' } });
    const failed = await h.post('/uploads', { file: { name: 'a.mp4', size: 10 } });
    assert.equal(failed.status, 503);
    assert.equal(failed.json.error.code, 'upstream');
    assert.equal(failed.json.error.retryable, true);
    assert.ok(failed.json.error.requestId);
    assert.equal(ops(h).ApplyUpload, 6);
    h.emulator.faults.reset();
    h.emulator.faults.add({ op: 'CommitUpload', action: { type: 'status', status: 200, code: 'InvalidParameterValue.VodSessionKey' } });
    const data = bytes(2 * MiB);
    const r = await uploadThrough(h, data, { partSize: MiB });
    assert.deepEqual([r.completed!.status, r.completed!.json.error.code, r.completed!.json.error.retryable], [502, 'upstream', false]);
    assert.ok(r.completed!.json.error.requestId);
    // The multipart upload was completed before CommitUpload failed: the retry finds the object and commits.
    const retried = await h.post('/uploads/complete', { session: r.session });
    assert.equal(retried.status, 200, 'a failed complete can be called again');
    assert.equal(ops(h).CompleteMultipartUpload, 1);
    assert.deepEqual(new Uint8Array(await (await h.get(retried.json.mediaUrl)).arrayBuffer()), data);
    await h.close();
  });

  it('completes once across instances sharing a store', async () => {
    const { MemoryStore } = await import('./store.ts');
    const store = new MemoryStore();
    const h = harness({ store });
    const b = h.fork({ store });
    const created = await h.post('/uploads', { file: { name: 'a.mp4', size: 100 } });
    const signed = await h.post('/uploads/sign', { session: created.json.session, media: {} });
    await h.put(signed.json.urls[0].url, bytes(100));
    h.emulator.faults.add({ op: 'CommitUpload', action: { type: 'delay', ms: 400 } });
    const [first, second] = await Promise.all([
      h.post('/uploads/complete', { session: created.json.session }),
      new Promise((r) => setTimeout(r, 100)).then(() => b.post('/uploads/complete', { session: created.json.session })),
    ]);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(second.json, first.json, 'the second instance waited for the first one\'s result');
    assert.equal(ops(h).CommitUpload, 1);
    await h.close();
  });
});

describe('authorize and CORS', () => {
  it('answers 401 when authorize refuses and 403 when it forbids', async () => {
    const { SignerError } = await import('./errors.ts');
    const h = harness({
      authorize: (c) => {
        const token = c.req.header('authorization');
        if (token === 'Bearer banned') throw new SignerError('forbidden', 'This account may not upload.');
        return token === 'Bearer good' ? { scope: 'user:1', limits: { maxSize: 50 } } : null;
      },
    });
    const none = await h.post('/uploads', { file: { name: 'a.mp4', size: 10 } });
    assert.deepEqual([none.status, none.json.error.code], [401, 'unauthorized']);
    const banned = await h.post('/uploads', { file: { name: 'a.mp4', size: 10 } }, { authorization: 'Bearer banned' });
    assert.deepEqual([banned.status, banned.json.error.code], [403, 'forbidden']);
    const good = await h.post('/uploads', { file: { name: 'a.mp4', size: 10 } }, { authorization: 'Bearer good' });
    assert.equal(good.status, 200);
    const over = await h.post('/uploads', { file: { name: 'a.mp4', size: 51 } }, { authorization: 'Bearer good' });
    assert.equal(over.json.error.code, 'policy_size', 'per-scope limits');
    await h.close();
  });

  it('scrubs secrets from error messages, and hides internal failures', async () => {
    const { SignerError } = await import('./errors.ts');
    const seen: unknown[] = [];
    const h = harness({
      authorize: (c) => {
        if (c.req.header('x-mode') === 'leak') throw new SignerError('forbidden', `denied for key ${DEFAULT_SECRET_KEY}`);
        if (c.req.header('x-mode') === 'bug') throw new TypeError(`bug near ${DEFAULT_SECRET_KEY}`);
        return { scope: 'x' };
      },
      onError: (e) => seen.push(e),
    });
    const leak = await h.post('/uploads', { file: { name: 'a.mp4', size: 10 } }, { 'x-mode': 'leak' });
    assert.equal(leak.json.error.message, 'denied for key ***');
    const bug = await h.post('/uploads', { file: { name: 'a.mp4', size: 10 } }, { 'x-mode': 'bug' });
    assert.deepEqual([bug.status, bug.json.error.code, bug.json.error.message], [500, 'internal', 'The signer failed unexpectedly.']);
    assert.equal(seen.length, 1, 'onError hears of 5xx only');
    await h.close();
  });

  it('answers CORS only for allowed origins', async () => {
    const h = harness({ corsOrigins: ['https://app.example'] });
    const pre = await h.raw('/uploads', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /content-type/i);
    const evil = await h.raw('/uploads', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const post = await h.post('/uploads', { file: { name: 'a.mp4', size: 10 } }, { origin: 'https://app.example' });
    assert.equal(post.headers.get('access-control-allow-origin'), 'https://app.example');
    await h.close();
    assert.throws(() => setup({ corsOrigins: ['app.example'] }), /not an origin/);
  });
});

describe('secrets never leave the server', () => {
  it('no response body or header of this suite carries SecretKey, TmpSecretKey or the session secret', () => {
    const secrets = new Set([DEFAULT_SECRET_KEY, SESSION_SECRET]);
    for (const h of harnesses) for (const k of h.tmpSecretKeys) secrets.add(k);
    const count = harnesses.reduce((n, h) => n + h.tmpSecretKeys.size, 0);
    assert.ok(count >= 20, `temporary keys were issued (${count})`);
    const responses = harnesses.flatMap((h) => h.transcript);
    assert.ok(responses.length >= 100, `responses scanned: ${responses.length}`);
    for (const text of responses) {
      for (const s of secrets) assert.ok(!text.includes(s), 'a secret leaked into a response');
    }
    // The token does reach the client (COS needs it), inside presigned URLs only.
    assert.ok(responses.some((t) => t.includes('x-cos-security-token=')));
  });
});
