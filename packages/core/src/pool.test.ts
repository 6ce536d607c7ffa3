import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAbortError } from './errors.ts';
import { createPool } from './pool.ts';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('createPool', () => {
  it('runs at most `concurrency` tasks at once, in FIFO order', async () => {
    const pool = createPool({ concurrency: 2 });
    let active = 0;
    let max = 0;
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const tasks = [0, 1, 2, 3, 4].map((i) =>
      pool.run(async () => {
        order.push(i);
        active++;
        max = Math.max(max, active);
        await new Promise<void>((r) => gates.push(r));
        active--;
        return i;
      }),
    );
    for (let i = 0; i < 10 && gates.length < 5; i++) {
      await tick();
      assert.ok(pool.active <= 2);
      gates.shift()?.();
    }
    for (const gate of gates) gate();
    assert.deepEqual(await Promise.all(tasks), [0, 1, 2, 3, 4]);
    assert.equal(max, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    assert.equal(pool.active, 0);
  });

  it('gives a slot back when a task throws, and release is idempotent', async () => {
    const pool = createPool({ concurrency: 1 });
    await assert.rejects(pool.run(async () => Promise.reject(new Error('boom'))));
    const release = await pool.acquire();
    release();
    release();
    assert.equal(pool.active, 0);
    assert.equal(await pool.run(async () => 'ok'), 'ok');
  });

  it('drops an aborted waiter from the queue', async () => {
    const pool = createPool({ concurrency: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.acquire(controller.signal);
    assert.equal(pool.pending, 1);
    controller.abort();
    await assert.rejects(waiting, (e: unknown) => isAbortError(e));
    assert.equal(pool.pending, 0);
    held();
    assert.equal(pool.active, 0);
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(pool.acquire(aborted.signal));
  });

  it('starts waiters when the limit is raised', async () => {
    const pool = createPool({ concurrency: 1 });
    const first = await pool.acquire();
    let second = false;
    void pool.acquire().then((release) => {
      second = true;
      release();
    });
    await tick();
    assert.equal(second, false);
    pool.concurrency = 2;
    await tick();
    assert.equal(second, true);
    first();
    assert.throws(() => {
      pool.concurrency = 0;
    }, RangeError);
  });
});
