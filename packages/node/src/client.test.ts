// VodUploadClient against the emulator over loopback: simple and multipart uploads, covers, every request
// option reaching VOD, every validation code (with nothing sent), cloud errors keeping their code and RequestId,
// and a stopped upload resumed by another client without re-sending finished parts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createVodClient } from '@vod-uploader/tencent';
import { VodErrorCode, VodUploadClient, type VodUploadClientOptions, VodUploadError, type VodUploadProgress, VodUploadRequest } from './index.ts';
import { useEmulator } from './test-support.ts';

const MiB = 1024 * 1024;
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

const fx = useEmulator('vod-node-client-');
const { file, settled } = fx;

function client(options: VodUploadClientOptions = {}): VodUploadClient {
  return new VodUploadClient(fx.emu.info.secretId, fx.emu.info.secretKey, {
    endpoint: fx.emu.info.vodEndpoint,
    cosEndpoint: `http://${fx.emu.info.cosDomain}`,
    resumeDir: join(fx.dir, 'resume'),
    ...options,
  });
}

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

async function rejects(promise: Promise<unknown>): Promise<VodUploadError> {
  const error = await promise.then(
    () => assert.fail('expected a VodUploadError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof VodUploadError, `a VodUploadError, got ${String(error)}`);
  return error;
}

const vod = () => createVodClient({ secretId: fx.emu.info.secretId, secretKey: fx.emu.info.secretKey, endpoint: fx.emu.info.vodEndpoint });

describe('VodUploadClient.upload', { timeout: 120_000 }, () => {
  it('uploads a small file in one PUT and returns FileId, MediaUrl, CoverUrl, RequestId', async () => {
    const media = file(2 * MiB);
    const request = new VodUploadRequest();
    request.MediaFilePath = media.path;
    const response = await client().upload('ap-guangzhou', request);
    assert.deepEqual(Object.keys(response).sort(), ['CoverUrl', 'FileId', 'MediaUrl', 'RequestId']);
    assert.match(response.FileId, /^\d+$/);
    assert.equal(response.CoverUrl, '');
    assert.match(response.RequestId, /^[\da-f-]{36}$/);
    const ops = fx.emu.stats.snapshot().ops;
    assert.equal(ops.PutObject, 1);
    assert.equal(ops.InitiateMultipartUpload, undefined);
    assert.equal(ops.ApplyUpload, 1);
    assert.equal(ops.CommitUpload, 1);
    assert.equal(sha1(await download(response.MediaUrl)), sha1(media.bytes));
  });

  it('uploads a large file in parts, ConcurrentUploadNumber at a time, with a cover; reports progress', async () => {
    const media = file(20 * MiB + 12345);
    const cover = file(50_000, 'poster.PNG');
    const seen: VodUploadProgress[] = [];
    const response = await client({ partSize: 4 * MiB }).upload(
      'ap-guangzhou',
      { MediaFilePath: media.path, CoverFilePath: cover.path, ConcurrentUploadNumber: 2 },
      { onProgress: (p) => seen.push(p) },
    );
    const s = fx.emu.stats.snapshot();
    assert.equal(s.ops.InitiateMultipartUpload, 1);
    assert.equal(s.ops.CompleteMultipartUpload, 1);
    assert.deepEqual(s.uploadParts, { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1 });
    assert.equal(sha1(await download(response.MediaUrl)), sha1(media.bytes));
    assert.match(response.CoverUrl, /\.png$/);
    assert.equal(sha1(await download(response.CoverUrl)), sha1(cover.bytes));
    const last = seen.at(-1)!;
    assert.equal(last.percent, 100);
    assert.equal(last.bytesTotal, media.bytes.length);
    assert.ok(seen.some((p) => p.phase === 'uploading' && p.percent > 0 && p.percent < 100), 'progress within the upload');
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.bytesUploaded >= seen[i - 1]!.bytesUploaded || seen[i]!.phase !== 'uploading');
  });

  it('passes every request option to ApplyUpload', async () => {
    const media = file(MiB, 'no-extension');
    const expire = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const response = await client().upload('ap-guangzhou', {
      MediaFilePath: media.path,
      MediaType: 'MOV',
      MediaName: 'Wildlife',
      Procedure: 'LongVideoPreset',
      ExpireTime: expire,
      ClassId: 7,
      SourceContext: 'user-42',
      SessionContext: 'session-ctx',
      StorageRegion: 'ap-chongqing',
    });
    const info = await vod().describeMediaInfos({ FileIds: [response.FileId] });
    const basic = info.MediaInfoSet?.[0]?.BasicInfo;
    assert.ok(basic);
    assert.equal(basic.Name, 'Wildlife');
    assert.equal(basic.Type, 'mov');
    assert.equal(basic.ClassId, 7);
    assert.equal(basic.ExpireTime, expire);
    assert.equal(basic.StorageRegion, 'ap-chongqing');
    assert.equal(basic.SourceInfo?.SourceContext, 'user-42');
    assert.match(response.MediaUrl, /\.mov$/);
  });

  it('names the media after the file without its extension by default', async () => {
    const media = file(1000, 'My holiday.final.mp4');
    const response = await client().upload('', { MediaFilePath: media.path });
    const info = await vod().describeMediaInfos({ FileIds: [response.FileId] });
    assert.equal(info.MediaInfoSet?.[0]?.BasicInfo?.Name, 'My holiday.final');
  });
});

describe('request checks (nothing is sent)', { timeout: 60_000 }, () => {
  const cases: [string, () => Parameters<VodUploadClient['upload']>, string][] = [
    ['no MediaFilePath', () => ['ap-guangzhou', {}], VodErrorCode.MEDIA_FILE_PATH],
    ['an http URL', () => ['ap-guangzhou', { MediaFilePath: 'https://example.com/a.mp4' }], VodErrorCode.MEDIA_FILE_PATH],
    ['a missing file', () => ['ap-guangzhou', { MediaFilePath: join(fx.dir, 'nope.mp4') }], VodErrorCode.MEDIA_FILE_PATH],
    ['a directory', () => ['ap-guangzhou', { MediaFilePath: fx.dir }], VodErrorCode.MEDIA_FILE_PATH],
    ['an empty file', () => ['ap-guangzhou', { MediaFilePath: file(0).path }], VodErrorCode.MEDIA_FILE_PATH],
    ['no extension and no MediaType', () => ['ap-guangzhou', { MediaFilePath: file(10, 'clip').path }], VodErrorCode.MEDIA_TYPE],
    ['a MediaType VOD does not take', () => ['ap-guangzhou', { MediaFilePath: file(10).path, MediaType: 'exe' }], VodErrorCode.MEDIA_TYPE],
    ['a media extension VOD does not take', () => ['ap-guangzhou', { MediaFilePath: file(10, 'notes.txt').path }], VodErrorCode.MEDIA_TYPE],
    ['a cover URL', () => ['ap-guangzhou', { MediaFilePath: file(10).path, CoverFilePath: 'http://example.com/c.png' }], VodErrorCode.COVER_FILE_PATH],
    ['a missing cover', () => ['ap-guangzhou', { MediaFilePath: file(10).path, CoverFilePath: join(fx.dir, 'nope.png') }], VodErrorCode.COVER_FILE_PATH],
    ['a cover without extension or CoverType', () => ['ap-guangzhou', { MediaFilePath: file(10).path, CoverFilePath: file(10, 'cover').path }], VodErrorCode.COVER_TYPE],
    ['a CoverType VOD does not take', () => ['ap-guangzhou', { MediaFilePath: file(10).path, CoverFilePath: file(10, 'c.png').path, CoverType: 'tiff' }], VodErrorCode.COVER_TYPE],
    ['ExpireTime not ISO 8601', () => ['ap-guangzhou', { MediaFilePath: file(10).path, ExpireTime: '2030/01/01' }], VodErrorCode.EXPIRE_TIME],
    ['ExpireTime in the past', () => ['ap-guangzhou', { MediaFilePath: file(10).path, ExpireTime: '2001-01-01T00:00:00Z' }], VodErrorCode.EXPIRE_TIME_VALUE],
    ['SubAppId 0', () => ['ap-guangzhou', { MediaFilePath: file(10).path, SubAppId: 0 }], VodErrorCode.SUB_APP_ID],
    ['SubAppId 1.5', () => ['ap-guangzhou', { MediaFilePath: file(10).path, SubAppId: 1.5 }], VodErrorCode.SUB_APP_ID],
    ['SubAppId "abc"', () => ['ap-guangzhou', { MediaFilePath: file(10).path, SubAppId: 'abc' as unknown as number }], VodErrorCode.SUB_APP_ID],
    ['ClassId -1', () => ['ap-guangzhou', { MediaFilePath: file(10).path, ClassId: -1 }], VodErrorCode.CLASS_ID],
    ['ConcurrentUploadNumber 0', () => ['ap-guangzhou', { MediaFilePath: file(10).path, ConcurrentUploadNumber: 0 }], VodErrorCode.CONCURRENT_UPLOAD_NUMBER],
    ['ConcurrentUploadNumber 2.5', () => ['ap-guangzhou', { MediaFilePath: file(10).path, ConcurrentUploadNumber: 2.5 }], VodErrorCode.CONCURRENT_UPLOAD_NUMBER],
    ['StorageRegion "Chongqing!"', () => ['ap-guangzhou', { MediaFilePath: file(10).path, StorageRegion: 'Chongqing!' }], VodErrorCode.STORAGE_REGION],
    ['SourceContext of 251 characters', () => ['ap-guangzhou', { MediaFilePath: file(10).path, SourceContext: 'x'.repeat(251) }], VodErrorCode.SOURCE_CONTEXT],
    ['SessionContext of 1001 characters', () => ['ap-guangzhou', { MediaFilePath: file(10).path, SessionContext: 'x'.repeat(1001) }], VodErrorCode.SESSION_CONTEXT],
    ['Procedure with a newline', () => ['ap-guangzhou', { MediaFilePath: file(10).path, Procedure: 'a\nb' }], VodErrorCode.PROCEDURE],
    ['a blank MediaName', () => ['ap-guangzhou', { MediaFilePath: file(10).path, MediaName: '   ' }], VodErrorCode.MEDIA_NAME],
    ['a region that is not one', () => ['Guangzhou', { MediaFilePath: file(10).path }], VodErrorCode.REGION],
  ];
  for (const [what, args, code] of cases) {
    it(`${what} → ${code}`, async () => {
      const error = await rejects(client().upload(...args()));
      assert.equal(error.code, code);
      assert.equal(error.requestId, undefined);
      assert.deepEqual(fx.emu.stats.snapshot().ops, {}, 'nothing reached the cloud');
    });
  }

  it('ignores CoverType without CoverFilePath, as the Python SDK does', async () => {
    const response = await client().upload('', { MediaFilePath: file(10).path, CoverType: 'nonsense' });
    assert.equal(response.CoverUrl, '');
  });

  it('rejects a client without keys or with a cosEndpoint lacking {Bucket}', () => {
    assert.throws(() => new VodUploadClient('', 'k'), TypeError);
    assert.throws(() => new VodUploadClient('id', 'k', { cosEndpoint: 'http://127.0.0.1:1/cos' }), TypeError);
  });
});

describe('cloud errors keep their code and RequestId', { timeout: 60_000 }, () => {
  it('a SubAppId the cloud does not know → InvalidParameterValue.SubAppId from ApplyUpload', async () => {
    const error = await rejects(client().upload('ap-guangzhou', { MediaFilePath: file(10).path, SubAppId: 999 }));
    assert.equal(error.code, 'InvalidParameterValue.SubAppId');
    assert.match(error.requestId ?? '', /^[\da-f-]{36}$/);
    assert.match(error.message, /999/);
    assert.equal(fx.emu.stats.snapshot().ops.PutObject, undefined);
  });

  it('an error answered by ApplyUpload (fault) keeps its code', async () => {
    fx.emu.faults.add({ op: 'ApplyUpload', action: { type: 'status', status: 200, code: 'FailedOperation.InvalidAccount', message: 'The account is not activated.' } });
    const error = await rejects(client().upload('ap-guangzhou', { MediaFilePath: file(10).path }));
    assert.equal(error.code, 'FailedOperation.InvalidAccount');
    assert.equal(error.message, 'The account is not activated.');
    assert.ok(error.requestId);
  });

  it('an error answered by CommitUpload keeps its code', async () => {
    fx.emu.faults.add({ op: 'CommitUpload', action: { type: 'status', status: 200, code: 'InvalidParameterValue.VodSessionKey' } });
    const error = await rejects(client().upload('ap-guangzhou', { MediaFilePath: file(10).path }));
    assert.equal(error.code, 'InvalidParameterValue.VodSessionKey');
    assert.ok(error.requestId);
  });

  it('a storage refusal of a part keeps the storage code', async () => {
    fx.emu.faults.add({ op: 'UploadPart', partNumber: 2, times: 20, action: { type: 'status', status: 403, code: 'AccessDenied', message: 'No.' } });
    const error = await rejects(client({ partSize: MiB, resumeDir: false }).upload('ap-guangzhou', { MediaFilePath: file(12 * MiB).path }));
    assert.equal(error.code, 'AccessDenied');
  });

  it('never carries the SecretKey', async () => {
    const c = client();
    assert.equal(JSON.stringify(c).includes(fx.emu.info.secretKey), false);
    const error = await rejects(c.upload('ap-guangzhou', { MediaFilePath: file(10).path, SubAppId: 999 }));
    assert.equal(JSON.stringify(error).includes(fx.emu.info.secretKey), false);
    assert.equal(error.message.includes(fx.emu.info.secretKey), false);
  });
});

describe('stop and resume', { timeout: 120_000 }, () => {
  it('a stopped upload resumes in a new client without re-sending finished parts', async () => {
    const media = file(24 * MiB);
    const resumeDir = join(fx.dir, 'resume-stop');
    // Part 9 hangs, so the stop always finds some parts done and some not.
    fx.emu.faults.add({ op: 'UploadPart', partNumber: 9, action: { type: 'delay', ms: 20_000 } });
    const controller = new AbortController();
    const first = client({ partSize: MiB, resumeDir }).upload('ap-guangzhou', { MediaFilePath: media.path, ConcurrentUploadNumber: 3 }, { signal: controller.signal });
    for (let i = 0; i < 500 && Object.keys(fx.emu.stats.snapshot().uploadPartsStored).length < 6; i++) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    const error = await rejects(first);
    assert.equal(error.code, VodErrorCode.ABORTED);
    fx.emu.faults.reset();
    const s1 = await settled();
    const stored = Object.keys(s1.uploadPartsStored).map(Number);
    assert.ok(stored.length >= 6 && stored.length < 24, `some parts stored (${stored.length})`);
    assert.equal(s1.ops.AbortMultipartUpload, undefined, 'storage was not told to abort');
    assert.equal(readdirSync(resumeDir).filter((f) => f.endsWith('.json')).length, 1, 'one resume record');

    fx.emu.stats.reset();
    const response = await client({ partSize: MiB, resumeDir }).upload('ap-guangzhou', { MediaFilePath: media.path, ConcurrentUploadNumber: 3 });
    const s2 = fx.emu.stats.snapshot();
    assert.equal(s2.ops.ApplyUpload, undefined, 'the session was resumed');
    assert.equal(s2.ops.InitiateMultipartUpload, undefined);
    for (const n of stored) assert.equal(s2.uploadParts[n], undefined, `part ${n} was not sent again`);
    for (let n = 1; n <= 24; n++) if (!stored.includes(n)) assert.equal(s2.uploadParts[n], 1, `part ${n} sent once`);
    assert.equal(sha1(await download(response.MediaUrl)), sha1(media.bytes));
    assert.equal(readdirSync(resumeDir).filter((f) => f.endsWith('.json')).length, 0, 'the record is gone after the commit');
  });

  it('an already aborted signal stops before anything is sent', async () => {
    const error = await rejects(client().upload('', { MediaFilePath: file(10).path }, { signal: AbortSignal.abort() }));
    assert.equal(error.code, VodErrorCode.ABORTED);
    assert.deepEqual(fx.emu.stats.snapshot().ops, {});
  });
});
