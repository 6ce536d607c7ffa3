import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createFaults, parseFaultRule } from './faults.ts';
import { applyUpload, bytes, cos, cosCode, emulatorWithUpload, MiB, servedUpload, vod, vodError, vodRaw } from './testing.ts';

describe('faults: rules', () => {
  it('matches op and part number, counts times, resets', () => {
    const f = createFaults();
    f.add({ op: 'UploadPart', partNumber: 2, times: 2, action: { type: 'delay', ms: 5 } });
    f.add({ op: 'UploadPart', action: { type: 'status', status: 503 } });
    assert.equal(f.take('PutObject'), undefined);
    assert.deepEqual(f.take('UploadPart', 2), { type: 'delay', ms: 5 });
    assert.deepEqual(f.take('UploadPart', 1), { type: 'status', status: 503, code: undefined, message: undefined, retryAfter: undefined });
    assert.equal(f.take('UploadPart', 1), undefined);
    assert.equal(f.list()[0]!.times, 1);
    f.reset();
    assert.equal(f.take('UploadPart', 2), undefined);
  });

  it('rejects malformed rules', () => {
    assert.equal(typeof parseFaultRule({ op: 'PutObject', action: { type: 'explode' } }), 'string');
    assert.equal(typeof parseFaultRule({ op: '', action: { type: 'delay', ms: 1 } }), 'string');
    assert.equal(typeof parseFaultRule({ op: 'PutObject', times: 0, action: { type: 'delay', ms: 1 } }), 'string');
    assert.equal(typeof parseFaultRule({ op: 'PutObject', action: { type: 'status', status: 42 } }), 'string');
    assert.throws(() => createFaults().add({ op: 'X', action: { type: 'delay', ms: -1 } }), TypeError);
  });
});

describe('faults: injected into requests (app.request)', () => {
  const t = emulatorWithUpload();

  it('status on a COS op: XML error with that status and code, Retry-After, then back to normal', async () => {
    t.emu.faults.add({ op: 'PutObject', action: { type: 'status', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.', retryAfter: 2 } });
    const res = await cos(t.emu, t.upload, { method: 'PUT', key: t.upload.key, body: bytes(100) });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '2');
    assert.ok(res.headers.get('x-cos-request-id'));
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const xml = await res.text();
    assert.match(xml, /<Code>SlowDown<\/Code><Message>Please reduce your request rate.<\/Message>/);
    // Nothing was stored, and the next request is normal.
    assert.equal((await cos(t.emu, t.upload, { method: 'HEAD', key: t.upload.key })).status, 404);
    assert.equal((await cos(t.emu, t.upload, { method: 'PUT', key: t.upload.key, body: bytes(100) })).status, 200);
  });

  it('status without a code uses the status’s usual code', async () => {
    t.emu.faults.add({ op: 'HeadObject', action: { type: 'status', status: 500 } });
    t.emu.faults.add({ op: 'GetObject', action: { type: 'status', status: 503 } });
    assert.equal((await cos(t.emu, t.upload, { method: 'HEAD', key: t.upload.key })).status, 500);
    assert.equal(await cosCode(await cos(t.emu, t.upload, { method: 'GET', key: t.upload.key })), 'ServiceUnavailable');
  });

  it('status on a VOD action: the cloud’s envelope with the code (HTTP 200 unless asked otherwise)', async () => {
    t.emu.faults.add({ op: 'ApplyUpload', times: 2, action: { type: 'status', status: 200, code: 'RequestLimitExceeded', message: 'slow down' } });
    assert.equal(await vodError(t.emu, 'ApplyUpload', { MediaType: 'mp4' }), 'RequestLimitExceeded');
    assert.equal(await vodError(t.emu, 'ApplyUpload', { MediaType: 'mp4' }), 'RequestLimitExceeded');
    await applyUpload(t.emu);
    t.emu.faults.add({ op: 'CommitUpload', action: { type: 'status', status: 500 } });
    const { res, response } = await vodRaw(t.emu, 'CommitUpload', { VodSessionKey: 'x' });
    assert.equal(res.status, 500);
    assert.equal(response.Error?.Code, 'InternalError');
  });

  it('status on media URLs (op Media) and on one UploadPart part number only', async () => {
    const u = await applyUpload(t.emu);
    await cos(t.emu, u, { method: 'PUT', key: u.key, body: bytes(10) });
    const commit = await vod<{ MediaUrl: string }>(t.emu, 'CommitUpload', { VodSessionKey: u.VodSessionKey });
    t.emu.faults.add({ op: 'Media', action: { type: 'status', status: 503 } });
    assert.equal((await t.emu.app.request(commit.MediaUrl)).status, 503);
    assert.equal((await t.emu.app.request(commit.MediaUrl)).status, 200);

    const mp = await applyUpload(t.emu);
    const init = await (await cos(t.emu, mp, { method: 'POST', key: mp.key, query: { uploads: '' } })).text();
    const uploadId = /<UploadId>([^<]+)</.exec(init)![1]!;
    t.emu.faults.add({ op: 'UploadPart', partNumber: 2, action: { type: 'status', status: 500 } });
    const part = (n: number) => cos(t.emu, mp, { method: 'PUT', key: mp.key, query: { partNumber: String(n), uploadId }, body: bytes(10, n) });
    assert.equal((await part(1)).status, 200);
    assert.equal((await part(2)).status, 500);
    assert.equal((await part(2)).status, 200);
  });

  it('delay holds the request, then handles it', async () => {
    t.emu.faults.add({ op: 'HeadObject', action: { type: 'delay', ms: 150 } });
    const started = performance.now();
    const res = await cos(t.emu, t.upload, { method: 'HEAD', key: t.upload.key });
    assert.equal(res.status, 200);
    assert.ok(performance.now() - started >= 140);
  });

  it('cut under app.request(): the response body fails, nothing is stored', async () => {
    const u = await applyUpload(t.emu);
    t.emu.faults.add({ op: 'PutObject', action: { type: 'cut', afterBytes: 1000 } });
    const res = await cos(t.emu, u, { method: 'PUT', key: u.key, body: bytes(5000) });
    await assert.rejects(res.arrayBuffer());
    assert.equal((await cos(t.emu, u, { method: 'HEAD', key: u.key })).status, 404);
  });
});

/** A raw HTTP request that resolves with the status, or with 'cut' when the connection drops. */
function raw(url: string, method: string, headers: Record<string, string>, body?: Uint8Array): Promise<number | 'cut'> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve('cut'));
    });
    req.on('error', () => resolve('cut'));
    req.setTimeout(10_000, () => req.destroy());
    if (body) {
      // Write in pieces so the server sees the body arrive over time.
      for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
    }
    req.end();
  });
}

describe('faults and stats over a real server', () => {
  const s = servedUpload('vod-emu-faults-');
  const { sign, url } = s;

  it('serves the info the CLI prints', () => {
    assert.match(s.emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(s.emu.info.vodEndpoint, s.emu.url);
    assert.equal(s.emu.info.cosDomain, `${s.host}/cos/{Bucket}`);
    assert.equal(s.emu.info.appId, '1250000000');
  });

  it('cut destroys the connection mid-body; the part is not stored; a retry succeeds', async () => {
    const init = await fetch(url('?uploads'), { method: 'POST', headers: await sign('POST', { uploads: '' }) });
    const uploadId = /<UploadId>([^<]+)</.exec(await init.text())![1]!;
    const q = { partNumber: '1', uploadId };
    const body = bytes(2 * MiB, 61);
    await fetch(`${s.emu.url}/__emulator/stats`, { method: 'DELETE' });
    const rule = { op: 'UploadPart', partNumber: 1, action: { type: 'cut', afterBytes: MiB } };
    assert.equal((await fetch(`${s.emu.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify(rule) })).status, 204);
    assert.equal(await raw(url(`?partNumber=1&uploadId=${uploadId}`), 'PUT', await sign('PUT', q), body), 'cut');
    const list = await fetch(url(`?uploadId=${uploadId}`), { headers: await sign('GET', { uploadId }) });
    assert.doesNotMatch(await list.text(), /<Part>/);
    assert.equal(await raw(url(`?partNumber=1&uploadId=${uploadId}`), 'PUT', await sign('PUT', q), body), 200);
    const stats = (await (await fetch(`${s.emu.url}/__emulator/stats`)).json()) as {
      ops: Record<string, number>;
      uploadParts: Record<string, number>;
      uploadPartsStored: Record<string, number>;
      uploadPartsByUpload: Record<string, Record<string, number>>;
      bytesReceived: number;
    };
    assert.equal(stats.ops.UploadPart, 2);
    assert.equal(stats.ops.ListParts, 1);
    assert.equal(stats.uploadParts['1'], 2);
    assert.equal(stats.uploadPartsStored['1'], 1);
    assert.deepEqual(stats.uploadPartsByUpload[uploadId], { '1': 2 });
    assert.ok(stats.bytesReceived >= 3 * MiB && stats.bytesReceived <= 3 * MiB + 128 * 1024, String(stats.bytesReceived));
  });

  it('cut without afterBytes: a PUT after half its body (nothing stored), a GET at once', async () => {
    assert.equal(await raw(url(), 'PUT', await sign('PUT'), bytes(1000)), 200);
    s.emu.stats.reset();
    s.emu.faults.add({ op: 'PutObject', action: { type: 'cut' } });
    assert.equal(await raw(url(), 'PUT', await sign('PUT'), bytes(MiB, 5)), 'cut');
    const received = s.emu.stats.snapshot().bytesReceived;
    assert.ok(received >= MiB / 2 && received < MiB, String(received));
    const head = await fetch(url(), { method: 'HEAD', headers: await sign('HEAD') });
    assert.equal(head.headers.get('content-length'), '1000');
    s.emu.faults.add({ op: 'GetObject', action: { type: 'cut' } });
    assert.equal(await raw(url(), 'GET', await sign('GET')), 'cut');
    assert.equal(await raw(url(), 'GET', await sign('GET')), 200);
  });

  it('cut on a VOD action drops the connection', async () => {
    s.emu.faults.add({ op: 'SearchMedia', action: { type: 'cut', afterBytes: 0 } });
    await assert.rejects(fetch(`${s.emu.url}/`, { method: 'POST', headers: { 'x-tc-action': 'SearchMedia' }, body: '{}' }));
  });

  it('control routes: add, list and reset faults over HTTP (CORS), reject bad rules, reset stats', async () => {
    const bad = await fetch(`${s.emu.url}/__emulator/faults`, { method: 'POST', body: '{"op":"PutObject","action":{"type":"nope"}}' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /type/);
    await fetch(`${s.emu.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ op: 'HeadObject', times: 3, action: { type: 'status', status: 503 } }) });
    const listed = (await (await fetch(`${s.emu.url}/__emulator/faults`)).json()) as Array<{ op: string; times: number }>;
    assert.deepEqual(listed.map((r) => [r.op, r.times]), [['HeadObject', 3]]);
    assert.equal(await raw(url(), 'HEAD', await sign('HEAD')), 503);
    const reset = await fetch(`${s.emu.url}/__emulator/faults`, { method: 'DELETE', headers: { origin: 'http://page.test' } });
    assert.equal(reset.status, 204);
    assert.equal(reset.headers.get('access-control-allow-origin'), 'http://page.test');
    assert.equal(await raw(url(), 'HEAD', await sign('HEAD')), 200);
    const pre = await fetch(`${s.emu.url}/__emulator/faults`, { method: 'OPTIONS', headers: { origin: 'http://page.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers.get('access-control-allow-headers'), 'content-type');
    await fetch(`${s.emu.url}/__emulator/stats`, { method: 'DELETE' });
    const stats = (await (await fetch(`${s.emu.url}/__emulator/stats`)).json()) as { ops: Record<string, number>; bytesReceived: number };
    assert.deepEqual(stats.ops, {});
    assert.equal(stats.bytesReceived, 0);
  });

  it('media URLs are served over HTTP with Range (as a <video> seeks)', async () => {
    const body = bytes(200_000, 70);
    assert.equal(await raw(url(), 'PUT', await sign('PUT'), body), 200);
    const { MediaUrl: mediaUrl } = await s.vod<{ MediaUrl: string }>('CommitUpload', { VodSessionKey: s.upload.VodSessionKey });
    assert.ok(mediaUrl.startsWith(`${s.emu.url}/media/`));
    const part = await fetch(mediaUrl, { headers: { range: 'bytes=150000-' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 150000-199999/200000');
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), body.subarray(150000));
  });
});
