import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, UploadError, isAbortError, parseRetryAfter, retryableByDefault, storageError, toUploadError } from './errors.ts';

const headers = (h: Record<string, string>) => (name: string) => h[name.toLowerCase()] ?? null;

describe('UploadError', () => {
  it('defaults retryable from the facts', () => {
    assert.equal(retryableByDefault(ErrorCode.NETWORK), true);
    assert.equal(retryableByDefault(ErrorCode.TIMEOUT), true);
    assert.equal(retryableByDefault(ErrorCode.EXPIRED), true);
    assert.equal(retryableByDefault(ErrorCode.CLOUD, 503), true);
    assert.equal(retryableByDefault(ErrorCode.CLOUD, 429), true);
    assert.equal(retryableByDefault(ErrorCode.HTTP, 408), true);
    assert.equal(retryableByDefault(ErrorCode.CLOUD, 200, 'SlowDown'), true);
    assert.equal(retryableByDefault(ErrorCode.SIGNER, 400, 'RequestLimitExceeded.UinLimit'), true);
    assert.equal(retryableByDefault(ErrorCode.CLOUD, 400, 'BadDigest'), false);
    assert.equal(retryableByDefault(ErrorCode.HTTP, 404), false);
    for (const code of [ErrorCode.ABORTED, ErrorCode.INVALID_FILE, ErrorCode.RESUME_MISMATCH, ErrorCode.HASH]) {
      assert.equal(retryableByDefault(code), false);
    }
  });

  it('serialises to plain data and keeps the cause', () => {
    const cause = new Error('socket hang up');
    const error = new UploadError(ErrorCode.CLOUD, 'boom', { status: 500, cloudCode: 'InternalError', requestId: 'r1', partNumber: 3, cause });
    assert.equal(error.name, 'UploadError');
    assert.equal(error.cause, cause);
    assert.ok(error instanceof Error);
    assert.deepEqual(JSON.parse(JSON.stringify(error)), {
      name: 'UploadError', code: 'cloud', message: 'boom', retryable: true, status: 500, cloudCode: 'InternalError', requestId: 'r1', partNumber: 3,
    });
  });

  it('wraps unknown throws and recognises aborts', () => {
    assert.equal(toUploadError(new TypeError('x')).code, ErrorCode.NETWORK);
    assert.equal(toUploadError('x', ErrorCode.HASH).code, ErrorCode.HASH);
    const abort = new DOMException('stop', 'AbortError');
    assert.ok(isAbortError(abort));
    assert.equal(toUploadError(abort).code, ErrorCode.ABORTED);
    assert.equal(toUploadError(abort).retryable, false);
    const same = new UploadError(ErrorCode.HTTP, 'x');
    assert.equal(toUploadError(same), same);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('3', 0), 3000);
    assert.equal(parseRetryAfter('0.5', 0), 500);
    const now = Date.UTC(2030, 0, 1, 0, 0, 0);
    assert.equal(parseRetryAfter('Tue, 01 Jan 2030 00:00:10 GMT', now), 10_000);
    assert.equal(parseRetryAfter('Tue, 01 Jan 2029 00:00:10 GMT', now), 0);
    assert.equal(parseRetryAfter('later', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter('', now), undefined);
  });
});

describe('storageError', () => {
  const xml = (code: string, message: string) =>
    `<?xml version="1.0"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>NjA&amp;1</RequestId></Error>`;

  it('maps an expired presigned URL to EXPIRED (retryable)', () => {
    const error = storageError(403, xml('AccessDenied', 'Request has expired'), headers({}), 0, 2);
    assert.equal(error.code, ErrorCode.EXPIRED);
    assert.equal(error.retryable, true);
    assert.equal(error.cloudCode, 'AccessDenied');
    assert.equal(error.requestId, 'NjA&1');
    assert.equal(error.partNumber, 2);
  });

  it('treats a skewed signing clock like an expired URL', () => {
    const skewed = storageError(403, xml('RequestTimeTooSkewed', 'The difference between the request time and the server time is too large.'), headers({}), 0);
    assert.equal(skewed.code, ErrorCode.EXPIRED);
    assert.equal(skewed.retryable, true);
  });

  it('keeps other 403s and BadDigest as non-retryable cloud errors', () => {
    const denied = storageError(403, xml('AccessDenied', 'Access Denied.'), headers({}), 0);
    assert.equal(denied.code, ErrorCode.CLOUD);
    assert.equal(denied.retryable, false);
    const digest = storageError(400, xml('BadDigest', 'The Content-MD5 you specified did not match.'), headers({}), 0, 1);
    assert.equal(digest.cloudCode, 'BadDigest');
    assert.equal(digest.retryable, false);
    assert.match(digest.message, /part 1.*400 BadDigest/);
  });

  it('reads Retry-After and falls back to HTTP without a body', () => {
    const slow = storageError(503, xml('SlowDown', 'Reduce your request rate.'), headers({ 'retry-after': '2' }), 0);
    assert.equal(slow.retryable, true);
    assert.equal(slow.retryAfter, 2000);
    const bare = storageError(502, '', headers({ 'x-cos-request-id': 'hdr' }), 0);
    assert.equal(bare.code, ErrorCode.HTTP);
    assert.equal(bare.requestId, 'hdr');
    assert.equal(bare.retryable, true);
  });
});
