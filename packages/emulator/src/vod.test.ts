import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signTc3, type CommitUploadResponse, type DescribeMediaInfosResponse, type ModifyMediaInfoResponse, type SearchMediaResponse } from '@vod-uploader/tencent';
import { applyUpload, bytes, cos, HOST, ORIGIN, testEmulator, vod, vodError, vodRaw, type TestEmulator } from './testing.ts';

/** Uploads the media (and cover) of a session with PUT Object and commits it. */
async function uploadAndCommit(emu: TestEmulator, params: Record<string, unknown> = { MediaType: 'mp4' }, body = bytes(1000)) {
  const upload = await applyUpload(emu, params);
  assert.equal((await cos(emu, upload, { method: 'PUT', key: upload.key, body })).status, 200);
  if (upload.coverKey) {
    assert.equal((await cos(emu, upload, { method: 'PUT', key: upload.coverKey, body: new Uint8Array([0xff, 0xd8, 0xff, 0xe0]) })).status, 200);
  }
  const commit = await vod<CommitUploadResponse>(emu, 'CommitUpload', { VodSessionKey: upload.VodSessionKey });
  return { upload, commit };
}

describe('VOD API: request checks and authentication', () => {
  let emu: TestEmulator;
  before(() => {
    emu = testEmulator();
  });
  after(() => emu.dispose());

  it('answers errors as HTTP 200 + Response.Error + RequestId (uuid)', async () => {
    const { res, json } = await vodRaw(emu, 'ApplyUpload', { MediaType: 'exe' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(Object.keys(json), ['Response']);
    assert.equal(json.Response.Error?.Code, 'InvalidParameterValue.MediaType');
    assert.match(json.Response.Error?.Message ?? '', /exe/);
    assert.match(json.Response.RequestId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives every success a fresh RequestId', async () => {
    const a = await vod(emu, 'SearchMedia', {});
    const b = await vod(emu, 'SearchMedia', {});
    assert.match(a.RequestId, /^[0-9a-f-]{36}$/);
    assert.notEqual(a.RequestId, b.RequestId);
  });

  it('rejects a wrong signature (SignatureFailure)', async () => {
    assert.equal(await vodError(emu, 'SearchMedia', {}, { secretKey: 'not-the-key' }), 'AuthFailure.SignatureFailure');
  });

  it('rejects a body changed after signing (SignatureFailure)', async () => {
    const ts = Math.floor(emu.clock.now / 1000);
    const sig = await signTc3({ secretId: 'emulator-secret-id', secretKey: 'emulator-secret-key', service: 'vod', host: HOST, timestamp: ts, body: '{"Limit":1}' });
    const headers = { host: HOST, 'content-type': 'application/json', 'x-tc-action': 'SearchMedia', 'x-tc-version': '2018-07-17', 'x-tc-timestamp': String(ts), authorization: sig.authorization };
    const ok = await emu.app.request(`${ORIGIN}/`, { method: 'POST', headers, body: '{"Limit":1}' });
    assert.equal(((await ok.json()) as { Response: { Error?: unknown } }).Response.Error, undefined);
    const tampered = await emu.app.request(`${ORIGIN}/`, { method: 'POST', headers, body: '{"Limit":2}' });
    assert.equal(((await tampered.json()) as { Response: { Error: { Code: string } } }).Response.Error.Code, 'AuthFailure.SignatureFailure');
  });

  it('accepts the scope service the SDK derives from 127.0.0.1 and a host with a port', async () => {
    const ts = Math.floor(emu.clock.now / 1000);
    const body = '{}';
    const sig = await signTc3({ secretId: 'emulator-secret-id', secretKey: 'emulator-secret-key', service: '127', host: HOST, timestamp: ts, body });
    const res = await emu.app.request(`${ORIGIN}/`, {
      method: 'POST',
      headers: { host: HOST, 'content-type': 'application/json', 'x-tc-action': 'SearchMedia', 'x-tc-version': '2018-07-17', 'x-tc-timestamp': String(ts), authorization: sig.authorization },
      body,
    });
    const json = (await res.json()) as { Response: { Error?: unknown; TotalCount?: number } };
    assert.equal(json.Response.Error, undefined);
    assert.equal(json.Response.TotalCount, 0);
  });

  it('rejects a timestamp more than 5 minutes off (SignatureExpire), accepts 4 minutes', async () => {
    const now = Math.floor(emu.clock.now / 1000);
    assert.equal(await vodError(emu, 'SearchMedia', {}, { timestamp: now - 301 }), 'AuthFailure.SignatureExpire');
    assert.equal(await vodError(emu, 'SearchMedia', {}, { timestamp: now + 400 }), 'AuthFailure.SignatureExpire');
    const { response } = await vodRaw(emu, 'SearchMedia', {}, { timestamp: now - 240 });
    assert.equal(response.Error, undefined);
  });

  it('rejects an unknown SecretId (SecretIdNotFound)', async () => {
    assert.equal(await vodError(emu, 'SearchMedia', {}, { secretId: 'someone-else' }), 'AuthFailure.SecretIdNotFound');
  });

  it('rejects a missing Authorization', async () => {
    const res = await emu.app.request(`${ORIGIN}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tc-action': 'SearchMedia', 'x-tc-version': '2018-07-17', 'x-tc-timestamp': String(Math.floor(emu.clock.now / 1000)) },
      body: '{}',
    });
    const json = (await res.json()) as { Response: { Error: { Code: string } } };
    assert.equal(json.Response.Error.Code, 'AuthFailure.SignatureFailure');
  });

  it('rejects an unknown action (InvalidAction), a missing action or version (MissingParameter), a wrong version', async () => {
    assert.equal(await vodError(emu, 'DescribeAllTheThings', {}), 'InvalidAction');
    assert.equal(await vodError(emu, null, {}), 'MissingParameter');
    assert.equal(await vodError(emu, 'SearchMedia', {}, { version: null }), 'MissingParameter');
    assert.equal(await vodError(emu, 'SearchMedia', {}, { version: '2017-01-01' }), 'NoSuchVersion');
  });

  it('rejects bad JSON (InvalidParameter), unknown members (UnknownParameter), wrong types, missing required', async () => {
    assert.equal(await vodError(emu, 'SearchMedia', {}, { rawBody: '{"Limit":' }), 'InvalidParameter');
    assert.equal(await vodError(emu, 'SearchMedia', {}, { rawBody: '[1,2]' }), 'InvalidParameter');
    assert.equal(await vodError(emu, 'SearchMedia', { Limit: 1, Colour: 'red' }), 'UnknownParameter');
    assert.equal(await vodError(emu, 'SearchMedia', { Limit: 'ten' }), 'InvalidParameter');
    assert.equal(await vodError(emu, 'ApplyUpload', {}), 'MissingParameter');
    assert.equal(await vodError(emu, 'CommitUpload', { SubAppId: 1 }), 'MissingParameter');
    // Null members count as absent, as the SDK strips them.
    const { response } = await vodRaw(emu, 'SearchMedia', { Limit: null });
    assert.equal(response.Error, undefined);
  });

  it('limits each action to the configured rate (RequestLimitExceeded), per action', async () => {
    const limited = testEmulator({ rateLimit: 3, pullEventsWaitMs: 0 });
    try {
      for (let i = 0; i < 3; i++) await vod(limited, 'SearchMedia', {});
      assert.equal(await vodError(limited, 'SearchMedia', {}), 'RequestLimitExceeded');
      // Another action has its own bucket.
      await vod(limited, 'PullEvents', {});
      // Tokens come back with time.
      limited.clock.now += 1000;
      await vod(limited, 'SearchMedia', {});
    } finally {
      await limited.dispose();
    }
  });
});

describe('VOD API: ApplyUpload', () => {
  let emu: TestEmulator;
  before(() => {
    emu = testEmulator();
  });
  after(() => emu.dispose());

  it('issues a bucket, paths, session key and a temporary credential', async () => {
    const before = Math.floor(emu.clock.now / 1000);
    const r = await applyUpload(emu, { MediaType: 'MP4', CoverType: 'JPG', MediaName: 'clip' });
    assert.match(r.StorageBucket, /^[a-z\d-]+-1250000000$/);
    assert.equal(r.StorageRegion, 'ap-guangzhou');
    assert.match(r.MediaStoragePath, /^\/.+\.mp4$/);
    assert.match(r.CoverStoragePath ?? '', /^\/.+\.jpg$/);
    assert.ok(r.VodSessionKey.length > 10);
    const cert = r.TempCertificate!;
    assert.ok(cert.SecretId && cert.SecretKey && cert.Token);
    assert.doesNotMatch(cert.SecretId, /AKID[A-Za-z0-9]{16,}/);
    assert.equal(cert.ExpiredTime, before + 3600);
    const other = await applyUpload(emu, { MediaType: 'mp4' });
    assert.notEqual(other.MediaStoragePath, r.MediaStoragePath);
    assert.notEqual(other.TempCertificate!.SecretId, cert.SecretId);
    assert.equal(other.CoverStoragePath, '');
  });

  it('uses credentialTtl and StorageRegion', async () => {
    const short = testEmulator({ credentialTtl: 60 });
    try {
      const r = await applyUpload(short, { MediaType: 'mp4', StorageRegion: 'ap-chongqing' });
      assert.equal(r.TempCertificate!.ExpiredTime, Math.floor(short.clock.now / 1000) + 60);
      assert.equal(r.StorageRegion, 'ap-chongqing');
      assert.equal(r.StorageBucket, 'vod-ap-chongqing-1250000000');
    } finally {
      await short.dispose();
    }
  });

  it('validates MediaType and CoverType against the extension lists, case-insensitively', async () => {
    for (const t of ['mp4', 'MOV', 'webm', 'mp3', 'Flac', 'm3u8', 'jpg']) await applyUpload(emu, { MediaType: t });
    assert.equal(await vodError(emu, 'ApplyUpload', { MediaType: 'exe' }), 'InvalidParameterValue.MediaType');
    assert.equal(await vodError(emu, 'ApplyUpload', { MediaType: '.mp4' }), 'InvalidParameterValue.MediaType');
    assert.equal(await vodError(emu, 'ApplyUpload', { MediaType: 'quicktime' }), 'InvalidParameterValue.MediaType');
    assert.equal(await vodError(emu, 'ApplyUpload', { MediaType: 'mp4', CoverType: 'mp4' }), 'InvalidParameterValue.CoverType');
    await applyUpload(emu, { MediaType: 'mp4', CoverType: 'PNG' });
  });

  it('validates ExpireTime (format, then future) and SubAppId', async () => {
    assert.equal(await vodError(emu, 'ApplyUpload', { MediaType: 'mp4', ExpireTime: 'tomorrow' }), 'InvalidParameter.ExpireTime');
    assert.equal(await vodError(emu, 'ApplyUpload', { MediaType: 'mp4', ExpireTime: '2001-01-01T00:00:00Z' }), 'InvalidParameterValue.ExpireTime');
    await applyUpload(emu, { MediaType: 'mp4', ExpireTime: '2099-01-01T08:00:00+08:00' });
    assert.equal(await vodError(emu, 'ApplyUpload', { MediaType: 'mp4', SubAppId: 42 }), 'InvalidParameterValue.SubAppId');
    const others: Record<string, Record<string, unknown>> = { CommitUpload: { VodSessionKey: 'k' }, SearchMedia: {}, PullEvents: {}, DeleteMedia: { FileId: '1' } };
    for (const [action, params] of Object.entries(others)) {
      assert.equal(await vodError(emu, action, { ...params, SubAppId: 42 }), 'InvalidParameterValue.SubAppId', action);
    }
    await applyUpload(emu, { MediaType: 'mp4', SubAppId: 1250000000 });
  });

  it('honours MediaStoragePath (must start with /)', async () => {
    const r = await applyUpload(emu, { MediaType: 'mp4', MediaStoragePath: '/my/dir/movie.mp4', CoverType: 'png' });
    assert.equal(r.MediaStoragePath, '/my/dir/movie.mp4');
    assert.match(r.CoverStoragePath ?? '', /^\/my\/dir\/.+\.png$/);
    assert.equal(await vodError(emu, 'ApplyUpload', { MediaType: 'mp4', MediaStoragePath: 'no-slash.mp4' }), 'InvalidParameterValue.MediaStoragePath');
  });

  it('serves media whose storage path has spaces and non-ASCII characters (signed decoded, URL encoded)', async () => {
    const { commit, upload } = await uploadAndCommit(emu, { MediaType: 'mp4', MediaStoragePath: '/videos/假期 (1)%.mp4' }, bytes(300, 5));
    assert.equal(upload.key, 'videos/假期 (1)%.mp4');
    assert.equal(commit.MediaUrl, `${ORIGIN}/media/${commit.FileId}/${encodeURIComponent('假期 (1)%.mp4')}`);
    const res = await emu.app.request(commit.MediaUrl);
    assert.equal(res.status, 200);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes(300, 5));
  });

  it('checks the lengths of SourceContext and SessionContext', async () => {
    assert.equal(await vodError(emu, 'ApplyUpload', { MediaType: 'mp4', SourceContext: 'x'.repeat(251) }), 'InvalidParameterValue.SourceContext');
    assert.equal(await vodError(emu, 'ApplyUpload', { MediaType: 'mp4', SessionContext: 'x'.repeat(1001) }), 'InvalidParameterValue.SessionContext');
  });
});

describe('VOD API: CommitUpload and media', () => {
  let emu: TestEmulator;
  before(() => {
    emu = testEmulator({ pullEventsWaitMs: 0 });
  });
  after(() => emu.dispose());

  it('refuses to commit before the media is uploaded (ResourceNotFound), and unknown keys', async () => {
    const upload = await applyUpload(emu, { MediaType: 'mp4' });
    assert.equal(await vodError(emu, 'CommitUpload', { VodSessionKey: upload.VodSessionKey }), 'ResourceNotFound');
    assert.equal(await vodError(emu, 'CommitUpload', { VodSessionKey: 'nope' }), 'InvalidParameterValue.VodSessionKey');
    const withCover = await applyUpload(emu, { MediaType: 'mp4', CoverType: 'jpg' });
    await cos(emu, withCover, { method: 'PUT', key: withCover.key, body: bytes(10) });
    assert.equal(await vodError(emu, 'CommitUpload', { VodSessionKey: withCover.VodSessionKey }), 'ResourceNotFound');
  });

  it('creates the media with a numeric FileId, URLs, BasicInfo and MetaData (Size, Md5 of the bytes)', async () => {
    const body = bytes(4321, 7);
    const { commit } = await uploadAndCommit(emu, { MediaType: 'mp4', CoverType: 'jpg', MediaName: 'holiday', ClassId: 3, SourceContext: 'ctx-1' }, body);
    assert.match(commit.FileId, /^\d{19}$/);
    assert.equal(commit.MediaUrl, `${ORIGIN}/media/${commit.FileId}/f0.mp4`);
    assert.equal(commit.CoverUrl, `${ORIGIN}/media/${commit.FileId}/cover.jpg`);
    const d = await vod<DescribeMediaInfosResponse>(emu, 'DescribeMediaInfos', { FileIds: [commit.FileId] });
    const info = d.MediaInfoSet[0]!;
    const b = info.BasicInfo!;
    assert.equal(b.Name, 'holiday');
    assert.equal(b.ClassId, 3);
    assert.equal(b.Type, 'mp4');
    assert.equal(b.Category, 'Video');
    assert.equal(b.Status, 'Normal');
    assert.equal(b.StorageClass, 'STANDARD');
    assert.equal(b.ExpireTime, '9999-12-31T23:59:59Z');
    assert.deepEqual(b.SourceInfo, { SourceType: 'Upload', SourceContext: 'ctx-1' });
    assert.equal(b.MediaUrl, commit.MediaUrl);
    assert.equal(b.CoverUrl, commit.CoverUrl);
    assert.equal(b.StorageRegion, 'ap-guangzhou');
    assert.match(b.StoragePath, /^\/.+f0\.mp4$/);
    assert.deepEqual(b.TagSet, []);
    assert.equal(typeof b.Vid, 'string');
    assert.match(b.CreateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(b.UpdateTime, b.CreateTime);
    assert.equal(info.MetaData!.Size, 4321);
    assert.equal(info.MetaData!.Md5, createHash('md5').update(body).digest('hex'));
    // The media URL serves the bytes.
    const res = await emu.app.request(commit.MediaUrl);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'video/mp4');
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), body);
    const cover = await emu.app.request(commit.CoverUrl!);
    assert.equal(cover.headers.get('content-type'), 'image/jpeg');
    assert.equal((await cover.arrayBuffer()).byteLength, 4);
  });

  it('commits a session once: a second commit returns the same FileId and creates nothing', async () => {
    const { upload, commit } = await uploadAndCommit(emu);
    const count = (await vod<SearchMediaResponse>(emu, 'SearchMedia', {})).TotalCount;
    const again = await vod<CommitUploadResponse>(emu, 'CommitUpload', { VodSessionKey: upload.VodSessionKey });
    assert.equal(again.FileId, commit.FileId);
    assert.equal(again.MediaUrl, commit.MediaUrl);
    assert.equal((await vod<SearchMediaResponse>(emu, 'SearchMedia', {})).TotalCount, count);
    // After DeleteMedia the session is spent.
    await vod(emu, 'DeleteMedia', { FileId: commit.FileId });
    assert.equal(await vodError(emu, 'CommitUpload', { VodSessionKey: upload.VodSessionKey }), 'InvalidParameterValue.VodSessionKey');
  });

  it('DescribeMediaInfos: NotExistFileIdSet, Filters, at most 20 ids', async () => {
    const { commit } = await uploadAndCommit(emu);
    const d = await vod<DescribeMediaInfosResponse>(emu, 'DescribeMediaInfos', { FileIds: [commit.FileId, '123'], Filters: ['metaData'] });
    assert.deepEqual(d.NotExistFileIdSet, ['123']);
    assert.equal(d.MediaInfoSet.length, 1);
    assert.equal(d.MediaInfoSet[0]!.BasicInfo, null);
    assert.equal(d.MediaInfoSet[0]!.MetaData!.Size, 1000);
    assert.equal(await vodError(emu, 'DescribeMediaInfos', { FileIds: Array.from({ length: 21 }, (_, i) => String(i)) }), 'InvalidParameterValue.FileIds');
    assert.equal(await vodError(emu, 'DescribeMediaInfos', { FileIds: [commit.FileId], Filters: ['everything'] }), 'InvalidParameterValue.Filters');
  });

  it('ModifyMediaInfo: name, description, class, expiry, tags, cover (stored, served, CoverUrl returned)', async () => {
    const { commit } = await uploadAndCommit(emu);
    emu.clock.now += 2000;
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const m = await vod<ModifyMediaInfoResponse>(emu, 'ModifyMediaInfo', {
      FileId: commit.FileId,
      Name: 'new name',
      Description: 'desc',
      ClassId: 5,
      ExpireTime: '2099-01-01T00:00:00Z',
      AddTags: ['a', 'b', 'c'],
      CoverData: Buffer.from(png).toString('base64'),
    });
    assert.match(m.CoverUrl ?? '', new RegExp(`^${ORIGIN}/media/${commit.FileId}/cover-\\d+\\.png$`));
    const served = await emu.app.request(m.CoverUrl!);
    assert.equal(served.headers.get('content-type'), 'image/png');
    assert.deepEqual(new Uint8Array(await served.arrayBuffer()), png);
    await vod(emu, 'ModifyMediaInfo', { FileId: commit.FileId, DeleteTags: ['b'], AddTags: ['d'] });
    const b = (await vod<DescribeMediaInfosResponse>(emu, 'DescribeMediaInfos', { FileIds: [commit.FileId] })).MediaInfoSet[0]!.BasicInfo!;
    assert.equal(b.Name, 'new name');
    assert.equal(b.Description, 'desc');
    assert.equal(b.ClassId, 5);
    assert.equal(b.ExpireTime, '2099-01-01T00:00:00Z');
    assert.deepEqual(b.TagSet, ['a', 'c', 'd']);
    assert.equal(b.CoverUrl, m.CoverUrl);
    assert.notEqual(b.UpdateTime, b.CreateTime);
    await vod(emu, 'ModifyMediaInfo', { FileId: commit.FileId, ClearTags: 1 });
    const cleared = (await vod<DescribeMediaInfosResponse>(emu, 'DescribeMediaInfos', { FileIds: [commit.FileId] })).MediaInfoSet[0]!.BasicInfo!;
    assert.deepEqual(cleared.TagSet, []);
    // A response without CoverData has no CoverUrl.
    const plain = await vod<ModifyMediaInfoResponse>(emu, 'ModifyMediaInfo', { FileId: commit.FileId, Name: 'x' });
    assert.equal(plain.CoverUrl, undefined);
  });

  it('ModifyMediaInfo rejects bad values and unknown FileIds', async () => {
    const { commit } = await uploadAndCommit(emu);
    assert.equal(await vodError(emu, 'ModifyMediaInfo', { FileId: '999', Name: 'x' }), 'ResourceNotFound');
    assert.equal(await vodError(emu, 'ModifyMediaInfo', { FileId: commit.FileId, CoverData: Buffer.from('not an image').toString('base64') }), 'InvalidParameterValue.CoverData');
    assert.equal(await vodError(emu, 'ModifyMediaInfo', { FileId: commit.FileId, CoverData: '%%%' }), 'InvalidParameterValue.CoverData');
    assert.equal(await vodError(emu, 'ModifyMediaInfo', { FileId: commit.FileId, Name: 'n'.repeat(65) }), 'InvalidParameterValue.Name');
    assert.equal(await vodError(emu, 'ModifyMediaInfo', { FileId: commit.FileId, AddTags: ['t'.repeat(33)] }), 'InvalidParameterValue.Tags');
    const many = Array.from({ length: 17 }, (_, i) => `t${i}`);
    assert.equal(await vodError(emu, 'ModifyMediaInfo', { FileId: commit.FileId, AddTags: many }), 'InvalidParameterValue.Tags');
    assert.equal(await vodError(emu, 'ModifyMediaInfo', { FileId: commit.FileId, ExpireTime: 'soon' }), 'InvalidParameterValue.ExpireTime');
  });

  it('DeleteMedia removes the record and the bytes, queues FileDeleted; unknown → ResourceNotFound', async () => {
    const { upload, commit } = await uploadAndCommit(emu, { MediaType: 'mp4', CoverType: 'jpg' });
    // Drain events queued so far.
    for (;;) {
      const ev = await vod<{ EventSet: Array<{ EventHandle: string }> }>(emu, 'PullEvents', {});
      if (!ev.EventSet.length) break;
      await vod(emu, 'ConfirmEvents', { EventHandles: ev.EventSet.map((e) => e.EventHandle) });
    }
    const { readdirSync } = await import('node:fs');
    const blobsBefore = readdirSync(`${emu.dir}/blobs`).length;
    // Deleting only derived outputs leaves the media.
    await vod(emu, 'DeleteMedia', { FileId: commit.FileId, DeleteParts: [{ Type: 'TranscodeFiles' }] });
    assert.equal((await emu.app.request(commit.MediaUrl)).status, 200);
    await vod(emu, 'DeleteMedia', { FileId: commit.FileId });
    assert.equal(readdirSync(`${emu.dir}/blobs`).length, blobsBefore - 2);
    assert.equal((await emu.app.request(commit.MediaUrl)).status, 404);
    assert.equal((await emu.app.request(commit.CoverUrl!)).status, 404);
    assert.equal((await cos(emu, upload, { method: 'HEAD', key: upload.key })).status, 404);
    const d = await vod<DescribeMediaInfosResponse>(emu, 'DescribeMediaInfos', { FileIds: [commit.FileId] });
    assert.deepEqual(d.NotExistFileIdSet, [commit.FileId]);
    assert.equal(await vodError(emu, 'DeleteMedia', { FileId: commit.FileId }), 'ResourceNotFound');
    const ev = await vod<{ EventSet: Array<{ EventType: string; FileDeleteEvent: { FileIdSet: string[] } }> }>(emu, 'PullEvents', {});
    assert.equal(ev.EventSet.length, 1);
    assert.equal(ev.EventSet[0]!.EventType, 'FileDeleted');
    assert.deepEqual(ev.EventSet[0]!.FileDeleteEvent.FileIdSet, [commit.FileId]);
  });
});

describe('VOD API: SearchMedia', () => {
  let emu: TestEmulator;
  const ids: string[] = [];
  before(async () => {
    emu = testEmulator();
    const specs = [
      { MediaType: 'mp4', MediaName: 'Alpha beach', ClassId: 1 },
      { MediaType: 'mp3', MediaName: 'alpha song', ClassId: 2 },
      { MediaType: 'mov', MediaName: 'beta trip', ClassId: 1 },
      { MediaType: 'png', MediaName: 'gamma picture', ClassId: 0 },
    ];
    for (const s of specs) {
      const { commit } = await uploadAndCommit(emu, s);
      ids.push(commit.FileId);
      emu.clock.now += 10_000;
    }
    await vod(emu, 'ModifyMediaInfo', { FileId: ids[2], AddTags: ['travel'] });
  });
  after(() => emu.dispose());

  const search = async (params: Record<string, unknown>) => {
    const r = await vod<SearchMediaResponse>(emu, 'SearchMedia', params);
    return { total: r.TotalCount, ids: r.MediaInfoSet.map((m) => m.FileId), r };
  };

  it('returns everything newest first by default, Limit 10', async () => {
    const r = await search({});
    assert.equal(r.total, 4);
    assert.deepEqual(r.ids, [...ids].reverse());
  });

  it('sorts by CreateTime Asc/Desc and pages with Offset/Limit', async () => {
    assert.deepEqual((await search({ Sort: { Field: 'CreateTime', Order: 'Asc' } })).ids, ids);
    const page = await search({ Sort: { Field: 'CreateTime', Order: 'Asc' }, Offset: 1, Limit: 2 });
    assert.deepEqual(page.ids, ids.slice(1, 3));
    assert.equal(page.total, 4);
    assert.deepEqual((await search({ Offset: 4 })).ids, []);
    assert.equal(await vodError(emu, 'SearchMedia', { Offset: 4990, Limit: 11 }), 'InvalidParameterValue.Limit');
    assert.equal(await vodError(emu, 'SearchMedia', { Offset: -1 }), 'InvalidParameterValue.Offset');
    assert.equal(await vodError(emu, 'SearchMedia', { Sort: { Field: 'Name', Order: 'Asc' } }), 'InvalidParameterValue.Sort');
  });

  it('filters by Names (fuzzy, any case), NamePrefixes, FileIds, ClassIds, Tags, Categories, SourceTypes, MediaTypes', async () => {
    assert.deepEqual((await search({ Names: ['ALPHA'], Sort: { Field: 'CreateTime', Order: 'Asc' } })).ids, ids.slice(0, 2));
    assert.deepEqual((await search({ Names: ['trip', 'picture'], Sort: { Field: 'CreateTime', Order: 'Asc' } })).ids, ids.slice(2, 4));
    assert.deepEqual((await search({ NamePrefixes: ['alpha'] })).ids, [ids[1]]);
    assert.deepEqual((await search({ FileIds: [ids[3], '1'] })).ids, [ids[3]]);
    assert.deepEqual((await search({ ClassIds: [1], Sort: { Field: 'CreateTime', Order: 'Asc' } })).ids, [ids[0], ids[2]]);
    assert.deepEqual((await search({ Tags: ['travel'] })).ids, [ids[2]]);
    assert.deepEqual((await search({ Categories: ['Audio'] })).ids, [ids[1]]);
    assert.deepEqual((await search({ Categories: ['Image'] })).ids, [ids[3]]);
    assert.equal((await search({ SourceTypes: ['Upload'] })).total, 4);
    assert.equal((await search({ SourceTypes: ['Record'] })).total, 0);
    assert.deepEqual((await search({ MediaTypes: ['MOV'] })).ids, [ids[2]]);
    assert.equal((await search({ Names: ['alpha'], ClassIds: [2] })).total, 1);
    assert.equal(await vodError(emu, 'SearchMedia', { FileIds: Array.from({ length: 11 }, (_, i) => String(i)) }), 'InvalidParameterValue.FileIds');
  });

  it('filters by CreateTime (After inclusive, Before exclusive)', async () => {
    const d = await vod<DescribeMediaInfosResponse>(emu, 'DescribeMediaInfos', { FileIds: ids });
    const times = ids.map((id) => d.MediaInfoSet.find((m) => m.FileId === id)!.BasicInfo!.CreateTime);
    const r = await search({ CreateTime: { After: times[1], Before: times[3] }, Sort: { Field: 'CreateTime', Order: 'Asc' } });
    assert.deepEqual(r.ids, ids.slice(1, 3));
    assert.equal(await vodError(emu, 'SearchMedia', { CreateTime: { After: 'yesterday' } }), 'InvalidParameterValue.CreateTime');
  });

  it('returns only the requested sections with Filters', async () => {
    const r = await search({ Filters: ['basicInfo'], Limit: 1 });
    assert.ok(r.r.MediaInfoSet[0]!.BasicInfo);
    assert.equal(r.r.MediaInfoSet[0]!.MetaData, null);
  });
});

describe('VOD API: events (PullEvents / ConfirmEvents)', () => {
  type Pulled = { EventSet: Array<{ EventHandle: string; EventType: string; FileUploadEvent?: { FileId: string; MediaBasicInfo: { Name: string }; MetaData: { Size: number } } }> };

  it('delivers NewFileUpload, at most 16 per pull, and removes confirmed events', async () => {
    const emu = testEmulator({ pullEventsWaitMs: 0 });
    try {
      const committed: string[] = [];
      for (let i = 0; i < 18; i++) committed.push((await uploadAndCommit(emu, { MediaType: 'mp4', MediaName: `m${i}` })).commit.FileId);
      const first = await vod<Pulled>(emu, 'PullEvents', {});
      assert.equal(first.EventSet.length, 16);
      const e = first.EventSet[0]!;
      assert.equal(e.EventType, 'NewFileUpload');
      assert.equal(e.FileUploadEvent!.FileId, committed[0]);
      assert.equal(e.FileUploadEvent!.MediaBasicInfo.Name, 'm0');
      assert.equal(e.FileUploadEvent!.MetaData.Size, 1000);
      const second = await vod<Pulled>(emu, 'PullEvents', {});
      assert.deepEqual(second.EventSet.map((x) => x.FileUploadEvent!.FileId), committed.slice(16));
      await vod(emu, 'ConfirmEvents', { EventHandles: first.EventSet.map((x) => x.EventHandle) });
      await vod(emu, 'ConfirmEvents', { EventHandles: second.EventSet.map((x) => x.EventHandle) });
      assert.deepEqual((await vod<Pulled>(emu, 'PullEvents', {})).EventSet, []);
    } finally {
      await emu.dispose();
    }
  });

  it('redelivers unconfirmed events after the window with a new handle; late or unknown handles fail', async () => {
    const emu = testEmulator({ pullEventsWaitMs: 0, eventRedeliveryMs: 30_000 });
    try {
      await uploadAndCommit(emu);
      const first = await vod<Pulled>(emu, 'PullEvents', {});
      assert.equal(first.EventSet.length, 1);
      // Within the window, the event is not delivered again.
      emu.clock.now += 29_000;
      assert.equal((await vod<Pulled>(emu, 'PullEvents', {})).EventSet.length, 0);
      emu.clock.now += 2000;
      const again = await vod<Pulled>(emu, 'PullEvents', {});
      assert.equal(again.EventSet.length, 1);
      assert.notEqual(again.EventSet[0]!.EventHandle, first.EventSet[0]!.EventHandle);
      assert.equal(await vodError(emu, 'ConfirmEvents', { EventHandles: [first.EventSet[0]!.EventHandle] }), 'InvalidParameterValue');
      assert.equal(await vodError(emu, 'ConfirmEvents', { EventHandles: ['nonsense'] }), 'InvalidParameterValue');
      assert.equal(await vodError(emu, 'ConfirmEvents', { EventHandles: [] }), 'InvalidParameterValue');
      // A mix of a good and a bad handle confirms nothing.
      assert.equal(await vodError(emu, 'ConfirmEvents', { EventHandles: [again.EventSet[0]!.EventHandle, 'bad'] }), 'InvalidParameterValue');
      await vod(emu, 'ConfirmEvents', { EventHandles: [again.EventSet[0]!.EventHandle] });
      emu.clock.now += 60_000;
      assert.equal((await vod<Pulled>(emu, 'PullEvents', {})).EventSet.length, 0);
    } finally {
      await emu.dispose();
    }
  });

  it('runs a task flow (Procedure) for procedureMs after the commit: then its output and ProcedureStateChanged appear', async () => {
    const emu = testEmulator({ pullEventsWaitMs: 0, procedureMs: 5000 });
    type Flowed = { EventSet: Array<{ EventHandle: string; EventType: string; FileUploadEvent?: { FileId: string; ProcedureTaskId: string }; ProcedureStateChangeEvent?: { TaskId: string; Status: string; ErrCode: number; FileId: string; SessionContext: string } }> };
    const transcodes = async (fileId: string) =>
      (await vod<DescribeMediaInfosResponse>(emu, 'DescribeMediaInfos', { FileIds: [fileId], Filters: ['transcodeInfo'] })).MediaInfoSet[0]!.TranscodeInfo!.TranscodeSet;
    try {
      const plain = (await uploadAndCommit(emu)).commit.FileId;
      const { commit } = await uploadAndCommit(emu, { MediaType: 'mp4', Procedure: 'LongVideoPreset', SessionContext: 'ctx-1' }, bytes(3000));
      const uploaded = await vod<Flowed>(emu, 'PullEvents', {});
      assert.deepEqual(uploaded.EventSet.map((e) => e.EventType), ['NewFileUpload', 'NewFileUpload']);
      const taskId = uploaded.EventSet[1]!.FileUploadEvent!.ProcedureTaskId;
      assert.match(taskId, /^1250000000-procedurev2-[0-9a-f]{32}t0$/);
      assert.equal(uploaded.EventSet[0]!.FileUploadEvent!.ProcedureTaskId, '', 'no flow without a Procedure');
      await vod(emu, 'ConfirmEvents', { EventHandles: uploaded.EventSet.map((e) => e.EventHandle) });

      emu.clock.now += 4000;
      assert.deepEqual(await transcodes(commit.FileId), [], 'still running');
      assert.deepEqual((await vod<Flowed>(emu, 'PullEvents', {})).EventSet, []);

      emu.clock.now += 1000;
      const [output] = await transcodes(commit.FileId);
      assert.equal(output!.Definition, 100030);
      assert.equal(output!.Size, 3000);
      assert.equal(output!.Url, commit.MediaUrl, 'the output is the source (no transcoding)');
      assert.deepEqual(await transcodes(plain), []);
      const ended = await vod<Flowed>(emu, 'PullEvents', {});
      assert.equal(ended.EventSet.length, 1);
      assert.equal(ended.EventSet[0]!.EventType, 'ProcedureStateChanged');
      const { TaskId, Status, ErrCode, FileId, SessionContext } = ended.EventSet[0]!.ProcedureStateChangeEvent!;
      assert.deepEqual({ TaskId, Status, ErrCode, FileId, SessionContext }, { TaskId: taskId, Status: 'FINISH', ErrCode: 0, FileId: commit.FileId, SessionContext: 'ctx-1' });
      await vod(emu, 'ConfirmEvents', { EventHandles: [ended.EventSet[0]!.EventHandle] });
      emu.clock.now += 60_000;
      assert.deepEqual((await vod<Flowed>(emu, 'PullEvents', {})).EventSet, [], 'announced once');
    } finally {
      await emu.dispose();
    }
  });

  it('long-polls: waits for an event, returns it as soon as it is queued, or empty after the wait', async () => {
    const emu = testEmulator({ pullEventsWaitMs: 2000 });
    try {
      const empty = await testEmulatorPull(testEmulator({ pullEventsWaitMs: 150 }));
      assert.equal(empty.count, 0);
      assert.ok(empty.ms >= 140, `waited ${empty.ms} ms`);
      const t = performance.now();
      const pending = vod<Pulled>(emu, 'PullEvents', {});
      await new Promise((r) => setTimeout(r, 100));
      await uploadAndCommit(emu);
      const got = await pending;
      const ms = performance.now() - t;
      assert.equal(got.EventSet.length, 1);
      assert.ok(ms < 1500, `returned after ${ms} ms`);
    } finally {
      await emu.dispose();
    }
  });

  it('ends a long poll at once when the emulator closes', async () => {
    const emu = testEmulator({ pullEventsWaitMs: 5000 });
    const t = performance.now();
    const pending = vod<Pulled>(emu, 'PullEvents', {});
    await new Promise((r) => setTimeout(r, 50));
    await emu.dispose();
    assert.deepEqual((await pending).EventSet, []);
    assert.ok(performance.now() - t < 2000);
  });
});

async function testEmulatorPull(emu: TestEmulator): Promise<{ count: number; ms: number }> {
  try {
    const t = performance.now();
    const r = await vod<{ EventSet: unknown[] }>(emu, 'PullEvents', {});
    return { count: r.EventSet.length, ms: performance.now() - t };
  } finally {
    await emu.dispose();
  }
}
