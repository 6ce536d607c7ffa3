// <vod-uploader> against a real signer (createSigner on loopback) and the emulator: events, state attributes,
// pause/resume/cancel/retry, error messages (storage, CORS without ETag, the signer's own words, auth, network),
// instant upload, the form control, and axe checks in each state.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import type { VodUploader } from '@vod-uploader/element';
import {
  ALL_EVENTS,
  addFault,
  axeViolations,
  cleanup,
  clearFaults,
  describeViolations,
  fixture,
  makeFile,
  oneEvent,
  part,
  recordEvents,
  rowButton,
  signerUrl,
  until,
} from './test/helpers.ts';

const MIB = 1024 * 1024;
/** A signer that goes multipart above 1 MiB, so small test files have several parts. */
const multipartSigner = () => signerUrl({ policy: { singleThreshold: MIB } });

afterEach(async () => {
  cleanup();
  await clearFaults();
  await executeServerCommand('page-unroute');
});

async function expectAccessible(el: Element) {
  const v = await axeViolations(el);
  expect(v, describeViolations(v)).to.deep.equal([]);
}

describe('<vod-uploader> uploads', () => {
  it('fires start, progress, success and complete (bubbling, composed), reflects state, announces, links the media', async () => {
    const el = await fixture('<vod-uploader part-size="1048576" concurrency="1"></vod-uploader>');
    el.signer = await multipartSigner();
    const seen = recordEvents(document, ALL_EVENTS);
    let maxInFlight = 0;
    let sawUploading = false;
    el.addEventListener('vod-upload-progress', () => {
      maxInFlight = Math.max(maxInFlight, el.items[0]!.state.partsInFlight);
      sawUploading ||= el.hasAttribute('uploading');
    });
    const complete = oneEvent<CustomEvent>(el, 'vod-complete');
    el.addFiles([makeFile(3 * MIB + 5, 'three-parts.mp4')]);
    const { detail } = await complete;
    const types = [...new Set(seen.map((e) => e.type))];
    expect(types, JSON.stringify(el.items[0]!.state.error)).to.deep.equal(['vod-file-select', 'vod-upload-start', 'vod-upload-progress', 'vod-upload-success', 'vod-complete']);
    expect(seen.every((e) => e.bubbles && e.composed)).to.equal(true);
    const item = el.items[0]!;
    expect(item.state.partsTotal).to.equal(4);
    expect(maxInFlight, 'concurrency').to.equal(1);
    expect(sawUploading).to.equal(true);
    const progress = seen.filter((e) => e.type === 'vod-upload-progress') as CustomEvent[];
    expect(progress.at(-1)!.detail).to.include({ total: 3 * MIB + 5 });
    const success = seen.find((e) => e.type === 'vod-upload-success') as CustomEvent;
    expect(detail.fileIds).to.deep.equal([success.detail.fileId]);
    expect(el.value).to.equal(success.detail.fileId);
    await until(() => item.state.phase === 'ready', 10_000, 'processing ready');
    await el.updateComplete;
    expect(el.hasAttribute('uploading')).to.equal(false);
    expect(part(el, 'status')!.textContent).to.equal('Ready to play');
    expect(part<HTMLAnchorElement>(el, 'play-link')!.href).to.equal(success.detail.mediaUrl);
    expect(el.shadowRoot!.querySelector('[aria-live]')!.textContent).to.contain('three-parts.mp4');
    const stored = new Uint8Array(await (await fetch(success.detail.mediaUrl)).arrayBuffer());
    expect(stored.length).to.equal(3 * MIB + 5);
    await expectAccessible(el);
  });

  it('runs the task flow (procedure): the row goes processing, then ready, and then links the media', async () => {
    const el = await fixture('<vod-uploader procedure="LongVideoPreset"></vod-uploader>');
    // The signer lets the page choose the task flow; the emulator ends it a few seconds after the commit.
    el.signer = await signerUrl({ policy: { clientOptions: ['mediaName', 'procedure'] } });
    const status = () => part(el, 'status')!.textContent;
    const success = oneEvent<CustomEvent>(el, 'vod-upload-success');
    el.addFiles([makeFile(300_000, 'task-flow.mp4')]);
    const { detail } = await success;
    await until(() => el.items[0]!.state.phase === 'processing', 10_000, 'processing');
    await el.updateComplete;
    expect(status()).to.equal('Processing…');
    expect(part(el, 'play-link'), 'no play link while VOD processes').to.equal(null);
    await expectAccessible(el);
    const complete = oneEvent(el, 'vod-complete', 20_000);
    await until(() => el.items[0]!.state.phase === 'ready', 20_000, 'the task flow to end');
    await complete;
    await el.updateComplete;
    expect(status()).to.equal('Ready to play');
    expect(el.items[0]!.state.status).to.equal('done');
    expect(el.hasAttribute('complete')).to.equal(true);
    const link = part<HTMLAnchorElement>(el, 'play-link')!;
    expect(link.href).to.equal(detail.mediaUrl);
    expect(link.href).to.equal(el.items[0]!.state.result!.mediaUrl);
    const media = await fetch(link.href);
    expect(media.ok).to.equal(true);
    expect((await media.arrayBuffer()).byteLength).to.equal(300_000);
    expect(el.shadowRoot!.querySelector('[aria-live]')!.textContent).to.equal('task-flow.mp4 uploaded.');
    await expectAccessible(el);
  });

  it('retries a failed part (vod-upload-retry) and then succeeds', async () => {
    const el = await fixture('<vod-uploader part-size="1048576"></vod-uploader>');
    el.signer = await multipartSigner();
    await addFault({ op: 'UploadPart', partNumber: 2, times: 1, action: { type: 'status', status: 503, code: 'ServiceUnavailable' } });
    const retry = oneEvent<CustomEvent>(el, 'vod-upload-retry');
    const success = oneEvent(el, 'vod-upload-success');
    el.addFiles([makeFile(2 * MIB + 1, 'flaky.mp4')]);
    const { detail } = await retry;
    expect(detail).to.include({ attempt: 1, partNumber: 2 });
    expect(detail.delay).to.be.a('number');
    await success;
  });

  it('shows a storage refusal with its code, then Retry succeeds', async () => {
    const el = await fixture('<vod-uploader></vod-uploader>');
    el.signer = await signerUrl();
    await addFault({ op: 'PutObject', times: 1, action: { type: 'status', status: 403, code: 'AccessDenied', message: 'No.' } });
    const error = oneEvent<CustomEvent>(el, 'vod-upload-error');
    el.addFiles([makeFile(200_000, 'refused.mp4')]);
    const { detail } = await error;
    expect(detail.error).to.include({ code: 'cloud', cloudCode: 'AccessDenied', retryable: false, status: 403 });
    await el.updateComplete;
    expect(part(el, 'error')!.textContent).to.match(/^Storage refused the upload \(AccessDenied\)\. Request ID: \S+/);
    expect(detail.message).to.equal(part(el, 'error')!.textContent);
    expect(el.hasAttribute('error')).to.equal(true);
    expect(el.validity.customError).to.equal(true);
    expect(el.validationMessage).to.contain('failed');
    await expectAccessible(el);
    const success = oneEvent(el, 'vod-upload-success');
    const start = oneEvent(el, 'vod-upload-start');
    rowButton(el, 'Retry')!.click();
    await start;
    await success;
    await el.updateComplete;
    expect(el.hasAttribute('error')).to.equal(false);
    expect(part(el, 'error')).to.equal(null);
  });

  it('pauses and resumes by the row buttons', async () => {
    const el = await fixture('<vod-uploader part-size="1048576" concurrency="1"></vod-uploader>');
    el.signer = await multipartSigner();
    await addFault({ op: 'UploadPart', times: 50, action: { type: 'delay', ms: 250 } });
    el.addFiles([makeFile(8 * MIB, 'long.mp4')]);
    await oneEvent(el, 'vod-upload-progress');
    await el.updateComplete;
    const leave = new Event('beforeunload', { cancelable: true });
    dispatchEvent(leave);
    expect(leave.defaultPrevented, 'leaving the page asks first while uploading').to.equal(true);
    const paused = oneEvent(el, 'vod-upload-pause');
    rowButton(el, 'Pause')!.click();
    await paused;
    await el.updateComplete;
    expect(el.hasAttribute('paused')).to.equal(true);
    expect(el.hasAttribute('uploading')).to.equal(false);
    expect(part(el, 'status')!.textContent).to.equal('Paused');
    expect(el.validity.customError, 'invalid while an upload is unfinished').to.equal(true);
    const leaveWhilePaused = new Event('beforeunload', { cancelable: true });
    dispatchEvent(leaveWhilePaused);
    expect(leaveWhilePaused.defaultPrevented, 'no prompt while paused').to.equal(false);
    await expectAccessible(el);
    const at = el.items[0]!.state.bytesUploaded;
    expect(at).to.be.lessThan(8 * MIB);
    const resumed = oneEvent(el, 'vod-upload-resume');
    const success = oneEvent(el, 'vod-upload-success');
    rowButton(el, 'Resume')!.click();
    await resumed;
    await success;
    expect(el.hasAttribute('paused')).to.equal(false);
  });

  it('cancels by the row button and by cancel()', async () => {
    const el = await fixture('<vod-uploader multiple part-size="1048576" concurrency="1"></vod-uploader>');
    el.signer = await multipartSigner();
    await addFault({ op: 'UploadPart', times: 50, action: { type: 'delay', ms: 250 } });
    el.addFiles([makeFile(6 * MIB, 'a.mp4'), makeFile(6 * MIB, 'b.mp4')]);
    await oneEvent(el, 'vod-upload-progress');
    await el.updateComplete;
    const complete = oneEvent<CustomEvent>(el, 'vod-complete');
    rowButton(el, 'Cancel', 0)!.click();
    el.cancel();
    const { detail } = await complete;
    expect(detail).to.deep.equal({ fileIds: [], failed: 0 });
    await el.updateComplete;
    expect(el.items.map((i) => i.state.status)).to.deep.equal(['cancelled', 'cancelled']);
    expect(el.hasAttribute('uploading')).to.equal(false);
    expect(el.value).to.equal('');
    expect(part(el, 'status')!.textContent).to.equal('Cancelled');
  });

  it('names the storage CORS rule that does not expose ETag', async () => {
    const el = await fixture('<vod-uploader part-size="1048576"></vod-uploader>');
    el.signer = await multipartSigner();
    await executeServerCommand('page-route', { pattern: '**/cos/**', stripExposeHeader: 'ETag' });
    const error = oneEvent<CustomEvent>(el, 'vod-upload-error');
    el.addFiles([makeFile(2 * MIB + 1, 'no-etag.mp4')]);
    const { detail } = await error;
    expect(detail.error.code).to.equal('http');
    await el.updateComplete;
    expect(part(el, 'error')!.textContent).to.equal("Storage hides the ETag header: add ETag to Expose-Headers in the bucket's CORS rule, then retry.");
    el.lang = 'zh-CN';
    await el.updateComplete;
    expect(part(el, 'error')!.textContent).to.contain('Expose-Headers 中加入 ETag');
  });

  it("shows the signer's own message", async () => {
    const el = await fixture('<vod-uploader procedure="SecretFlow"></vod-uploader>');
    el.signer = await signerUrl();
    const error = oneEvent<CustomEvent>(el, 'vod-upload-error');
    el.addFiles([makeFile(1000, 'policy.mp4')]);
    const { detail } = await error;
    expect(detail.error).to.include({ code: 'signer', status: 403, cloudCode: 'policy_option' });
    const own = detail.error.message.replace(/^Signer POST \/uploads: /, '');
    await el.updateComplete;
    expect(part(el, 'error')!.textContent).to.equal(`The upload server said: ${own}`);
  });

  it('sends the token as a bearer token; without it the signer refuses', async () => {
    const el = await fixture('<vod-uploader></vod-uploader>');
    el.signer = await signerUrl({ token: 'sekret' });
    const error = oneEvent<CustomEvent>(el, 'vod-upload-error');
    el.addFiles([makeFile(1000, 'who.mp4')]);
    expect((await error).detail.error.status).to.equal(401);
    await el.updateComplete;
    expect(part(el, 'error')!.textContent).to.contain('not allowed to upload');
    el.token = 'sekret';
    const success = oneEvent(el, 'vod-upload-success');
    el.retry();
    await success;
  });

  it('explains a signer it cannot reach', async function () {
    this.timeout(60_000);
    const el = await fixture('<vod-uploader signer="http://127.0.0.1:9/vod"></vod-uploader>');
    const error = oneEvent<CustomEvent>(el, 'vod-upload-error', 50_000);
    el.addFiles([makeFile(1000, 'offline.mp4')]);
    expect((await error).detail.error.code).to.equal('network');
    await el.updateComplete;
    expect(part(el, 'error')!.textContent).to.equal('Network error. Check your connection and retry.');
  });

  it('dedupe: a second upload of the same file is instant', async () => {
    const el = await fixture('<vod-uploader multiple dedupe></vod-uploader>');
    el.signer = await signerUrl();
    const file = makeFile(300_000, 'twice.mp4');
    const first = oneEvent<CustomEvent>(el, 'vod-upload-success');
    el.addFiles([file]);
    const fileIds = [(await first).detail.fileId];
    // The signer indexes a SHA-1 once it has read the stored bytes back: try a few times.
    let instant: CustomEvent | undefined;
    for (let i = 0; i < 10 && !instant?.detail.instant; i++) {
      const next = oneEvent<CustomEvent>(el, 'vod-upload-success');
      el.addFiles([new File([file], 'twice.mp4', { type: file.type })]);
      instant = await next;
      if (!instant.detail.instant) {
        fileIds.push(instant.detail.fileId);
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    expect(instant!.detail.instant).to.equal(true);
    expect(fileIds, 'an earlier upload of the same bytes').to.include(instant!.detail.fileId);
    await el.updateComplete;
    expect([...el.shadowRoot!.querySelectorAll('[part~="status"]')].at(-1)!.textContent).to.equal('Already uploaded');
  });
});

describe('<vod-uploader> keyboard only', () => {
  it('picks, pauses, resumes and plays an upload with Tab, Enter and Space', async () => {
    const before = document.createElement('button');
    before.textContent = 'before';
    document.body.prepend(before);
    try {
      const el = await fixture('<vod-uploader part-size="1048576" concurrency="1"></vod-uploader>');
      el.signer = await multipartSigner();
      await addFault({ op: 'UploadPart', times: 50, action: { type: 'delay', ms: 250 } });
      const active = () => el.shadowRoot!.activeElement as HTMLElement | null;
      before.focus();
      await sendKeys({ press: 'Tab' });
      expect(active()?.textContent!.trim()).to.equal('Choose a file');
      // Enter opens the picker (the OS dialog is played by the pick-file command with a disk-backed file).
      const input = el.shadowRoot!.querySelector<HTMLInputElement>('input#pick')!;
      const opened = oneEvent(input, 'click');
      await sendKeys({ press: 'Enter' });
      await opened;
      const progress = oneEvent(el, 'vod-upload-progress');
      await executeServerCommand('pick-file', { selector: 'vod-uploader input#pick', mib: 6, name: 'keyboard.mp4' });
      await progress;
      await el.updateComplete;
      await sendKeys({ press: 'Tab' });
      expect(active()?.textContent!.trim()).to.equal('Pause');
      const paused = oneEvent(el, 'vod-upload-pause');
      await sendKeys({ press: 'Space' });
      await paused;
      await el.updateComplete;
      // The row re-rendered: Resume is where Pause was; focus it again from the file button.
      part(el, 'file-button')!.focus();
      await sendKeys({ press: 'Tab' });
      expect(active()?.textContent!.trim()).to.equal('Resume');
      const success = oneEvent(el, 'vod-upload-success');
      await sendKeys({ press: 'Enter' });
      await success;
      await until(() => el.items[0]!.state.phase === 'ready', 10_000, 'ready');
      await el.updateComplete;
      part(el, 'file-button')!.focus();
      await sendKeys({ press: 'Tab' });
      expect(active()?.getAttribute('part')).to.contain('play-link');
      expect(el.shadowRoot!.querySelector('[aria-live]')!.textContent).to.equal('keyboard.mp4 uploaded.');
    } finally {
      before.remove();
    }
  });
});

describe('<vod-uploader> as a form control', () => {
  it('submits the FileIds with the form', async () => {
    const form = await fixture<HTMLFormElement>(
      '<form action="/packages/element/package.json" method="get" target="vod-frame"><vod-uploader name="videos" multiple></vod-uploader><button>Send</button></form><iframe name="vod-frame" title="result"></iframe>',
    );
    const el = form.querySelector('vod-uploader') ?? (form as unknown as VodUploader);
    const uploader = el as VodUploader;
    uploader.signer = await signerUrl();
    expect(uploader.form).to.equal(uploader.closest('form'));
    const complete = oneEvent<CustomEvent>(uploader, 'vod-complete');
    uploader.addFiles([makeFile(1000, 'one.mp4'), makeFile(2000, 'two.mp4')]);
    const { fileIds } = (await complete).detail;
    await uploader.updateComplete;
    expect(fileIds).to.have.length(2);
    const realForm = uploader.closest('form')!;
    expect(new FormData(realForm).getAll('videos')).to.deep.equal(fileIds);
    const frame = document.querySelector<HTMLIFrameElement>('iframe[name="vod-frame"]')!;
    const loaded = oneEvent(frame, 'load');
    realForm.requestSubmit();
    await loaded;
    expect(new URL(frame.contentWindow!.location.href).searchParams.getAll('videos')).to.deep.equal(fileIds);
  });

  it('required: invalid until a file is uploaded; invalid while an upload runs', async () => {
    const uploader = await fixture('<form><vod-uploader name="v" required part-size="1048576" concurrency="1"></vod-uploader></form>');
    uploader.signer = await multipartSigner();
    const form = uploader.closest('form')!;
    expect(uploader.checkValidity()).to.equal(false);
    expect(uploader.validity.valueMissing).to.equal(true);
    expect(uploader.validationMessage).to.equal('Please upload a video.');
    expect(form.checkValidity()).to.equal(false);
    await addFault({ op: 'UploadPart', times: 50, action: { type: 'delay', ms: 200 } });
    const success = oneEvent(uploader, 'vod-upload-success');
    uploader.addFiles([makeFile(3 * MIB, 'req.mp4')]);
    await oneEvent(uploader, 'vod-upload-progress');
    await uploader.updateComplete;
    expect(uploader.validity.customError).to.equal(true);
    expect(uploader.validationMessage).to.equal('Wait for the upload to finish.');
    expect(form.checkValidity()).to.equal(false);
    await expectAccessible(uploader);
    await success;
    await uploader.updateComplete;
    expect(uploader.checkValidity()).to.equal(true);
    expect(form.checkValidity()).to.equal(true);
  });

  it('form reset cancels the uploads and empties the value', async () => {
    const uploader = await fixture('<form><vod-uploader name="v" multiple part-size="1048576" concurrency="1"></vod-uploader></form>');
    uploader.signer = await multipartSigner();
    await addFault({ op: 'UploadPart', times: 50, action: { type: 'delay', ms: 250 } });
    uploader.addFiles([makeFile(4 * MIB, 'reset.mp4')]);
    await oneEvent(uploader, 'vod-upload-progress');
    const upload = uploader.items[0]!.upload!;
    uploader.closest('form')!.reset();
    await uploader.updateComplete;
    expect(upload.state.status).to.equal('cancelled');
    expect(uploader.items).to.have.length(0);
    expect(uploader.value).to.equal('');
    expect(part(uploader, 'list')!.hidden).to.equal(true);
  });

  it('a disabled fieldset disables it', async () => {
    const uploader = await fixture('<form><fieldset disabled><vod-uploader name="v"></vod-uploader></fieldset></form>');
    await uploader.updateComplete;
    expect(part<HTMLButtonElement>(uploader, 'file-button')!.disabled).to.equal(true);
    uploader.closest('fieldset')!.disabled = false;
    await uploader.updateComplete;
    expect(part<HTMLButtonElement>(uploader, 'file-button')!.disabled).to.equal(false);
  });
});
