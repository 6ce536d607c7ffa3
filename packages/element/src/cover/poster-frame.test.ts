// Covers: poster frames grabbed from a real (recorded) video in the browser, the cover chooser of a row (moment
// slider, "Use this frame", an image instead), and the cover uploaded as the VOD cover with the video.
import { expect } from '@esm-bundle/chai';
import { VOD_COVER_TYPES } from '@vod-uploader/element';
import { captureFrame, grabPosterFrame, loadVideo, seekVideo } from '@vod-uploader/element/poster-frame.js';
import { COVER_TYPES, validCover } from './cover-chooser.ts';
import {
  axeViolations,
  cleanup,
  describeViolations,
  fixture,
  oneEvent,
  part,
  recordVideo,
  rowButton,
  signerUrl,
  until,
} from '../test/helpers.ts';

let video: File;
before(async function () {
  this.timeout(20_000);
  video = await recordVideo(1.2, 'sunset.webm');
});
afterEach(cleanup);

async function pngFile(name = 'poster.png'): Promise<File> {
  const canvas = new OffscreenCanvas(32, 18);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#c00';
  ctx.fillRect(0, 0, 32, 18);
  return new File([await canvas.convertToBlob({ type: 'image/png' })], name, { type: 'image/png' });
}

describe('poster frames', () => {
  it('grabs a JPEG frame at a chosen moment of a recorded video', async () => {
    const cover = await grabPosterFrame(video, { time: 0.6 });
    expect(cover.type).to.equal('image/jpeg');
    expect(cover.name).to.equal('cover.jpg');
    const bitmap = await createImageBitmap(cover);
    expect([bitmap.width, bitmap.height]).to.deep.equal([160, 90]);
  });

  it('gives a finite duration for MediaRecorder output, seeks and scales', async () => {
    const v = await loadVideo(video);
    try {
      expect(Number.isFinite(v.duration)).to.equal(true);
      expect(v.duration).to.be.greaterThan(0.5);
      await seekVideo(v, 0.9);
      expect(v.currentTime).to.be.closeTo(0.9, 0.05);
      const small = await createImageBitmap(await captureFrame(v, 80));
      expect([small.width, small.height]).to.deep.equal([80, 45]);
    } finally {
      URL.revokeObjectURL(v.src);
    }
  });

  it('rejects what is not a playable video', async () => {
    let error: unknown;
    try {
      await grabPosterFrame(new File([new Uint8Array(1000)], 'noise.mp4', { type: 'video/mp4' }), { timeout: 3000 });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(Error);
  });
});

describe('cover images', () => {
  it('takes the types VOD takes, up to 10 MiB', () => {
    expect(COVER_TYPES).to.deep.equal(VOD_COVER_TYPES.split(' '));
    expect(validCover(new File([new Uint8Array(10)], 'a.PNG'))).to.equal(true);
    expect(validCover(new File([new Uint8Array(10)], 'noext', { type: 'image/webp' }))).to.equal(true);
    expect(validCover(new File([new Uint8Array(10)], 'a.tiff', { type: 'image/tiff' }))).to.equal(false);
    expect(validCover(new File([], 'empty.jpg'))).to.equal(false);
    expect(validCover(new File([new Uint8Array((10 << 20) + 1)], 'big.jpg'))).to.equal(false);
  });
});

describe('<vod-uploader cover>', () => {
  it('chooses a frame with the moment slider, or an image, and uploads it as the VOD cover', async () => {
    const el = await fixture('<vod-uploader cover manual></vod-uploader>');
    el.signer = await signerUrl();
    el.addFiles([video]);
    // The Cover button comes with the cover chunk (loaded on demand).
    const coverButton = await until(() => rowButton(el, 'Cover'), 5000, 'Cover button');
    expect(coverButton.getAttribute('aria-expanded')).to.equal('false');
    coverButton.click();
    const panel = await until(() => part(el, 'cover-panel'), 5000, 'cover panel');
    const slider = await until(() => panel.querySelector<HTMLInputElement>('input[type="range"]'), 10_000, 'moment slider');
    expect(coverButton.getAttribute('aria-expanded')).to.equal('true');
    expect(slider.closest('label')!.textContent).to.contain('Moment of the poster frame');
    expect(Number(slider.max)).to.be.greaterThan(0.5);
    let v = await axeViolations(el);
    expect(v, describeViolations(v)).to.deep.equal([]);
    slider.value = '0.8';
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    const videoEl = panel.querySelector('video')!;
    await until(() => Math.abs(videoEl.currentTime - 0.8) < 0.05 && !videoEl.seeking, 5000, 'seek');
    [...panel.querySelectorAll('button')].find((b) => b.textContent!.trim() === 'Use this frame')!.click();
    await until(() => el.items[0]!.cover, 5000, 'frame cover');
    expect(el.items[0]!.cover!.type).to.equal('image/jpeg');
    await el.updateComplete;
    expect(part<HTMLImageElement>(el, 'cover')!.alt).to.equal('Cover of sunset.webm');

    // An image instead of the frame.
    const png = await pngFile();
    const input = panel.querySelector<HTMLInputElement>('input[type="file"]')!;
    const dt = new DataTransfer();
    dt.items.add(png);
    input.files = dt.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
    expect(el.items[0]!.cover).to.equal(png);
    [...panel.querySelectorAll('button')].find((b) => b.textContent!.trim() === 'Done')!.click();
    await el.updateComplete;
    expect(part(el, 'cover-panel')).to.equal(null);

    const success = oneEvent<CustomEvent>(el, 'vod-upload-success');
    el.start();
    const { detail } = await success;
    expect(detail.coverUrl).to.be.a('string').and.match(/cover\.png$/);
    const stored = new Uint8Array(await (await fetch(detail.coverUrl)).arrayBuffer());
    expect(stored).to.deep.equal(new Uint8Array(await png.arrayBuffer()));
    await el.updateComplete;
    v = await axeViolations(el);
    expect(v, describeViolations(v)).to.deep.equal([]);
  });

  it('keeps keyboard focus in the open chooser while the element renders again (in either language)', async () => {
    const el = await fixture('<vod-uploader cover manual multiple></vod-uploader>');
    el.addFiles([video]);
    (await until(() => rowButton(el, 'Cover'), 5000, 'Cover button')).click();
    const slider = await until(() => part(el, 'cover-panel')?.querySelector<HTMLInputElement>('input[type="range"]'), 10_000, 'moment slider');
    for (const lang of ['en', 'zh-CN']) {
      el.lang = lang;
      await el.updateComplete;
      slider.focus();
      expect(el.shadowRoot!.activeElement, `${lang}: focused`).to.equal(slider);
      // Another upload's progress (or anything) renders the rows again.
      for (let i = 0; i < 3; i++) {
        el.requestUpdate();
        await el.updateComplete;
      }
      expect(el.shadowRoot!.activeElement, `${lang}: still focused after renders`).to.equal(slider);
    }
    await el.updateComplete;
    expect(slider.closest('label')!.textContent, 'its words follow the language').to.contain('封面');
  });

  it("lets go of a removed row's thumbnail (its object URL is revoked)", async () => {
    const el = await fixture('<vod-uploader cover manual></vod-uploader>');
    el.addFiles([video]);
    (await until(() => rowButton(el, 'Cover'), 5000, 'Cover button')).click();
    const input = await until(() => part(el, 'cover-panel')?.querySelector<HTMLInputElement>('input[type="file"]'), 5000, 'image input');
    const dt = new DataTransfer();
    dt.items.add(await pngFile());
    input.files = dt.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
    await el.updateComplete;
    const src = part<HTMLImageElement>(el, 'cover')!.src;
    expect(src).to.match(/^blob:/);
    expect((await fetch(src)).ok, 'the thumbnail URL serves the cover').to.equal(true);
    rowButton(el, 'Remove')!.click();
    await el.updateComplete;
    expect(el.items.length).to.equal(0);
    const after = await fetch(src).then(() => 'still served', () => 'revoked');
    expect(after).to.equal('revoked');
  });

  it('without manual, grabs a poster frame itself and uploads it with the video', async () => {
    const el = await fixture('<vod-uploader cover></vod-uploader>');
    el.signer = await signerUrl();
    const success = oneEvent<CustomEvent>(el, 'vod-upload-success');
    el.addFiles([video]);
    const { detail } = await success;
    expect(el.items[0]!.cover!.type).to.equal('image/jpeg');
    expect(detail.coverUrl).to.match(/cover\.jpe?g$/);
    const stored = await createImageBitmap(await (await fetch(detail.coverUrl)).blob());
    expect(stored.width).to.equal(160);
  });
});
