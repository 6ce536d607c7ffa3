import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Clock, createManualConnectivity } from './clock.ts';
import { ErrorCode, UploadError, isAbortError } from './errors.ts';
import { createRetryer } from './retryer.ts';

/** A clock whose timers fire on the next macrotask and that records every delay asked for. */
function recordingClock(): Clock & { delays: number[] } {
  const delays: number[] = [];
  let now = 1_000_000;
  return {
    delays,
    now: () => now,
    setTimeout(callback, ms) {
      delays.push(ms);
      return setTimeout(() => {
        now += ms;
        callback();
      }, 0);
    },
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

const http = (status: number, extra: { retryAfter?: number; code?: string } = {}) =>
  new UploadError(ErrorCode.HTTP, `HTTP ${status}`, { status, retryAfter: extra.retryAfter, cloudCode: extra.code });

describe('createRetryer backoff', () => {
  it('is full jitter: random · min(maxDelay, base · 2ⁿ)', () => {
    const retryer = createRetryer({ baseDelay: 100, maxDelay: 1000, random: () => 0.5 });
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => retryer.backoff(n)), [50, 100, 200, 400, 500, 500]);
    const high = createRetryer({ baseDelay: 100, maxDelay: 1000, random: () => 0.999 });
    assert.equal(high.backoff(10), 999);
    const zero = createRetryer({ random: () => 0 });
    assert.equal(zero.backoff(3), 0);
  });

  it('waits at least Retry-After, up to maxRetryAfter; 0 for an expired URL', () => {
    const retryer = createRetryer({ baseDelay: 100, maxDelay: 1000, maxRetryAfter: 60_000, random: () => 0.5 });
    assert.equal(retryer.backoff(0, http(429, { retryAfter: 5000 })), 5000);
    assert.equal(retryer.backoff(4, http(429, { retryAfter: 10 })), 500);
    assert.equal(retryer.backoff(0, http(503, { retryAfter: 600_000 })), 60_000);
    assert.equal(retryer.backoff(5, new UploadError(ErrorCode.EXPIRED, 'expired')), 0);
  });
});

describe('createRetryer run', () => {
  it('retries network errors, timeouts, 408/429/5xx and throttling codes, then succeeds', async () => {
    const clock = recordingClock();
    const retryer = createRetryer({ clock, random: () => 1 - Number.EPSILON, baseDelay: 10, maxDelay: 1000 });
    const failures = [
      new UploadError(ErrorCode.NETWORK, 'cut'),
      new UploadError(ErrorCode.TIMEOUT, 'slow'),
      http(408),
      http(429),
      http(503),
      http(200, { code: 'SlowDown' }),
    ];
    let calls = 0;
    const infos: number[] = [];
    const value = await retryer.run(
      async (attempt) => {
        assert.equal(attempt, calls);
        calls++;
        if (failures.length) throw failures.shift();
        return 'ok';
      },
      { retries: 10, onRetry: (info) => infos.push(info.attempt) },
    );
    assert.equal(value, 'ok');
    assert.equal(calls, 7);
    assert.deepEqual(infos, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(clock.delays, [9, 19, 39, 79, 159, 319]);
  });

  it('never retries other 4xx', async () => {
    for (const status of [400, 401, 403, 404, 409]) {
      let calls = 0;
      const retryer = createRetryer({ clock: recordingClock() });
      await assert.rejects(
        retryer.run(async () => {
          calls++;
          throw http(status);
        }),
        (error: unknown) => error instanceof UploadError && error.status === status && !error.retryable,
      );
      assert.equal(calls, 1, `status ${status}`);
    }
  });

  it('gives up after `retries` retries with the last error', async () => {
    const clock = recordingClock();
    const retryer = createRetryer({ clock, retries: 3, random: () => 0.5 });
    let calls = 0;
    await assert.rejects(
      retryer.run(async () => {
        calls++;
        throw http(500);
      }),
      (error: unknown) => error instanceof UploadError && error.status === 500 && error.retryable,
    );
    assert.equal(calls, 4);
    assert.equal(clock.delays.length, 3);
    let never = 0;
    await assert.rejects(createRetryer({ clock }).run(async () => ((never++, Promise.reject(http(503)))), { retries: 0 }), { status: 503 });
    assert.equal(never, 1);
  });

  it('honours Retry-After in the actual wait', async () => {
    const clock = recordingClock();
    const retryer = createRetryer({ clock, random: () => 0 });
    let calls = 0;
    await retryer.run(async () => {
      if (calls++ === 0) throw http(429, { retryAfter: 2000 });
    });
    assert.deepEqual(clock.delays, [2000]);
  });

  it('maps unknown throws to NETWORK errors (retryable)', async () => {
    const retryer = createRetryer({ clock: recordingClock(), random: () => 0 });
    let calls = 0;
    await retryer.run(async () => {
      if (calls++ === 0) throw new TypeError('fetch failed');
    });
    assert.equal(calls, 2);
  });

  it('stops at once when the signal aborts, during the task or the backoff', async () => {
    const retryer = createRetryer({ random: () => 0.99, baseDelay: 60_000 });
    const controller = new AbortController();
    const run = retryer.run(async () => {
      throw http(503);
    }, { signal: controller.signal, onRetry: () => controller.abort(new UploadError(ErrorCode.ABORTED, 'stop')) });
    await assert.rejects(run, (error: unknown) => isAbortError(error));
    const aborted = new AbortController();
    aborted.abort();
    let calls = 0;
    await assert.rejects(
      retryer.run(async () => {
        calls++;
        throw http(503);
      }, { signal: aborted.signal }),
    );
    assert.equal(calls, 1);
  });

  it('waits while offline without spending retries, and resumes when back online', async () => {
    const clock = recordingClock();
    const connectivity = createManualConnectivity(false);
    const retryer = createRetryer({ clock, connectivity, retries: 0 });
    let calls = 0;
    const run = retryer.run(async () => {
      calls++;
      if (calls === 1) {
        connectivity.set(false);
        throw new UploadError(ErrorCode.NETWORK, 'offline');
      }
      return 'back';
    });
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(calls, 0, 'does not start while offline');
    connectivity.set(true);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(calls, 1, 'first attempt once online; it failed because the network went away');
    connectivity.set(true);
    assert.equal(await run, 'back');
    assert.equal(calls, 2);
    assert.deepEqual(clock.delays, [], 'no backoff for an outage');
  });
});
