import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignerError } from './errors.ts';
import { checkPolicy, DEFAULT_POLICY, effectivePolicy, GiB, MAX_PARTS, MiB, partBytes, planUpload, resolveOptions } from './policy.ts';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof SignerError) return e.code;
    throw e;
  }
  return 'no error';
};

describe('planUpload', () => {
  const p = DEFAULT_POLICY;

  it('uses one PUT up to the threshold', () => {
    assert.deepEqual(planUpload(1, undefined, p), { strategy: 'single', partSize: 1, partCount: 1, maxPart: 1 });
    assert.deepEqual(planUpload(8 * MiB, undefined, p), { strategy: 'single', partSize: 8 * MiB, partCount: 1, maxPart: 1 });
  });

  it('uses 8 MiB parts by default above it', () => {
    assert.deepEqual(planUpload(8 * MiB + 1, undefined, p), { strategy: 'multipart', partSize: 8 * MiB, partCount: 2, maxPart: 2 });
    assert.equal(planUpload(100 * MiB, undefined, p).partCount, 13);
  });

  it('clamps the client preference to [1 MiB, 5 GiB]', () => {
    assert.equal(planUpload(20 * MiB, 1, p).partSize, MiB);
    assert.equal(planUpload(20 * MiB, 2 * MiB + 5, p).partSize, 2 * MiB + 5);
    assert.equal(planUpload(20 * GiB, 100 * GiB, p).partSize, 5 * GiB);
  });

  it('raises the part size to whole MiB so parts stay ≤ 10,000', () => {
    const size = 100 * GiB;
    const plan = planUpload(size, MiB, { ...p, maxSize: 200 * GiB });
    assert.ok(plan.partCount! <= MAX_PARTS);
    assert.equal(plan.partSize % MiB, 0);
    assert.equal(plan.partSize, 11 * MiB);
    // Exactly 10,000 parts of 1 MiB fit.
    assert.equal(planUpload(10_000 * MiB, MiB, p).partCount, 10_000);
    assert.equal(planUpload(10_000 * MiB + 1, MiB, p).partSize, 2 * MiB);
  });

  it('plans streams with a fixed part size and a part cap from maxSize', () => {
    assert.deepEqual(planUpload(undefined, undefined, p), { strategy: 'multipart', partSize: 8 * MiB, partCount: null, maxPart: 2560 });
    assert.equal(planUpload(undefined, MiB, { ...p, maxSize: 100 * GiB }).maxPart, 10_000);
  });

  it('gives every part its byte count', () => {
    const size = 20 * MiB + 3;
    const { partSize, partCount } = planUpload(size, undefined, p);
    const sizes = Array.from({ length: partCount! }, (_, i) => partBytes(i + 1, size, partSize, partCount!));
    assert.deepEqual(sizes, [8 * MiB, 8 * MiB, 4 * MiB + 3]);
  });
});

describe('resolveOptions', () => {
  const p = { ...DEFAULT_POLICY, defaults: { classId: 3 }, forced: { procedure: 'LongVideoPreset' } };

  it('layers forced, scope, client and defaults', () => {
    assert.deepEqual(resolveOptions({ mediaName: '  My / clip ' }, p, { sourceContext: 'user-7' }), {
      procedure: 'LongVideoPreset',
      sourceContext: 'user-7',
      mediaName: 'My clip',
      classId: 3,
    });
    assert.equal(resolveOptions({ classId: 9 }, p, {}).classId, 9);
  });

  it('refuses options the client may not set', () => {
    assert.equal(code(() => resolveOptions({ procedure: 'Other' }, p, {})), 'policy_option');
    assert.equal(code(() => resolveOptions({ subAppId: 1 }, p, {})), 'policy_option');
    assert.equal(code(() => resolveOptions({ storageRegion: 'ap-chongqing' }, p, {})), 'policy_option');
    const open = { ...p, clientOptions: ['storageRegion', 'sourceContext'] as const };
    assert.equal(resolveOptions({ storageRegion: 'ap-chongqing' }, open, {}).storageRegion, 'ap-chongqing');
    // A forced value still wins over an allowed client value.
    assert.equal(resolveOptions({ sourceContext: 'forged' }, open, { sourceContext: 'user-7' }).sourceContext, 'user-7');
  });

  it('validates every value', () => {
    assert.equal(code(() => resolveOptions({ classId: -1 }, p, {})), 'invalid_request');
    assert.equal(code(() => resolveOptions({ classId: '1' }, p, {})), 'invalid_request');
    assert.equal(code(() => resolveOptions({ expireTime: '2001-01-01T00:00:00Z' }, p, {})), 'invalid_request');
    assert.equal(code(() => resolveOptions({ expireTime: 'tomorrow' }, p, {})), 'invalid_request');
    assert.equal(code(() => resolveOptions({ mediaName: '///' }, p, {})), 'invalid_request');
    assert.equal(code(() => resolveOptions({ color: 'red' }, p, {})), 'invalid_request');
    assert.equal(code(() => resolveOptions([], p, {})), 'invalid_request');
    const all = { ...p, clientOptions: ['sourceContext', 'sessionContext', 'storageRegion', 'procedure'] as const };
    assert.equal(code(() => resolveOptions({ sourceContext: 'x'.repeat(251) }, all, {})), 'invalid_request');
    assert.equal(code(() => resolveOptions({ sessionContext: 'x'.repeat(1001) }, all, {})), 'invalid_request');
    assert.equal(code(() => resolveOptions({ storageRegion: 'AP_X' }, all, {})), 'invalid_request');
    assert.equal(code(() => resolveOptions({ procedure: 'a\nb' }, all, {})), 'invalid_request');
    assert.equal(resolveOptions({ expireTime: '2999-01-01T00:00:00Z' }, p, {}).expireTime, '2999-01-01T00:00:00Z');
  });
});

describe('effectivePolicy and checkPolicy', () => {
  it('lets scope limits only narrow', () => {
    const e = effectivePolicy(DEFAULT_POLICY, { maxSize: 100 * GiB, mediaTypes: ['mp4', 'exe'], clientOptions: ['mediaName', 'procedure'] });
    assert.equal(e.maxSize, DEFAULT_POLICY.maxSize);
    assert.deepEqual(e.mediaTypes, ['mp4']);
    assert.deepEqual(e.clientOptions, ['mediaName']);
    assert.equal(effectivePolicy(DEFAULT_POLICY, { maxSize: MiB }).maxSize, MiB);
  });

  it('refuses impossible policies at start-up', () => {
    assert.throws(() => checkPolicy({ ...DEFAULT_POLICY, defaultPartSize: 1000 }), /defaultPartSize/);
    assert.throws(() => checkPolicy({ ...DEFAULT_POLICY, singleThreshold: 6 * GiB }), /singleThreshold/);
    assert.throws(() => checkPolicy({ ...DEFAULT_POLICY, clientOptions: ['color' as never] }), /unknown option/);
    assert.throws(() => checkPolicy({ ...DEFAULT_POLICY, forced: { classId: -4 } }), /classId/);
    checkPolicy(DEFAULT_POLICY);
  });
});
