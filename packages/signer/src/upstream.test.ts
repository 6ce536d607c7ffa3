import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TencentCloudError } from '@vod-uploader/tencent';
import { SignerError } from './errors.ts';
import { call, isThrottled, upstreamError, withRetry } from './upstream.ts';

const cloud = (code: string, status?: number) => new TencentCloudError({ service: code === 'NoSuchUpload' || code === 'SlowDown' ? 'cos' : 'vod', code, message: `${code} happened`, requestId: 'req-1', status });

describe('upstream', () => {
  it('retries throttling only, up to the limit', async () => {
    let n = 0;
    await assert.rejects(withRetry(async () => { n++; throw cloud('RequestLimitExceeded'); }, { retries: 2, baseDelayMs: 1 }));
    assert.equal(n, 3);
    n = 0;
    await assert.rejects(withRetry(async () => { n++; throw cloud('InvalidParameter'); }, { retries: 2, baseDelayMs: 1 }));
    assert.equal(n, 1, 'no retry of other errors');
    n = 0;
    assert.equal(await withRetry(async () => (++n < 3 ? Promise.reject(cloud('SlowDown', 503)) : 'ok'), { retries: 3, baseDelayMs: 1 }), 'ok');
    assert.ok(isThrottled(cloud('RequestLimitExceeded.UinLimitExceeded')));
    assert.ok(isThrottled(cloud('x', 429)));
    assert.ok(!isThrottled(new Error('x')));
  });

  it('maps cloud errors to wire errors with the RequestId', () => {
    const throttled = upstreamError(cloud('RequestLimitExceeded'), 'ApplyUpload');
    assert.deepEqual([throttled.code, throttled.status, throttled.retryable, throttled.requestId, throttled.retryAfter], ['upstream', 503, true, 'req-1', 1]);
    const gone = upstreamError(cloud('NoSuchUpload', 404), 'ListParts');
    assert.deepEqual([gone.code, gone.status], ['upload_not_found', 404]);
    const network = upstreamError(new TencentCloudError({ service: 'vod', code: 'network', message: 'fetch failed' }), 'CommitUpload');
    assert.deepEqual([network.code, network.status, network.retryable], ['upstream', 503, true]);
    const auth = upstreamError(cloud('AuthFailure.SignatureFailure'), 'ApplyUpload');
    assert.deepEqual([auth.code, auth.status, auth.retryable], ['upstream', 502, false]);
    assert.match(auth.message, /ApplyUpload failed: AuthFailure.SignatureFailure/);
    const bug = upstreamError(new TypeError('boom'), 'X');
    assert.equal(bug.code, 'internal');
    assert.ok(!bug.message.includes('boom'));
    const own = new SignerError('forbidden', 'no');
    assert.equal(upstreamError(own, 'X'), own);
  });

  it('call() retries then maps', async () => {
    await assert.rejects(call('CommitUpload', async () => { throw cloud('RequestLimitExceeded'); }, { retries: 1, baseDelayMs: 1 }), (e: unknown) => e instanceof SignerError && e.retryable && e.status === 503);
  });
});
