/**
 * Outside referee for the emulator's VOD API 3.0: the official `tencentcloud-sdk-nodejs-vod` talks to it with
 * only the endpoint changed (`127.0.0.1:PORT`, `http://`) and must accept every answer — TC3 signing, the
 * response envelope, the field types of its models — for all eight actions the uploader needs, and get the
 * cloud's error codes for a wrong SecretKey / SecretId. COS bytes go in with cos-nodejs-sdk-v5 (its own
 * conformance suite is conformance-cos.test.ts).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import COS from 'cos-nodejs-sdk-v5';
import * as tencentcloud from 'tencentcloud-sdk-nodejs-vod';
import { startEmulator, type RunningEmulator } from '@vod-uploader/emulator';

// The VOD SDK wraps every request in a proxy agent when a proxy variable is set; this is loopback only.
for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) process.env[k] = '';

const VodClient = tencentcloud.vod.v20180717.Client;
type VodClientT = InstanceType<typeof VodClient>;

function vodClient(emu: RunningEmulator, credential: { secretId: string; secretKey: string } = emu.info): VodClientT {
  return new VodClient({
    credential: { secretId: credential.secretId, secretKey: credential.secretKey },
    region: 'ap-guangzhou',
    profile: { httpProfile: { endpoint: new URL(emu.info.vodEndpoint).host, protocol: 'http://' } },
  });
}

/** The error an SDK call throws (TencentCloudSDKHttpException carries the cloud's `.code`). */
async function sdkError(call: Promise<unknown>): Promise<{ code?: string; message: string; requestId?: string }> {
  try {
    await call;
  } catch (error) {
    return error as { code?: string; message: string; requestId?: string };
  }
  throw new Error('the call unexpectedly succeeded');
}

/** Puts `body` at the session's media key with cos-nodejs-sdk-v5 and the session's temporary credential. */
function cosPut(emu: RunningEmulator, apply: { TempCertificate?: { SecretId?: string; SecretKey?: string; Token?: string } | null; StorageBucket?: string; StorageRegion?: string }, key: string, body: Buffer): Promise<COS.PutObjectResult> {
  const cert = apply.TempCertificate!;
  const cos = new COS({
    SecretId: cert.SecretId!,
    SecretKey: cert.SecretKey!,
    SecurityToken: cert.Token!,
    Domain: emu.info.cosDomain,
    Protocol: 'http:',
    Timeout: 30_000,
  });
  return cos.putObject({ Bucket: apply.StorageBucket!, Region: apply.StorageRegion!, Key: key, Body: body });
}

const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

describe('conformance: tencentcloud-sdk-nodejs-vod against the emulator', { timeout: 120_000 }, () => {
  let dir: string;
  let emu: RunningEmulator;
  let vod: VodClientT;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vod-conf-vod-'));
    // A short long-poll so "the queue is empty now" answers quickly; the SDK's side is untouched.
    emu = await startEmulator({ dataDir: dir, port: 0, log: () => {}, pullEventsWaitMs: 300 });
    vod = vodClient(emu);
  });
  after(async () => {
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ApplyUpload → COS PUT → CommitUpload → DescribeMediaInfos / SearchMedia / ModifyMediaInfo / PullEvents / ConfirmEvents / DeleteMedia', async () => {
    const body = Buffer.alloc(300_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7919 + (i >> 8)) & 0xff;

    // ApplyUpload: the storage coordinates and a temporary COS credential.
    const apply = await vod.ApplyUpload({ MediaType: 'mp4', MediaName: 'conformance clip', SourceContext: 'ctx-42' });
    assert.match(apply.StorageBucket!, /^[a-z\d-]+-\d+$/, 'bucket in the name-APPID form the COS SDKs require');
    assert.ok(apply.StorageBucket!.endsWith(`-${emu.info.appId}`));
    assert.equal(apply.StorageRegion, 'ap-guangzhou');
    assert.match(apply.MediaStoragePath!, /^\/.+\.mp4$/);
    assert.equal(typeof apply.VodSessionKey, 'string');
    assert.ok(apply.VodSessionKey!.length > 0);
    const cert = apply.TempCertificate!;
    for (const k of ['SecretId', 'SecretKey', 'Token'] as const) assert.ok(typeof cert[k] === 'string' && cert[k]!.length > 0, k);
    assert.ok(cert.ExpiredTime! > Date.now() / 1000, 'ExpiredTime is in the future (Unix seconds)');
    assert.ok(cert.SecretId !== emu.info.secretId, 'a temporary credential, not the account key');
    assert.match(apply.RequestId!, /^[0-9a-f-]{36}$/);

    const put = await cosPut(emu, apply, apply.MediaStoragePath!.slice(1), body);
    assert.equal(put.statusCode, 200);
    assert.equal(put.ETag, `"${md5(body)}"`);

    // CommitUpload: a numeric FileId and a MediaUrl that serves the bytes.
    const commit = await vod.CommitUpload({ VodSessionKey: apply.VodSessionKey! });
    assert.match(commit.FileId!, /^\d+$/, 'FileId is a numeric string');
    assert.ok(commit.MediaUrl!.startsWith(emu.url), commit.MediaUrl);
    const served = await fetch(commit.MediaUrl!);
    assert.equal(served.status, 200);
    const got = Buffer.from(await served.arrayBuffer());
    assert.equal(sha1(got), sha1(body));
    const fileId = commit.FileId!;

    // DescribeMediaInfos: the real shape.
    const described = await vod.DescribeMediaInfos({ FileIds: [fileId] });
    assert.deepEqual(described.NotExistFileIdSet, []);
    assert.equal(described.MediaInfoSet!.length, 1);
    const info = described.MediaInfoSet![0]!;
    assert.equal(info.FileId, fileId);
    assert.equal(info.BasicInfo!.Name, 'conformance clip');
    assert.equal(info.BasicInfo!.MediaUrl, commit.MediaUrl);
    assert.equal(info.BasicInfo!.Type, 'mp4');
    assert.equal(info.BasicInfo!.SourceInfo!.SourceType, 'Upload');
    assert.equal(info.BasicInfo!.SourceInfo!.SourceContext, 'ctx-42');
    assert.equal(info.BasicInfo!.StorageRegion, 'ap-guangzhou');
    assert.equal(info.MetaData!.Size, body.length);
    assert.equal(info.MetaData!.Md5, md5(body));

    // PullEvents: the upload-complete event carries the FileId; ConfirmEvents removes it.
    const pulled = await vod.PullEvents({});
    const uploaded = pulled.EventSet!.filter((e) => e.EventType === 'NewFileUpload');
    assert.equal(uploaded.length, 1);
    assert.equal(uploaded[0]!.FileUploadEvent!.FileId, fileId);
    assert.equal(uploaded[0]!.FileUploadEvent!.MediaBasicInfo!.MediaUrl, commit.MediaUrl);
    assert.ok(uploaded[0]!.EventHandle);
    await vod.ConfirmEvents({ EventHandles: pulled.EventSet!.map((e) => e.EventHandle!) });
    const again = await vod.PullEvents({});
    assert.deepEqual(again.EventSet ?? [], [], 'confirmed events are not delivered again');
    // A confirmed handle is not valid any more.
    const late = await sdkError(vod.ConfirmEvents({ EventHandles: [uploaded[0]!.EventHandle!] }));
    assert.equal(late.code, 'InvalidParameterValue');

    // ModifyMediaInfo: the changes show in Describe and Search.
    await vod.ModifyMediaInfo({ FileId: fileId, Name: 'renamed by conformance', Description: 'described', AddTags: ['conf-tag'] });
    const after1 = (await vod.DescribeMediaInfos({ FileIds: [fileId], Filters: ['basicInfo'] })).MediaInfoSet![0]!;
    assert.equal(after1.BasicInfo!.Name, 'renamed by conformance');
    assert.equal(after1.BasicInfo!.Description, 'described');
    assert.deepEqual(after1.BasicInfo!.TagSet, ['conf-tag']);
    const byName = await vod.SearchMedia({ Names: ['renamed by'] });
    assert.equal(byName.TotalCount, 1);
    assert.equal(byName.MediaInfoSet![0]!.FileId, fileId);
    assert.equal(byName.MediaInfoSet![0]!.BasicInfo!.Name, 'renamed by conformance');
    const byTag = await vod.SearchMedia({ Tags: ['conf-tag'], Sort: { Field: 'CreateTime', Order: 'Desc' } });
    assert.deepEqual(byTag.MediaInfoSet!.map((m) => m.FileId), [fileId]);
    assert.equal((await vod.SearchMedia({ Names: ['conformance clip'] })).TotalCount, 0, 'the old name is gone');

    // DeleteMedia: Describe reports the FileId as not existing, the URL stops serving, a FileDeleted event.
    await vod.DeleteMedia({ FileId: fileId });
    const gone = await vod.DescribeMediaInfos({ FileIds: [fileId] });
    assert.deepEqual(gone.NotExistFileIdSet, [fileId]);
    assert.deepEqual(gone.MediaInfoSet ?? [], []);
    assert.equal((await vod.SearchMedia({ FileIds: [fileId] })).TotalCount, 0);
    const dead = await fetch(commit.MediaUrl!);
    await dead.arrayBuffer();
    assert.equal(dead.status, 404);
    const deleted = await vod.PullEvents({});
    const ev = deleted.EventSet!.find((e) => e.EventType === 'FileDeleted');
    assert.ok(ev, 'a FileDeleted event');
    assert.deepEqual(ev.FileDeleteEvent!.FileIdSet, [fileId]);
    await vod.ConfirmEvents({ EventHandles: deleted.EventSet!.map((e) => e.EventHandle!) });

    // Deleting again: the cloud's ResourceNotFound.
    assert.equal((await sdkError(vod.DeleteMedia({ FileId: fileId }))).code, 'ResourceNotFound');
  });

  it('CommitUpload of an unknown session key fails with InvalidParameterValue.VodSessionKey', async () => {
    const e = await sdkError(vod.CommitUpload({ VodSessionKey: 'not-a-session-key' }));
    assert.equal(e.code, 'InvalidParameterValue.VodSessionKey');
  });

  it('rejects a wrong SecretKey with AuthFailure.SignatureFailure and an unknown SecretId with AuthFailure.SecretIdNotFound', async () => {
    const wrongKey = vodClient(emu, { secretId: emu.info.secretId, secretKey: 'obviously-wrong-fake-key' });
    const e1 = await sdkError(wrongKey.ApplyUpload({ MediaType: 'mp4' }));
    assert.equal(e1.code, 'AuthFailure.SignatureFailure');
    assert.match(e1.requestId ?? '', /^[0-9a-f-]{36}$/, 'the SDK read the RequestId of the error envelope');
    const e2 = await sdkError(wrongKey.DescribeMediaInfos({ FileIds: ['1'] }));
    assert.equal(e2.code, 'AuthFailure.SignatureFailure');

    const wrongId = vodClient(emu, { secretId: 'AKIDnot-a-known-fake-id', secretKey: emu.info.secretKey });
    const e3 = await sdkError(wrongId.ApplyUpload({ MediaType: 'mp4' }));
    assert.equal(e3.code, 'AuthFailure.SecretIdNotFound');

    // The right key still works afterwards (nothing was locked out).
    const ok = await vod.ApplyUpload({ MediaType: 'mp4' });
    assert.ok(ok.VodSessionKey);
  });
});
