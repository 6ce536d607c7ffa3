import { expect } from '@esm-bundle/chai';
import '@vod-uploader/element';
import type { VodUploader } from '@vod-uploader/element';
import { cleanup, fixture, makeFile, oneEvent, signerUrl } from './test/helpers.ts';

afterEach(cleanup);

describe('<vod-uploader> smoke', () => {
  it('uploads a small file through the signer and the emulator', async () => {
    const el = await fixture(`<vod-uploader></vod-uploader>`);
    el.signer = await signerUrl();
    const success = oneEvent(el, 'vod-upload-success');
    el.addFiles([makeFile(300_000)]);
    const ev = (await success) as CustomEvent;
    expect(ev.detail.fileId).to.be.a('string');
    await oneEvent(el, 'vod-complete');
    expect(el.value).to.equal(ev.detail.fileId);
  });
});
