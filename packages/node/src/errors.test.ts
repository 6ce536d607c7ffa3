import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, UploadError } from '@vod-uploader/core';
import { VodErrorCode, VodUploadError, toVodUploadError } from './errors.ts';

describe('toVodUploadError', () => {
  it('gives a cloud error that went through the signer its cloud code back: seen on the wire first, else from the message', () => {
    const upstream = new UploadError(ErrorCode.SIGNER, 'Signer POST /uploads: ApplyUpload failed: InvalidParameterValue.SubAppId: No such app.', {
      status: 502,
      cloudCode: 'upstream',
      requestId: 'req-1',
      retryable: false,
    });
    const seen = toVodUploadError(upstream, (id) => (id === 'req-1' ? { code: 'InvalidParameterValue.SubAppId', message: 'Wire message.' } : undefined));
    assert.equal(seen.code, 'InvalidParameterValue.SubAppId');
    assert.equal(seen.message, 'Wire message.');
    assert.equal(seen.requestId, 'req-1');
    const parsed = toVodUploadError(upstream);
    assert.equal(parsed.code, 'InvalidParameterValue.SubAppId');
    assert.equal(parsed.message, 'No such app.');
  });

  it('maps the signer codes, storage codes and engine codes', () => {
    const signer = (code: string) => new UploadError(ErrorCode.SIGNER, `Signer POST /uploads/parts: ${code} happened`, { cloudCode: code });
    assert.equal(toVodUploadError(signer('session_expired')).code, VodErrorCode.VOD_SESSION_KEY);
    assert.equal(toVodUploadError(signer('upload_not_found')).code, VodErrorCode.RESOURCE_NOT_FOUND);
    assert.equal(toVodUploadError(signer('rate_limited')).code, VodErrorCode.REQUEST_LIMIT_EXCEEDED);
    assert.equal(toVodUploadError(signer('something_new')).code, VodErrorCode.INTERNAL);
    assert.equal(toVodUploadError(signer('session_expired')).message, 'session_expired happened');
    assert.equal(toVodUploadError(new UploadError(ErrorCode.CLOUD, 'Storage answered 403 AccessDenied', { cloudCode: 'AccessDenied', requestId: 'r' })).code, 'AccessDenied');
    assert.equal(toVodUploadError(new UploadError(ErrorCode.NETWORK, 'down')).code, VodErrorCode.NETWORK);
    assert.equal(toVodUploadError(new UploadError(ErrorCode.TIMEOUT, 'slow')).retryable, true);
    assert.equal(toVodUploadError(new UploadError(ErrorCode.ABORTED, 'stop')).code, VodErrorCode.ABORTED);
    assert.equal(toVodUploadError(new UploadError(ErrorCode.INVALID_FILE, 'changed')).code, VodErrorCode.MEDIA_FILE_PATH);
    assert.equal(toVodUploadError(new Error('boom')).code, VodErrorCode.INTERNAL);
  });

  it('serialises as the cloud error shape', () => {
    assert.deepEqual(new VodUploadError('InvalidParameter.ExpireTime', 'Bad time.', { requestId: 'r' }).toJSON(), {
      Code: 'InvalidParameter.ExpireTime',
      Message: 'Bad time.',
      RequestId: 'r',
    });
    assert.deepEqual(new VodUploadError('X', 'y').toJSON(), { Code: 'X', Message: 'y' });
  });
});
