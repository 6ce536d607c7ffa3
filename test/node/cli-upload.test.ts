// The vod-upload CLI end to end: the real bin spawned against the emulator on loopback. --json output, --help,
// the documented exit codes, cloud errors, and Ctrl-C (SIGINT) mid-upload then a re-run of the same command that
// resumes without sending any finished part again (counted per part number by the emulator).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { useEmulator } from '../../packages/node/src/test-support.ts';

const BIN = fileURLToPath(new URL('../../packages/node/bin/vod-upload.js', import.meta.url));
const MiB = 1024 * 1024;
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

const children = new Set<ChildProcess>();
const fx = useEmulator('vod-cli-', () => {
  for (const child of children) if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
});
const { file, settled } = fx;

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Spawns the bin with the emulator's fake keys (unless `env` overrides them); killed by PID after 60 s. */
function cli(args: string[], env: Record<string, string | undefined> = {}): Run {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VOD_') && !/_proxy$/i.test(k)));
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...clean, VOD_SECRET_ID: fx.emu.info.secretId, VOD_SECRET_KEY: fx.emu.info.secretKey, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const timer = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 60_000);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

const target = () => ['--endpoint', fx.emu.url, '--cos-endpoint', `${fx.emu.url}/cos/{Bucket}`];

describe('vod-upload CLI', { timeout: 180_000 }, () => {
  it('--json prints exactly one JSON object {FileId, MediaUrl, CoverUrl, RequestId} and exits 0', async () => {
    const media = file(3 * MiB);
    const cover = file(20_000, 'cover.jpg');
    const r = await cli([media.path, '--cover', cover.path, '--region', 'ap-guangzhou', '--json', ...target(), '--resume-dir', join(fx.dir, 'r-json')]).done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1);
    const out = JSON.parse(r.stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(out), ['FileId', 'MediaUrl', 'CoverUrl', 'RequestId']);
    assert.match(out.FileId!, /^\d+$/);
    assert.equal(r.stderr, '', 'no progress lines with --json when stderr is not a terminal');
    assert.equal(sha1(Buffer.from(await (await fetch(out.MediaUrl!)).arrayBuffer())), sha1(media.bytes));
    assert.equal(sha1(Buffer.from(await (await fetch(out.CoverUrl!)).arrayBuffer())), sha1(cover.bytes));
  });

  it('multipart with --part-size and --concurrency; without --json prints the fields and progress lines', async () => {
    const media = file(20 * MiB);
    const r = await cli([media.path, '--part-size', '2M', '--concurrency', '3', '--class-id', '3', '--procedure', 'P', ...target(), '--resume-dir', join(fx.dir, 'r-plain')]).done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^FileId {5}\d+\nMediaUrl {3}http:\/\/127\.0\.0\.1:\d+\/media\/\S+\nRequestId {2}[\da-f-]{36}\n$/);
    assert.match(r.stderr, /clip\.mp4: 100% \(20\.0 MiB of 20\.0 MiB/);
    assert.doesNotMatch(r.stderr, /\x1b/, 'no terminal escapes when stderr is not a terminal');
    const s = fx.emu.stats.snapshot();
    assert.equal(Object.keys(s.uploadParts).length, 10);
    assert.ok(Object.values(s.uploadParts).every((n) => n === 1));
  });

  it('--help exits 0; usage and configuration errors exit 2 and send nothing', async () => {
    const help = await cli(['--help']).done;
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: vod-upload FILE/);
    assert.match(help.stdout, /130 +stopped by Ctrl-C/);

    const media = file(1000).path;
    const cases: [string[], Record<string, string | undefined>, RegExp][] = [
      [[], {}, /Give the FILE/],
      [[media, '--bogus'], {}, /Unknown option '--bogus'/],
      [[media, 'second.mp4'], {}, /exactly one FILE/],
      [[media, '--sub-app-id', 'abc'], {}, /--sub-app-id must be a whole number/],
      [[media, '--part-size', 'lots'], {}, /--part-size/],
      [[media, '--expire-time', 'tomorrow'], {}, /InvalidParameter\.ExpireTime/],
      [[file(10, 'noext').path], {}, /InvalidParameterValue\.MediaType/],
      [[join(fx.dir, 'missing.mp4')], {}, /InvalidParameterValue\.MediaFilePath/],
      [['https://example.com/a.mp4'], {}, /URLs are not supported/],
      [[media, '--region', 'Mars'], {}, /InvalidParameterValue\.Region/],
      [[media], { VOD_SECRET_KEY: '' }, /VOD_SECRET_ID and VOD_SECRET_KEY/],
      [[media, '--cos-endpoint', 'http://127.0.0.1:1/cos'], {}, /\{Bucket\}/],
    ];
    for (const [args, env, message] of cases) {
      const r = await cli([...target(), ...args], env).done;
      assert.equal(r.code, 2, `${args.join(' ')} → ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
    const json = await cli([file(10, 'noext').path, '--json', ...target()]).done;
    assert.equal(json.code, 2);
    assert.equal(JSON.parse(json.stdout).Error.Code, 'InvalidParameterValue.MediaType');
    assert.deepEqual(fx.emu.stats.snapshot().ops, {}, 'nothing reached the cloud');
  });

  it('a cloud error exits 1 with the cloud code and RequestId (--json: {"Error": …}); the key is never printed', async () => {
    const r = await cli([file(1000).path, '--sub-app-id', '999', '--json', ...target()]).done;
    assert.equal(r.code, 1);
    const { Error: error } = JSON.parse(r.stdout) as { Error: { Code: string; Message: string; RequestId: string } };
    assert.equal(error.Code, 'InvalidParameterValue.SubAppId');
    assert.match(error.RequestId, /^[\da-f-]{36}$/);
    assert.match(r.stderr, /InvalidParameterValue\.SubAppId: .*\(RequestId [\da-f-]{36}\)/);
    assert.equal((r.stdout + r.stderr).includes(fx.emu.info.secretKey), false);
  });

  it('Ctrl-C mid-upload exits 130 and keeps the upload; the same command resumes without re-sending finished parts', async () => {
    const media = file(40 * MiB);
    const args = [media.path, '--part-size', '1M', '--concurrency', '2', '--json', ...target(), '--resume-dir', join(fx.dir, 'r-sigint')];
    // Part 15 hangs, so Ctrl-C always finds some parts finished and some not.
    fx.emu.faults.add({ op: 'UploadPart', partNumber: 15, action: { type: 'delay', ms: 30_000 } });
    const first = cli(args);
    for (let i = 0; i < 1500 && Object.keys(fx.emu.stats.snapshot().uploadPartsStored).length < 8; i++) await new Promise((r) => setTimeout(r, 10));
    process.kill(first.child.pid!, 'SIGINT');
    const r1 = await first.done;
    assert.equal(r1.code, 130, r1.stderr);
    assert.match(r1.stderr, /run the same command again/i);
    assert.equal(JSON.parse(r1.stdout).Error.Code, 'ClientAborted');
    fx.emu.faults.reset();
    const s1 = await settled();
    const stored = Object.keys(s1.uploadPartsStored).map(Number);
    assert.ok(stored.length >= 8 && stored.length < 40, `some parts stored before Ctrl-C (${stored.length})`);
    assert.equal(s1.ops.AbortMultipartUpload, undefined, 'storage was not told to abort');
    assert.equal(s1.ops.CommitUpload, undefined);
    assert.equal(readdirSync(join(fx.dir, 'r-sigint')).filter((f) => f.endsWith('.json')).length, 1);

    fx.emu.stats.reset();
    const r2 = await cli(args).done;
    assert.equal(r2.code, 0, r2.stderr);
    const out = JSON.parse(r2.stdout) as Record<string, string>;
    const s2 = fx.emu.stats.snapshot();
    assert.equal(s2.ops.ApplyUpload, undefined, 'resumed the same session');
    for (const n of stored) assert.equal(s2.uploadParts[n], undefined, `finished part ${n} was not sent again`);
    for (let n = 1; n <= 40; n++) if (!stored.includes(n)) assert.equal(s2.uploadParts[n], 1, `part ${n} sent once`);
    assert.equal(sha1(Buffer.from(await (await fetch(out.MediaUrl!)).arrayBuffer())), sha1(media.bytes));
  });
});
