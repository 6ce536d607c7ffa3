/**
 * Outside referee for the emulator's COS XML API: the official `cos-nodejs-sdk-v5`, given only ApplyUpload's
 * temporary credential and `Domain`/`Protocol` pointing at the emulator, must be able to putObject, run a
 * whole sliceUploadFile, and resume an interrupted sliceUploadFile with its own logic (ListMultipartUploads →
 * ListParts → MD5 of every finished part compared with the listed ETag) without re-sending finished parts.
 * The emulator's `stats` count every UploadPart by part number, so re-sent parts would show. The bytes are
 * read back through CommitUpload's MediaUrl and compared by SHA-1.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import COS from 'cos-nodejs-sdk-v5';
import * as tencentcloud from 'tencentcloud-sdk-nodejs-vod';
import { startEmulator, type RunningEmulator } from '@vod-uploader/emulator';

for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) process.env[k] = '';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MiB = 1024 * 1024;
const VodClient = tencentcloud.vod.v20180717.Client;
type Apply = Awaited<ReturnType<InstanceType<typeof VodClient>['ApplyUpload']>>;

const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

/** CRC-64/XZ (what `x-cos-hash-crc64ecma` carries): a plain table-driven CRC over 32-bit halves, independent of the emulator's code. */
const CRC_HI = new Uint32Array(256);
const CRC_LO = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let hi = 0;
  let lo = n;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi >>>= 1;
    if (carry) {
      hi = (hi ^ 0xc96c5795) >>> 0;
      lo = (lo ^ 0xd7870f42) >>> 0;
    }
  }
  CRC_HI[n] = hi;
  CRC_LO[n] = lo;
}
function crc64(bytes: Uint8Array): string {
  let hi = 0xffffffff;
  let lo = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    const t = (lo ^ bytes[i]!) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ CRC_LO[t]!) >>> 0;
    hi = ((hi >>> 8) ^ CRC_HI[t]!) >>> 0;
  }
  return ((BigInt((hi ^ 0xffffffff) >>> 0) << 32n) | BigInt((lo ^ 0xffffffff) >>> 0)).toString();
}
assert.equal(crc64(Buffer.from('123456789')), BigInt('0x995dc9bbdf1939fa').toString(), 'CRC-64/XZ check value');

interface Target {
  apply: Apply;
  bucket: string;
  region: string;
  key: string;
}

function target(apply: Apply): Target {
  return { apply, bucket: apply.StorageBucket!, region: apply.StorageRegion!, key: apply.MediaStoragePath!.slice(1) };
}

describe('conformance: cos-nodejs-sdk-v5 against the emulator', { timeout: 180_000 }, () => {
  let dir: string;
  let work: string;
  let emu: RunningEmulator;
  let vod: InstanceType<typeof VodClient>;

  /** A COS SDK instance with the session's temporary credential; `ConfCwd` keeps its upload-id cache in a temp dir. */
  const cosFor = (apply: Apply, over: Partial<COS.COSOptions> = {}) => {
    const cert = apply.TempCertificate!;
    return new COS({
      SecretId: cert.SecretId!,
      SecretKey: cert.SecretKey!,
      SecurityToken: cert.Token!,
      Domain: emu.info.cosDomain,
      Protocol: 'http:',
      Timeout: 60_000,
      ConfCwd: join(work, 'cos-cache-main'),
      ...over,
    });
  };

  const newTarget = async (mediaName: string) => target(await vod.ApplyUpload({ MediaType: 'mp4', MediaName: mediaName }));

  /** Commits the session and reads the media back through its MediaUrl. */
  const commitAndRead = async (t: Target) => {
    const commit = await vod.CommitUpload({ VodSessionKey: t.apply.VodSessionKey! });
    assert.match(commit.FileId!, /^\d+$/);
    const res = await fetch(commit.MediaUrl!);
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    return { fileId: commit.FileId!, bytes };
  };

  const sourceFile = (name: string, size: number) => {
    const path = join(work, name);
    writeFileSync(path, randomBytes(size));
    return { path, bytes: readFileSync(path) };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vod-conf-cos-data-'));
    work = mkdtempSync(join(tmpdir(), 'vod-conf-cos-work-'));
    emu = await startEmulator({ dataDir: dir, port: 0, log: () => {} });
    vod = new VodClient({
      credential: { secretId: emu.info.secretId, secretKey: emu.info.secretKey },
      region: 'ap-guangzhou',
      profile: { httpProfile: { endpoint: new URL(emu.info.vodEndpoint).host, protocol: 'http://' } },
    });
  });
  after(async () => {
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('putObject with the temporary credential: ETag = quoted MD5, CRC-64 header, head/get, MediaUrl serves the bytes', async () => {
    const t = await newTarget('put');
    const body = randomBytes(200_000);
    const cos = cosFor(t.apply);
    const put = await cos.putObject({ Bucket: t.bucket, Region: t.region, Key: t.key, Body: body, ContentType: 'video/mp4' });
    assert.equal(put.statusCode, 200);
    assert.equal(put.ETag, `"${md5(body)}"`);
    assert.equal(put.headers?.['x-cos-hash-crc64ecma'], crc64(body));

    const head = await cos.headObject({ Bucket: t.bucket, Region: t.region, Key: t.key });
    assert.equal(head.headers?.['content-length'], String(body.length));
    assert.equal(head.ETag, `"${md5(body)}"`);
    const got = await cos.getObject({ Bucket: t.bucket, Region: t.region, Key: t.key, Range: 'bytes=100-199' });
    assert.equal(got.statusCode, 206);
    assert.deepEqual(Buffer.from(got.Body as Buffer), body.subarray(100, 200));

    const { bytes } = await commitAndRead(t);
    assert.equal(sha1(bytes), sha1(body));
  });

  it('sliceUploadFile: 20 MiB in 1 MiB parts, each part sent once, the object reads back with the same SHA-1', async () => {
    const t = await newTarget('slice');
    const src = sourceFile('slice.bin', 20 * MiB);
    emu.stats.reset();
    const cos = cosFor(t.apply);
    const done = await cos.sliceUploadFile({ Bucket: t.bucket, Region: t.region, Key: t.key, FilePath: src.path, ChunkSize: MiB });
    assert.match(done.ETag, /^"[0-9a-f]{32}-20"$/, 'multipart ETag "md5(part md5s)-20"');
    const s = emu.stats.snapshot();
    assert.equal(s.ops.InitiateMultipartUpload, 1);
    assert.equal(s.ops.CompleteMultipartUpload, 1);
    assert.deepEqual(s.uploadParts, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [String(i + 1), 1])));
    assert.equal(s.bytesReceived >= 20 * MiB, true);

    const head = await cos.headObject({ Bucket: t.bucket, Region: t.region, Key: t.key });
    assert.equal(head.headers?.['content-length'], String(20 * MiB));
    assert.equal(head.headers?.['x-cos-hash-crc64ecma'], crc64(src.bytes), 'whole-object CRC-64 combined from the parts');

    const { bytes, fileId } = await commitAndRead(t);
    assert.equal(bytes.length, src.bytes.length);
    assert.equal(sha1(bytes), sha1(src.bytes));
    const info = await vod.DescribeMediaInfos({ FileIds: [fileId], Filters: ['metaData'] });
    assert.equal(info.MediaInfoSet![0]!.MetaData!.Md5, md5(src.bytes));
    assert.equal(info.MediaInfoSet![0]!.MetaData!.Size, 20 * MiB);
  });

  it('resumes an interrupted sliceUploadFile in a new process without re-sending finished parts', async () => {
    const t = await newTarget('resume');
    const src = sourceFile('resume.bin', 20 * MiB);
    emu.stats.reset();
    // Part 9 keeps failing with 503 (more times than the SDK retries it), so the first run gives up.
    emu.faults.add({ op: 'UploadPart', partNumber: 9, times: 10, action: { type: 'status', status: 503 } });
    const first = cosFor(t.apply);
    const failure = await first
      .sliceUploadFile({ Bucket: t.bucket, Region: t.region, Key: t.key, FilePath: src.path, ChunkSize: MiB })
      .then(() => undefined, (e: COS.CosError) => e);
    assert.ok(failure, 'the first run failed');
    assert.equal(failure.statusCode, 503);
    // Parts that were in flight when it failed still finish; wait until the counters stand still.
    let before = JSON.stringify(emu.stats.snapshot());
    for (let quiet = 0; quiet < 3; ) {
      await new Promise((r) => setTimeout(r, 100));
      const now = JSON.stringify(emu.stats.snapshot());
      quiet = now === before ? quiet + 1 : 0;
      before = now;
    }
    emu.faults.reset();
    const s1 = emu.stats.snapshot();
    assert.equal(s1.ops.InitiateMultipartUpload, 1);
    const uploadIds = Object.keys(s1.uploadPartsByUpload);
    assert.equal(uploadIds.length, 1);
    const uploadId = uploadIds[0]!;
    assert.equal(s1.uploadPartsByUpload[uploadId]!['9'], 3, 'part 9 was tried 1 + ChunkRetryTimes(2) times');
    const listed = await first.multipartListPart({ Bucket: t.bucket, Region: t.region, Key: t.key, UploadId: uploadId });
    const finished = listed.Part.map((p) => Number(p.PartNumber)).sort((a, b) => a - b);
    assert.ok(finished.length >= 8 && finished.length < 20, `some parts finished, not all (${finished.join(',')})`);
    assert.ok(!finished.includes(9));
    for (const n of finished) assert.equal(s1.uploadPartsByUpload[uploadId]![n], 1, `part ${n} sent once so far`);

    // The resume: a NEW process with a fresh SDK (cos-nodejs-sdk-v5 keeps a failed upload id marked "in use"
    // for the life of the process) and an empty upload-id cache, so it must find the upload by listing and
    // check every finished part's MD5 against ListParts itself.
    const child = await runResumeChild({
      cert: t.apply.TempCertificate!,
      domain: emu.info.cosDomain,
      bucket: t.bucket,
      region: t.region,
      key: t.key,
      filePath: src.path,
      chunkSize: MiB,
      confCwd: join(work, 'cos-cache-child'),
    });
    assert.equal(child.error, undefined, `the resume succeeded: ${child.error ?? ''}`);
    assert.equal(child.uploadId, uploadId, 'the resume continued the same multipart upload');
    assert.match(child.etag!, /^"[0-9a-f]{32}-20"$/);
    const finishedBytes = finished.reduce((n, p) => n + Math.min(MiB, 20 * MiB - (p - 1) * MiB), 0);
    assert.equal(child.hashedBytes, finishedBytes, 'the SDK MD5-checked exactly the finished parts');

    const s2 = emu.stats.snapshot();
    assert.equal(s2.ops.InitiateMultipartUpload, 1, 'no new multipart upload');
    assert.ok((s2.ops.ListMultipartUploads ?? 0) >= 1, 'found by ListMultipartUploads');
    assert.ok((s2.ops.ListParts ?? 0) >= 1, 'checked with ListParts');
    const counts = s2.uploadPartsByUpload[uploadId]!;
    for (let n = 1; n <= 20; n++) {
      const was = s1.uploadPartsByUpload[uploadId]![n] ?? 0;
      if (finished.includes(n)) assert.equal(counts[n], 1, `finished part ${n} was not sent again`);
      else assert.equal(counts[n], was + 1, `unfinished part ${n} was sent once by the resume`);
    }
    assert.deepEqual(Object.keys(s2.uploadPartsByUpload), [uploadId]);

    const { bytes, fileId } = await commitAndRead(t);
    assert.equal(sha1(bytes), sha1(src.bytes), 'the MediaUrl serves the source file');
    const info = await vod.DescribeMediaInfos({ FileIds: [fileId], Filters: ['metaData'] });
    assert.equal(info.MediaInfoSet![0]!.MetaData!.Md5, md5(src.bytes));
  });

  it('rejects a wrong TmpSecretKey with SignatureDoesNotMatch and an unknown TmpSecretId with 403', async () => {
    const t = await newTarget('auth');
    const cert = t.apply.TempCertificate!;
    const body = Buffer.from('not stored');
    const wrongKey = cosFor(t.apply, { SecretKey: 'obviously-wrong-fake-tmp-key' });
    const e1 = await wrongKey.putObject({ Bucket: t.bucket, Region: t.region, Key: t.key, Body: body }).then(() => undefined, (e: COS.CosError) => e);
    assert.ok(e1);
    assert.equal(e1.statusCode, 403);
    assert.equal(e1.code, 'SignatureDoesNotMatch');
    const e2 = await wrongKey.multipartInit({ Bucket: t.bucket, Region: t.region, Key: t.key }).then(() => undefined, (e: COS.CosError) => e);
    assert.equal(e2?.code, 'SignatureDoesNotMatch');

    const wrongId = cosFor(t.apply, { SecretId: `${cert.SecretId}-unknown` });
    const e3 = await wrongId.putObject({ Bucket: t.bucket, Region: t.region, Key: t.key, Body: body }).then(() => undefined, (e: COS.CosError) => e);
    assert.equal(e3?.statusCode, 403);
    assert.equal(e3?.code, 'InvalidAccessKeyId');

    // Nothing was stored: the right credential finds no object yet.
    const head = await cosFor(t.apply).headObject({ Bucket: t.bucket, Region: t.region, Key: t.key }).then(() => undefined, (e: COS.CosError) => e);
    assert.equal(head?.statusCode, 404);
  });
});

interface ChildInput {
  cert: { SecretId?: string; SecretKey?: string; Token?: string };
  domain: string;
  bucket: string;
  region: string;
  key: string;
  filePath: string;
  chunkSize: number;
  confCwd: string;
}
interface ChildResult {
  error?: string;
  uploadId?: string;
  etag?: string;
  hashedBytes?: number;
}

/** The resume leg: plain CommonJS in a child node, parameters on stdin (no secret in argv), one JSON line out. */
const CHILD = `
const COS = require('cos-nodejs-sdk-v5');
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const p = JSON.parse(input);
  const cos = new COS({ SecretId: p.cert.SecretId, SecretKey: p.cert.SecretKey, SecurityToken: p.cert.Token,
    Domain: p.domain, Protocol: 'http:', Timeout: 60000, ConfCwd: p.confCwd });
  let hashedBytes = 0;
  cos.sliceUploadFile({ Bucket: p.bucket, Region: p.region, Key: p.key, FilePath: p.filePath, ChunkSize: p.chunkSize,
    onHashProgress: (info) => { hashedBytes = info.loaded; } }, (err, data) => {
    const out = err ? { error: String(err.code || err.message || err) } : { uploadId: data.UploadId, etag: data.ETag, hashedBytes };
    process.stdout.write(JSON.stringify(out) + '\\n', () => process.exit(0));
  });
});
`;

function runResumeChild(input: ChildInput): Promise<ChildResult> {
  mkdirSync(input.confCwd, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: input.confCwd },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return reject(new Error(`resume child exited ${code} without a result: ${err.slice(0, 500)}`));
      resolve(JSON.parse(line) as ChildResult);
    });
    child.stdin.end(JSON.stringify(input));
  });
}
