import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { applyUpload, bytes, cos, cosCode, MiB, testEmulator, vod, xmlField, type Upload } from './testing.ts';

const md5hex = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

describe('persistence: a restart on the same data dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vod-emu-persist-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const state: {
    done?: Upload;
    fileId?: string;
    mediaUrl?: string;
    pending?: Upload;
    uploadId?: string;
    part1?: Uint8Array;
    media?: Uint8Array;
    single?: Upload;
    singleBody?: Uint8Array;
  } = {};

  it('first run: media committed, a multipart upload half done, an object stored, an event queued', async () => {
    const emu = testEmulator({ pullEventsWaitMs: 0 }, dir);
    try {
      // A committed multipart media.
      const done = await applyUpload(emu, { MediaType: 'mp4', MediaName: 'kept' });
      const init = await (await cos(emu, done, { method: 'POST', key: done.key, query: { uploads: '' } })).text();
      const id = xmlField(init, 'UploadId')!;
      const p1 = bytes(MiB, 1);
      const p2 = bytes(1000, 2);
      for (const [n, p] of [[1, p1], [2, p2]] as const) {
        assert.equal((await cos(emu, done, { method: 'PUT', key: done.key, query: { partNumber: String(n), uploadId: id }, body: p })).status, 200);
      }
      const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"${md5hex(p1)}"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>"${md5hex(p2)}"</ETag></Part></CompleteMultipartUpload>`;
      assert.equal((await cos(emu, done, { method: 'POST', key: done.key, query: { uploadId: id }, body: xml })).status, 200);
      const commit = await vod<{ FileId: string; MediaUrl: string }>(emu, 'CommitUpload', { VodSessionKey: done.VodSessionKey });
      state.done = done;
      state.fileId = commit.FileId;
      state.mediaUrl = commit.MediaUrl;
      state.media = new Uint8Array([...p1, ...p2]);
      // A multipart upload with one part.
      const pending = await applyUpload(emu, { MediaType: 'mov' });
      const init2 = await (await cos(emu, pending, { method: 'POST', key: pending.key, query: { uploads: '' } })).text();
      state.uploadId = xmlField(init2, 'UploadId')!;
      state.part1 = bytes(MiB, 3);
      await cos(emu, pending, { method: 'PUT', key: pending.key, query: { partNumber: '1', uploadId: state.uploadId }, body: state.part1 });
      state.pending = pending;
      // A single-PUT object, not committed.
      const single = await applyUpload(emu, { MediaType: 'mp3' });
      state.singleBody = bytes(777, 4);
      await cos(emu, single, { method: 'PUT', key: single.key, body: state.singleBody });
      state.single = single;
    } finally {
      await emu.close();
    }
    assert.ok(existsSync(join(dir, 'state.json')));
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temp state files left');
  });

  it('second run: media, objects, parts, credentials, sessions and events are all back', async () => {
    // A crash between writing a blob and the state leaves an unreferenced blob (and a temp file): both go away.
    writeFileSync(join(dir, 'blobs', 'orphan'), 'x');
    writeFileSync(join(dir, 'tmp', 'half-written'), 'x');
    const emu = testEmulator({ pullEventsWaitMs: 0 }, dir);
    try {
      assert.ok(!existsSync(join(dir, 'blobs', 'orphan')));
      assert.deepEqual(readdirSync(join(dir, 'tmp')), []);
      // The media and its bytes.
      const d = await vod<{ MediaInfoSet: Array<{ BasicInfo: { Name: string }; MetaData: { Size: number; Md5: string } }> }>(emu, 'DescribeMediaInfos', { FileIds: [state.fileId] });
      assert.equal(d.MediaInfoSet[0]!.BasicInfo.Name, 'kept');
      assert.equal(d.MediaInfoSet[0]!.MetaData.Md5, md5hex(state.media!));
      const served = await emu.app.request(state.mediaUrl!);
      assert.deepEqual(new Uint8Array(await served.arrayBuffer()), state.media);
      // The queued event.
      const ev = await vod<{ EventSet: Array<{ EventType: string; FileUploadEvent: { FileId: string } }> }>(emu, 'PullEvents', {});
      assert.deepEqual(ev.EventSet.map((e) => [e.EventType, e.FileUploadEvent.FileId]), [['NewFileUpload', state.fileId]]);
      // The pending upload, its part, and the credential still work; finish it.
      const pending = state.pending!;
      const list = await (await cos(emu, pending, { method: 'GET', key: pending.key, query: { uploadId: state.uploadId! } })).text();
      assert.equal(xmlField(list, 'ETag'), `&quot;${md5hex(state.part1!)}&quot;`);
      const uploads = await (await cos(emu, pending, { method: 'GET', key: '', query: { uploads: '', prefix: pending.key } })).text();
      assert.equal(xmlField(uploads, 'UploadId'), state.uploadId);
      const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"${md5hex(state.part1!)}"</ETag></Part></CompleteMultipartUpload>`;
      assert.equal((await cos(emu, pending, { method: 'POST', key: pending.key, query: { uploadId: state.uploadId! }, body: xml })).status, 200);
      const commit = await vod<{ FileId: string }>(emu, 'CommitUpload', { VodSessionKey: pending.VodSessionKey });
      assert.notEqual(commit.FileId, state.fileId);
      // The single object.
      const got = await cos(emu, state.single!, { method: 'GET', key: state.single!.key });
      assert.deepEqual(new Uint8Array(await got.arrayBuffer()), state.singleBody);
      // Committing the first session again still answers with its FileId.
      const again = await vod<{ FileId: string }>(emu, 'CommitUpload', { VodSessionKey: state.done!.VodSessionKey });
      assert.equal(again.FileId, state.fileId);
    } finally {
      await emu.close();
    }
  });

  it('third run: what the second run did is kept too; deletions stick', async () => {
    const emu = testEmulator({}, dir);
    try {
      const all = await vod<{ TotalCount: number }>(emu, 'SearchMedia', {});
      assert.equal(all.TotalCount, 2);
      await vod(emu, 'DeleteMedia', { FileId: state.fileId });
    } finally {
      await emu.close();
    }
    const emu2 = testEmulator({}, dir);
    try {
      assert.equal((await vod<{ TotalCount: number }>(emu2, 'SearchMedia', {})).TotalCount, 1);
      assert.equal(await cosCode(await cos(emu2, state.done!, { method: 'HEAD', key: state.done!.key })), '(no code: 404 )');
      const saved = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { version: number };
      assert.equal(saved.version, 1);
    } finally {
      await emu2.close();
    }
  });
});
