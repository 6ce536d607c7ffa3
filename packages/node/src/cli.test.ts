// The CLI's main() in-process against the emulator: the progress bar on a terminal, and a stop signal.
// (The bin itself, spawned, is tested end to end in test/node/cli-upload.test.ts.)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '@vod-uploader/emulator';
import { type CliIo, ExitCode, main, parseSize } from './cli.ts';

const MiB = 1024 * 1024;
let dir: string;
let emu: RunningEmulator;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vod-node-cli-'));
  emu = await startEmulator({ dataDir: join(dir, 'emulator'), port: 0, log: () => {}, rateLimit: 0 });
});
after(async () => {
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

function io(argv: string[], over: Partial<CliIo> = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    argv: [...argv, '--endpoint', emu.url, '--cos-endpoint', `${emu.url}/cos/{Bucket}`, '--resume-dir', join(dir, 'resume')],
    env: { VOD_SECRET_ID: emu.info.secretId, VOD_SECRET_KEY: emu.info.secretKey },
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    tty: false,
    columns: () => 100,
    onSignal: () => () => {},
    out,
    err,
    ...over,
  };
}

describe('vod-upload main()', { timeout: 60_000 }, () => {
  it('draws the progress bar on a terminal and leaves it on screen', async () => {
    const path = join(dir, 'bar.mp4');
    writeFileSync(path, randomBytes(12 * MiB));
    const cli = io([path, '--part-size', '1M', '--json'], { tty: true });
    assert.equal(await main(cli), ExitCode.OK);
    const err = cli.err.join('');
    assert.match(err, /\r\x1b\[2Kbar\.mp4 \[[█░]+\] +\d+% +[\d.]+ (B|KiB|MiB)\/12\.0 MiB/);
    assert.match(err, /\r\x1b\[2Kbar\.mp4 \[█+\] +100% +12\.0 MiB\/12\.0 MiB .*ETA 0:00\n$/);
    assert.ok(err.split('\r').every((frame) => frame.length <= 100 + 8), 'each frame fits the width');
    assert.deepEqual(Object.keys(JSON.parse(cli.out.join(''))), ['FileId', 'MediaUrl', 'CoverUrl', 'RequestId']);
  });

  it('a stop signal ends with 130 (SIGINT) or 143 (SIGTERM) and says how to resume', async () => {
    const path = join(dir, 'stop.mp4');
    writeFileSync(path, randomBytes(10 * MiB));
    emu.stats.reset();
    for (const [signal, code] of [['SIGINT', ExitCode.INTERRUPTED], ['SIGTERM', ExitCode.TERMINATED]] as const) {
      emu.faults.add({ op: 'UploadPart', partNumber: 3, action: { type: 'delay', ms: 10_000 } });
      let stop: ((s: 'SIGINT' | 'SIGTERM') => void) | undefined;
      const cli = io([path, '--part-size', '1M', '--concurrency', '2'], { onSignal: (handler) => ((stop = handler), () => (stop = undefined)) });
      const running = main(cli);
      for (let i = 0; i < 500 && (!stop || (emu.stats.snapshot().ops.UploadPart ?? 0) < 3); i++) await new Promise((r) => setTimeout(r, 10));
      stop!(signal);
      assert.equal(await running, code);
      assert.match(cli.err.join(''), /Run the same command again to resume/);
      assert.equal(cli.out.join(''), '');
      assert.equal(stop, undefined, 'the signal handlers are removed');
      emu.faults.reset();
      emu.stats.reset();
    }
  });

  it('parses part sizes with binary suffixes', () => {
    assert.equal(parseSize('1048576'), MiB);
    assert.equal(parseSize('8M'), 8 * MiB);
    assert.equal(parseSize('8mib'), 8 * MiB);
    assert.equal(parseSize('1g'), 1024 * MiB);
    assert.equal(parseSize('512K'), 512 * 1024);
    assert.throws(() => parseSize('8 MB/s'));
    assert.throws(() => parseSize('0'));
  });
});
