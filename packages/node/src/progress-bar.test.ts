import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VodUploadProgress } from './client.ts';
import { createProgressWriter, formatBytes, formatDuration, renderBar, renderLine } from './progress-bar.ts';

const MiB = 1024 * 1024;
const progress = (over: Partial<VodUploadProgress> = {}): VodUploadProgress => ({
  phase: 'uploading',
  bytesUploaded: 460 * MiB,
  bytesTotal: 1024 * MiB,
  percent: 44.9,
  speed: 215.3 * MiB,
  eta: 2.6,
  partsDone: 57,
  partsTotal: 128,
  resumed: false,
  ...over,
});

describe('progress formatting', () => {
  it('formats bytes in binary units and durations as m:ss / h:mm:ss', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(1024 * MiB), '1.0 GiB');
    assert.equal(formatBytes(215.3 * MiB), '215 MiB');
    assert.equal(formatDuration(null), '--:--');
    assert.equal(formatDuration(2.6), '0:03');
    assert.equal(formatDuration(723), '12:03');
    assert.equal(formatDuration(3723), '1:02:03');
  });

  it('draws a bar with bytes, percent, speed and ETA within the width', () => {
    const line = renderBar('clip.mp4', progress(), 100);
    assert.match(line, /^clip\.mp4 \[█+░+\] +44%  460 MiB\/1\.0 GiB  215 MiB\/s  ETA 0:03$/);
    assert.ok(line.length <= 99);
    for (const width of [20, 40, 60, 80, 200]) assert.ok(renderBar('a-very-long-file-name-indeed.mp4', progress(), width).length <= width - 1 || width === 200);
    assert.match(renderBar('x.mp4', progress({ phase: 'committing', percent: 100 }), 100), /committing/);
    assert.match(renderBar('x.mp4', progress({ phase: 'uploaded', percent: 100 }), 100), /100%.*ETA 0:00$/);
  });

  it('a plain line names the percent, bytes, speed and ETA', () => {
    assert.equal(renderLine('clip.mp4', progress()), 'clip.mp4: 44% (460 MiB of 1.0 GiB, 215 MiB/s, ETA 0:03)');
  });
});

describe('createProgressWriter', () => {
  it('on a TTY redraws at most 10 times a second, and leaves the bar on screen at the end', () => {
    let now = 0;
    const out: string[] = [];
    const w = createProgressWriter({ name: 'clip.mp4', write: (t) => out.push(t), tty: true, now: () => now });
    for (let i = 0; i <= 100; i++) {
      now = i * 10; // an update every 10 ms for one second
      w.update(progress({ percent: i, bytesUploaded: i * MiB }));
    }
    const draws = out.filter((t) => t.startsWith('\r\x1b[2K'));
    assert.ok(draws.length <= 11 && draws.length >= 10, `${draws.length} redraws in one second`);
    w.done();
    assert.match(out.at(-2)!, /100%/);
    assert.equal(out.at(-1), '\n');
  });

  it('elsewhere prints one line per 10 % step, and a note when resuming', () => {
    const out: string[] = [];
    const w = createProgressWriter({ name: 'clip.mp4', write: (t) => out.push(t), tty: false });
    w.update(progress({ phase: 'pending', percent: 0 }));
    w.update(progress({ percent: 30, partsDone: 38, resumed: true }));
    for (let p = 30; p <= 100; p += 1) w.update(progress({ percent: p, resumed: true }));
    w.done();
    assert.equal(out[0], 'Resuming: 38 of 128 parts were already uploaded.\n');
    const lines = out.slice(1);
    assert.equal(lines.length, 8, lines.join(''));
    assert.ok(lines.every((l) => l.endsWith('\n') && !l.includes('\x1b')));
    assert.match(lines.at(-1)!, /^clip\.mp4: 100%/);
  });
});
