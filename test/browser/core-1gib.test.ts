// A 1 GiB disk-backed picked File through the engine's browser defaults (hash worker reading File slices, XHR,
// 8 MiB parts, 4 in flight) and the real signer to the emulator, then read back from its MediaUrl: the SHA-1 of
// the served bytes = the SHA-1 of the file on disk = the SHA-1 the engine computed. Only disk-backed slices are
// read, so Chromium's in-memory Blob budget (~500 MiB) is never touched.
import { expect } from '@esm-bundle/chai';
import { type SignerClient, type UploadState, createUpload } from '@vod-uploader/core';
import { type EmulatorInfo, MIB, control, emulatorInfo, inPageSigner, pick, removePicked, sha1OfUrl } from './core-support.ts';

let emulator: EmulatorInfo;
let signer: SignerClient;

before(async () => {
  emulator = await emulatorInfo();
  // No instant-upload index: its verifier would read the 1 GiB back in this page after the test.
  signer = inPageSigner(emulator, { instant: false });
});

describe('core engine in Chromium, 1 GiB', () => {
  it('uploads a 1 GiB picked file and reads back the same SHA-1 from the MediaUrl', async function () {
    this.timeout(600_000);
    await control(emulator, 'stats', { method: 'DELETE' });
    const picked = await pick(1024);
    try {
      expect(picked.file.size).to.equal(1024 * MIB);
      const upload = createUpload({ file: picked.file, signer, resume: false });
      let last: UploadState | undefined;
      let maxInFlight = 0;
      upload.subscribe((s) => {
        last = s;
        maxInFlight = Math.max(maxInFlight, s.partsInFlight);
      });
      const result = await upload.start();
      expect(last!.status).to.equal('done');
      expect(last!.partsTotal).to.equal(128);
      expect(last!.sha1).to.equal(picked.sha1, "the engine's SHA-1");
      expect(maxInFlight).to.be.within(2, 4);

      const stats = await control(emulator, 'stats');
      expect(Object.keys(stats.uploadPartsStored).length).to.equal(128);
      expect(Object.values(stats.uploadPartsStored).every((n) => n === 1)).to.equal(true, 'each part stored once');

      const served = await sha1OfUrl(result.mediaUrl);
      expect(served.status).to.equal(200);
      expect(served.size).to.equal(1024 * MIB);
      expect(served.sha1).to.equal(picked.sha1, 'the SHA-1 of the served media');
    } finally {
      await removePicked(picked.path);
    }
  });
});
