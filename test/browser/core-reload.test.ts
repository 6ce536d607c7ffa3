// A real page reload mid-upload: the engine runs in an <iframe> (test/browser/core-reload-frame.html) on a 256 MiB
// disk-backed picked File (8 MiB parts, 4 in flight); once some parts are stored the frame is reloaded, the same
// file on disk is picked again, and a new Upload resumes from IndexedDB + ListParts. The emulator counts every
// UploadPart request; its counts right after the reload (nothing is sent then) split the parts exactly: a part
// stored before the reload is never sent again; only parts that had been sent but were not stored (in flight at
// the reload) may be sent twice; parts not yet sent are sent once; every part is stored once; the media is intact.
import { expect } from '@esm-bundle/chai';
import type { EngineFrame, FrameStart } from './core-reload-frame.ts';
import { type EmulatorInfo, MIB, SESSION_SECRET, control, emulatorInfo, pickFile, removePicked, sha1OfUrl, until } from './core-support.ts';

const PARTS = 32;

let emulator: EmulatorInfo;
let iframe: HTMLIFrameElement;

const engine = () => (iframe.contentWindow as unknown as { engineFrame?: EngineFrame }).engineFrame;
const loaded = () => new Promise<void>((resolve) => iframe.addEventListener('load', () => resolve(), { once: true }));

before(async () => {
  emulator = await emulatorInfo();
  iframe = document.createElement('iframe');
  iframe.id = 'engine-frame';
  const ready = loaded();
  iframe.src = new URL('./core-reload-frame.html', import.meta.url).href;
  document.body.append(iframe);
  await ready;
});

after(() => iframe.remove());

describe('core engine in Chromium, page reload', () => {
  it('resumes after a reload mid-upload without sending a finished part again', async function () {
    this.timeout(300_000);
    await control(emulator, 'stats', { method: 'DELETE' });
    const start: FrameStart = {
      emulator,
      sessionSecret: SESSION_SECRET,
      db: `core-reload-${Date.now()}`,
      partSize: 8 * MIB,
      concurrency: 4,
    };
    const picked = await pickFile({ selector: '#file', frame: '#engine-frame', mib: PARTS * 8, name: `reload-${Date.now()}.mp4` });
    try {
      expect(await until(() => engine(), 20_000)).to.not.equal(undefined, 'the frame script ran');
      engine()!.start(start);
      await until(() => (engine()!.state?.partsDone ?? 0) >= 8 || engine()!.error, 120_000);
      expect(engine()!.error).to.equal(undefined);
      expect(engine()!.state!.partsDone).to.be.within(8, PARTS - 1);
      const before = await control(emulator, 'stats');

      const reloaded = loaded();
      iframe.contentWindow!.location.reload();
      await reloaded;
      expect(await until(() => engine(), 20_000)).to.not.equal(undefined, 'the frame script ran again');
      expect(engine()!.state).to.equal(undefined, 'a new page');
      const atReload = await control(emulator, 'stats'); // the old page is gone, the new one has not sent anything
      const again = await pickFile({ selector: '#file', frame: '#engine-frame', path: picked.path });
      expect(again.sha1).to.equal(picked.sha1);
      engine()!.start(start);
      await until(() => engine()!.result || engine()!.error, 240_000);
      expect(engine()!.error).to.equal(undefined);
      const state = engine()!.state!;
      expect(state.status).to.equal('done');
      expect(state.resumed).to.equal(true, 'the new Upload resumed the saved session');
      expect(state.sha1).to.equal(picked.sha1, 'the SHA-1 continued from the saved state is right');

      const after = await control(emulator, 'stats');
      const uploads = Object.keys(after.uploadPartsByUpload);
      expect(uploads.length).to.equal(1, 'one multipart upload, before and after the reload');
      const sent: Record<string, number> = after.uploadPartsByUpload[uploads[0]!];
      const stored = new Set(Object.keys(atReload.uploadPartsStored));
      const sentBefore = new Set(Object.keys(atReload.uploadParts));
      for (const n of Object.keys(before.uploadPartsStored)) expect(stored.has(n)).to.equal(true);
      expect(stored.size).to.be.within(8, PARTS - 1);
      expect(sentBefore.size).to.be.at.least(stored.size);
      const numbers = Array.from({ length: PARTS }, (_, i) => String(i + 1));
      for (const n of numbers) {
        expect(after.uploadPartsStored[n]).to.equal(1, `part ${n} stored once`);
        if (stored.has(n)) expect(sent[n]).to.equal(1, `part ${n} was stored before the reload: never sent again`);
        else if (sentBefore.has(n)) expect(sent[n]).to.be.within(1, 2, `part ${n} was in flight at the reload`);
        else expect(sent[n]).to.equal(1, `part ${n} was first sent after the reload`);
      }
      // One ListParts for the resume (the signer's complete checks the list with another).
      expect(atReload.ops.ListParts ?? 0).to.equal(0);
      expect(after.ops.ListParts).to.equal(2, 'ListParts decided what was left');
      expect(after.ops.ApplyUpload).to.equal(1, 'no new VOD upload');

      const served = await sha1OfUrl(engine()!.result!.mediaUrl);
      expect(served.size).to.equal(PARTS * 8 * MIB);
      expect(served.sha1).to.equal(picked.sha1, 'the SHA-1 of the served media');
    } finally {
      await removePicked(picked.path);
    }
  });
});
