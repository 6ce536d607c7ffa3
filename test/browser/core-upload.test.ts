// The upload engine in Chromium with its browser defaults (hash worker, XHR, IndexedDB): a disk-backed picked
// File goes through the real signer (createSigner, run in this page behind an in-memory fetch) to the emulator
// on loopback, cross-origin like COS. Faults come from the emulator's control routes.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { Hono } from 'hono';
import { type ResumeStore, type SignerClient, type Upload, type UploadState, createIdbResumeStore, createSignerClient, createUpload } from '@vod-uploader/core';
import { createSigner } from '@vod-uploader/signer';

const MIB = 1024 * 1024;

interface EmulatorInfo {
  vodEndpoint: string;
  cosDomain: string;
  secretId: string;
  secretKey: string;
  url: string;
}

let emulator: EmulatorInfo;
let signer: SignerClient;

async function hex(buffer: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', buffer));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function control(path: string, init?: RequestInit): Promise<any> {
  const res = await fetch(`${emulator.url}/__emulator/${path}`, init);
  return res.status === 204 ? undefined : res.json();
}

async function pick(mib: number): Promise<{ file: File; sha1: string }> {
  const input = document.createElement('input');
  input.type = 'file';
  input.id = `pick-${Math.random().toString(36).slice(2)}`;
  document.body.append(input);
  try {
    const picked = await executeServerCommand<{ sha1: string; size: number }, { selector: string; mib: number; name: string }>('pick-file', {
      selector: `#${input.id}`,
      mib,
      name: `${input.id}.mp4`,
    });
    return { file: input.files![0]!, sha1: picked.sha1 };
  } finally {
    input.remove();
  }
}

before(async () => {
  emulator = await executeServerCommand<EmulatorInfo, undefined>('emulator');
  const app = createSigner({
    secretId: emulator.secretId,
    secretKey: emulator.secretKey,
    sessionSecret: 'browser-engine-test-session-secret-0123456789',
    vodEndpoint: emulator.vodEndpoint,
    cosEndpoint: `http://${emulator.cosDomain}`,
    rateLimit: false,
    policy: { singleThreshold: MIB },
  });
  const host = new Hono();
  host.route('/vod', app);
  signer = createSignerClient({ url: 'http://signer.invalid/vod', fetch: async (input, init) => host.fetch(new Request(input, init)) });
});

describe('core engine in Chromium', () => {
  it('uploads a 24 MiB picked file: worker hashing, 4 parts in flight over XHR, media served back intact', async function () {
    this.timeout(120_000);
    await control('stats', { method: 'DELETE' });
    // Two slow parts keep the upload going for a while, so the speed is sampled mid-way however fast the rest is.
    for (const [partNumber, ms] of [[2, 400], [6, 800]]) {
      await control('faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ op: 'UploadPart', partNumber, times: 1, action: { type: 'delay', ms } }) });
    }
    const { file, sha1 } = await pick(24);
    const upload = createUpload({ file, signer, partSize: 4 * MIB, resume: false });
    const states: UploadState[] = [];
    upload.subscribe((s) => states.push(s));
    const result = await upload.start();
    expect(result.fileId).to.be.a('string').and.not.equal('');
    const last = states.at(-1)!;
    expect(last.status).to.equal('done');
    expect(last.sha1).to.equal(sha1);
    expect(last.percent).to.equal(100);
    expect(states.some((s) => s.partsInFlight > 1)).to.equal(true);
    // A speed while the upload runs. (Not necessarily below the file's size: loopback socket buffers may take a
    // delayed part's bytes whole, so the browser can report every byte sent before the last answers come.)
    expect(states.some((s) => s.status === 'running' && s.bytesUploaded > 0 && s.speed > 0)).to.equal(true, 'progress with a speed');
    const stats = await control('stats');
    expect(stats.uploadPartsStored).to.deep.equal({ 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1 });
    const media = await fetch(result.mediaUrl);
    expect(media.status).to.equal(200);
    expect(await hex(await media.arrayBuffer())).to.equal(sha1);
  });

  it('retries a part after injected 503s and a cut connection', async function () {
    this.timeout(120_000);
    await control('stats', { method: 'DELETE' });
    await control('faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ op: 'UploadPart', partNumber: 2, times: 2, action: { type: 'status', status: 503 } }) });
    await control('faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ op: 'UploadPart', partNumber: 3, times: 1, action: { type: 'cut' } }) });
    const { file, sha1 } = await pick(6);
    const upload = createUpload({ file, signer, partSize: 2 * MIB, resume: false, retry: { baseDelay: 20, maxDelay: 100 } });
    const result = await upload.start();
    const stats = await control('stats');
    expect(stats.uploadParts[2]).to.equal(3);
    expect(stats.uploadParts[3]).to.equal(2);
    expect(stats.uploadPartsStored).to.deep.equal({ 1: 1, 2: 1, 3: 1 });
    expect(await hex(await (await fetch(result.mediaUrl)).arrayBuffer())).to.equal(sha1);
  });

  it('continues from IndexedDB in a new Upload of the same File without sending finished parts again', async function () {
    this.timeout(120_000);
    await control('stats', { method: 'DELETE' });
    const idb = createIdbResumeStore({ name: `core-test-${Date.now()}` });
    let saved = 0;
    const store: ResumeStore = {
      get: (key) => idb.get(key),
      delete: (key) => idb.delete(key),
      set: async (record) => {
        await idb.set(record);
        saved = Math.max(saved, record.parts.length);
      },
    };
    const { file, sha1 } = await pick(10);
    let first!: Upload;
    first = createUpload({ file, signer, partSize: 2 * MIB, concurrency: 1, resume: store });
    first.subscribe((s) => {
      if (s.partsDone === 2 && s.status === 'running') first.pause();
    });
    void first.start();
    for (let i = 0; i < 2000 && first.state.status !== 'paused'; i++) await new Promise((r) => setTimeout(r, 5));
    expect(first.state.status).to.equal('paused');
    for (let i = 0; i < 2000 && saved < 2; i++) await new Promise((r) => setTimeout(r, 5)); // the record with both parts lands
    expect(saved).to.equal(2);

    const second = createUpload({ file, signer, partSize: 2 * MIB, resume: store });
    const result = await second.start();
    expect(second.state.resumed).to.equal(true);
    const stats = await control('stats');
    expect(stats.ops.ApplyUpload).to.equal(1);
    for (const n of ['1', '2']) expect(stats.uploadPartsStored[n]).to.equal(1, `part ${n} once`);
    expect(Object.keys(stats.uploadPartsStored).length).to.equal(5);
    expect(await hex(await (await fetch(result.mediaUrl)).arrayBuffer())).to.equal(sha1);
  });
});
