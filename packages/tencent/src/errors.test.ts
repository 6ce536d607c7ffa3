import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRetryableCode, TencentCloudError } from './errors.ts';

describe('isRetryableCode', () => {
  it('retries network, timeout, throttling, internal errors, 429 and 5xx', () => {
    for (const code of ['network', 'timeout', 'RequestLimitExceeded', 'RequestLimitExceeded.UinLimitExceeded', 'InternalError', 'InternalError.GetFileInfoError', 'SlowDown', 'ServiceUnavailable']) {
      assert.equal(isRetryableCode(code), true, code);
    }
    assert.equal(isRetryableCode('http', 500), true);
    assert.equal(isRetryableCode('http', 503), true);
    assert.equal(isRetryableCode('TooManyRequests', 429), true);
  });

  it('does not retry auth, parameter and not-found errors', () => {
    for (const [code, status] of [
      ['AuthFailure.SignatureFailure', 200],
      ['InvalidParameterValue.VodSessionKey', 200],
      ['ResourceNotFound', 200],
      ['NoSuchUpload', 404],
      ['NoSuchKey', 404],
      ['SignatureDoesNotMatch', 403],
      ['AccessDenied', 403],
      ['http', 400],
      ['invalid-response', 200],
      ['InternalErrorLike', undefined],
    ] as const) {
      assert.equal(isRetryableCode(code, status), false, code);
    }
  });
});

describe('TencentCloudError', () => {
  it('carries its fields, a default retryable and the cause', () => {
    const cause = new Error('root');
    const e = new TencentCloudError({ service: 'cos', code: 'SlowDown', message: 'Please reduce your request rate.', requestId: 'r1', status: 503, cause });
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'TencentCloudError');
    assert.equal(e.message, 'Please reduce your request rate.');
    assert.equal(e.service, 'cos');
    assert.equal(e.code, 'SlowDown');
    assert.equal(e.requestId, 'r1');
    assert.equal(e.status, 503);
    assert.equal(e.retryable, true);
    assert.equal(e.cause, cause);
    assert.deepEqual(JSON.parse(JSON.stringify(e)), {
      service: 'cos',
      code: 'SlowDown',
      message: 'Please reduce your request rate.',
      requestId: 'r1',
      status: 503,
      retryable: true,
    });
  });

  it('lets the caller override retryable', () => {
    const e = new TencentCloudError({ service: 'vod', code: 'InternalError', message: 'x', retryable: false });
    assert.equal(e.retryable, false);
    assert.equal('cause' in e, false);
  });
});
