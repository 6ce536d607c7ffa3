// Storage faults met by the engine in Chromium (browser defaults: hash worker, XHR) on picked files, injected by
// the emulator's /__emulator/faults route, beyond the 503s and the cut connection of core-upload.test.ts: a URL
// that expires before storage sees it (re-signed), throttling (429 and 503 SlowDown: backed off, and waited out
// for Retry-After when the bucket's CORS rule lets scripts read it), a part stuck past the idle timeout (abandoned
// and sent again), and a 4xx that must not be retried.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { ErrorCode, type SignerClient, type Transport, type UploadState, UploadError, createUpload, createXhrTransport } from '@vod-uploader/core';
import { type EmulatorInfo, MIB, addFault, control, emulatorInfo, inPageSigner, pick, sha1OfUrl } from './core-support.ts';

let emulator: EmulatorInfo;
let signer: SignerClient;

/** XHR transport that records when each part's PUT was sent (ms, performance.now()). */
function timedTransport(): Transport & { sent: Map<number, number[]> } {
  const inner = createXhrTransport();
  const sent = new Map<number, number[]>();
  const transport = ((request) => {
    const n = Number(new URL(request.url).searchParams.get('partNumber'));
    (sent.get(n) ?? sent.set(n, []).get(n)!).push(performance.now());
    return inner(request);
  }) as Transport & { sent: Map<number, number[]> };
  transport.sent = sent;
  return transport;
}

before(async () => {
  emulator = await emulatorInfo();
  signer = inPageSigner(emulator, { instant: false });
});

beforeEach(async () => {
  await control(emulator, 'faults', { method: 'DELETE' });
  await control(emulator, 'stats', { method: 'DELETE' });
});

afterEach(() => control(emulator, 'faults', { method: 'DELETE' }));

describe('core engine in Chromium, storage faults', () => {
  it('re-signs a URL that expired before storage saw it', async function () {
    this.timeout(120_000);
    // URLs live 3 s; part 2 is held 5 s by storage before it checks the signature.
    const shortLived = inPageSigner(emulator, { instant: false, urlTtlSeconds: 3 });
    await addFault(emulator, { op: 'UploadPart', partNumber: 2, times: 1, action: { type: 'delay', ms: 5000 } });
    const { file, sha1 } = await pick(4);
    const upload = createUpload({ file, signer: shortLived, partSize: MIB, resume: false, retry: { baseDelay: 20, maxDelay: 100 } });
    const retries: NonNullable<UploadState['retry']>[] = [];
    upload.subscribe((s) => s.retry && retries.push(s.retry));
    const result = await upload.start();
    expect(retries.map((r) => [r.code, r.partNumber])).to.deep.include([ErrorCode.EXPIRED, 2]);
    expect(retries.filter((r) => r.code === ErrorCode.EXPIRED).every((r) => r.delay === 0)).to.equal(true, 'a fresh URL at once, no backoff');
    const stats = await control(emulator, 'stats');
    expect(stats.uploadParts[2]).to.equal(2);
    expect(stats.uploadPartsStored).to.deep.equal({ 1: 1, 2: 1, 3: 1, 4: 1 });
    expect((await sha1OfUrl(result.mediaUrl)).sha1).to.equal(sha1);
  });

  for (const exposed of [false, true]) {
    it(
      exposed
        ? 'waits out throttling (429 and 503 SlowDown) for at least Retry-After when CORS exposes it'
        : 'backs off and retries throttled parts (429 and 503 SlowDown) when Retry-After is not exposed by CORS',
      async function () {
        this.timeout(120_000);
        const pattern = '**/cos/**';
        // Cross-origin, a script reads Retry-After only if the bucket's CORS rule exposes it (the emulator's does not).
        if (exposed) await executeServerCommand<boolean, { pattern: string; headers: string[] }>('expose-headers', { pattern, headers: ['Retry-After'] });
        try {
          await addFault(emulator, { op: 'UploadPart', partNumber: 1, times: 1, action: { type: 'status', status: 429, code: 'SlowDown', retryAfter: 1 } });
          await addFault(emulator, { op: 'UploadPart', partNumber: 3, times: 1, action: { type: 'status', status: 503, code: 'SlowDown', retryAfter: 2 } });
          const { file, sha1 } = await pick(4);
          const transport = timedTransport();
          const upload = createUpload({ file, signer, partSize: MIB, resume: false, transport, retry: { baseDelay: 100, maxDelay: 300 } });
          const retries: NonNullable<UploadState['retry']>[] = [];
          upload.subscribe((s) => s.retry && retries.push(s.retry));
          const result = await upload.start();
          const waits = Object.fromEntries(retries.map((r) => [r.partNumber, r.delay]));
          expect(retries.map((r) => r.code)).to.include(ErrorCode.CLOUD);
          expect(transport.sent.get(1)!.length).to.equal(2);
          expect(transport.sent.get(3)!.length).to.equal(2);
          const gap = (n: number) => transport.sent.get(n)![1]! - transport.sent.get(n)![0]!;
          if (exposed) {
            expect([waits[1], waits[3]]).to.deep.equal([1000, 2000], 'Retry-After read');
            // The waits were real: the second PUT of each part left at least Retry-After after the first.
            expect(gap(1)).to.be.at.least(1000);
            expect(gap(3)).to.be.at.least(2000);
          } else {
            expect(waits[1]).to.be.within(0, 300, 'its own backoff');
            expect(waits[3]).to.be.within(0, 300, 'its own backoff');
          }
          const stats = await control(emulator, 'stats');
          expect(stats.uploadParts).to.deep.equal({ 1: 2, 2: 1, 3: 2, 4: 1 });
          expect(stats.uploadPartsStored).to.deep.equal({ 1: 1, 2: 1, 3: 1, 4: 1 });
          expect((await sha1OfUrl(result.mediaUrl)).sha1).to.equal(sha1);
        } finally {
          if (exposed) await executeServerCommand<boolean, { pattern: string }>('expose-headers-off', { pattern });
        }
      },
    );
  }

  it('abandons a part that makes no progress for the idle timeout and sends it again', async function () {
    this.timeout(120_000);
    await addFault(emulator, { op: 'UploadPart', partNumber: 2, times: 1, action: { type: 'delay', ms: 8000 } });
    const { file, sha1 } = await pick(3);
    const upload = createUpload({ file, signer, partSize: MIB, resume: false, timeout: 1500, retry: { baseDelay: 20, maxDelay: 100 } });
    const retries: NonNullable<UploadState['retry']>[] = [];
    upload.subscribe((s) => s.retry && retries.push(s.retry));
    const started = performance.now();
    const result = await upload.start();
    expect(performance.now() - started).to.be.below(8000, 'did not wait for the stuck request');
    expect(retries.map((r) => [r.code, r.partNumber])).to.deep.include([ErrorCode.TIMEOUT, 2]);
    const stats = await control(emulator, 'stats');
    expect(stats.uploadParts[2]).to.equal(2);
    expect(stats.uploadPartsStored).to.deep.equal({ 1: 1, 2: 1, 3: 1 });
    expect((await sha1OfUrl(result.mediaUrl)).sha1).to.equal(sha1);
  });

  it('does not retry a 4xx: fails with its cloud code, request id and part number', async function () {
    this.timeout(120_000);
    await addFault(emulator, { op: 'UploadPart', partNumber: 2, times: 1, action: { type: 'status', status: 400, code: 'InvalidArgument' } });
    const { file } = await pick(3);
    const upload = createUpload({ file, signer, partSize: MIB, concurrency: 1, resume: false });
    let error: unknown;
    try {
      await upload.start();
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(UploadError);
    const e = error as UploadError;
    expect([e.code, e.status, e.cloudCode, e.partNumber, e.retryable]).to.deep.equal([ErrorCode.CLOUD, 400, 'InvalidArgument', 2, false]);
    expect(e.requestId).to.be.a('string').and.not.equal('');
    expect(upload.state.status).to.equal('error');
    const stats = await control(emulator, 'stats');
    expect(stats.uploadParts[2]).to.equal(1, 'sent once');
    upload.cancel();
  });
});
