import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIO_TYPES, deriveType, IMAGE_TYPES, normalizeMime, VIDEO_TYPES } from './media-type.ts';

const media = [...VIDEO_TYPES, ...AUDIO_TYPES];

describe('deriveType', () => {
  it('takes an iPhone .MOV sent as video/quicktime', () => {
    assert.equal(deriveType('mov', 'video/quicktime', media), 'mov');
  });

  it('prefers a known extension over the MIME type', () => {
    assert.equal(deriveType('mov', 'video/mp4', media), 'mov');
    assert.equal(deriveType('mkv', 'application/octet-stream', media), 'mkv');
    assert.equal(deriveType('mp4', '', media), 'mp4');
    assert.equal(deriveType('mp4', undefined, media), 'mp4');
  });

  it('falls back to the MIME type when the extension is missing or unknown', () => {
    assert.equal(deriveType('', 'video/quicktime', media), 'mov');
    assert.equal(deriveType('bin', 'video/mp4; codecs="avc1"', media), 'mp4');
    assert.equal(deriveType('', 'application/x-mpegURL', media), 'm3u8');
  });

  it('refuses other kinds of content and unknown types', () => {
    assert.equal(deriveType('mp4', 'text/html', media), null);
    assert.equal(deriveType('mp4', 'image/png', media), null);
    assert.equal(deriveType('exe', 'application/x-msdownload', media), null);
    assert.equal(deriveType('exe', '', media), null);
    assert.equal(deriveType('', 'video/x-unknown', media), null);
  });

  it('honours the accepted list', () => {
    assert.equal(deriveType('mov', 'video/quicktime', ['mp4']), null);
    assert.equal(deriveType('mp4', 'video/mp4', ['mp4']), 'mp4');
  });

  it('derives cover types from images only', () => {
    assert.equal(deriveType('JPG', 'image/jpeg', IMAGE_TYPES, 'cover'), 'jpg');
    assert.equal(deriveType('', 'image/webp', IMAGE_TYPES, 'cover'), 'webp');
    assert.equal(deriveType('jpg', 'video/mp4', IMAGE_TYPES, 'cover'), null);
    assert.equal(deriveType('svg', 'image/svg+xml', IMAGE_TYPES, 'cover'), null);
  });

  it('normalizes MIME types', () => {
    assert.equal(normalizeMime(' Video/QuickTime ; x=y'), 'video/quicktime');
  });
});
