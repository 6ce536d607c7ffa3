import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/vod-emulator.js', import.meta.url));

describe('vod-emulator (CLI)', () => {
  it('--help explains every option', () => {
    const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0);
    for (const opt of ['--port', '--host', '--data', '--secret-id', '--secret-key', '--app-id', '--region', '--credential-ttl', '--rate-limit', '--help']) {
      assert.ok(r.stdout.includes(opt), opt);
    }
  });

  it('rejects an unknown option with exit code 2', () => {
    const r = spawnSync(process.execPath, [BIN, '--colour', 'red'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /colour/);
  });

  it('prints one JSON line, logs requests on stderr without secrets, stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vod-emu-cli-'));
    const child = spawn(process.execPath, [BIN, '--port', '0', '--data', dir, '--secret-id', 'cli-test-id', '--secret-key', 'cli-test-key', '--app-id', '1300000000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
      });
      const info = JSON.parse(line) as Record<string, string>;
      assert.deepEqual(Object.keys(info).sort(), ['appId', 'cosDomain', 'secretId', 'secretKey', 'vodEndpoint']);
      assert.match(info.vodEndpoint!, /^http:\/\/127\.0\.0\.1:\d+$/);
      const port = new URL(info.vodEndpoint!).port;
      assert.equal(info.cosDomain, `127.0.0.1:${port}/cos/{Bucket}`);
      assert.equal(info.secretId, 'cli-test-id');
      assert.equal(info.appId, '1300000000');
      const res = await fetch(`${info.vodEndpoint}/__emulator/stats`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      const vod = await fetch(`${info.vodEndpoint}/`, { method: 'POST', headers: { 'x-tc-action': 'ApplyUpload', 'x-tc-version': '2018-07-17', 'x-tc-timestamp': '1', authorization: 'x' }, body: '{}' });
      await vod.arrayBuffer();
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exit, 0);
      assert.match(stderr, /^GET Control 200 [\d.]+ms$/m);
      assert.match(stderr, /^POST ApplyUpload 200 [\d.]+ms$/m);
      assert.ok(!stderr.includes('cli-test-key'));
      assert.ok(existsSync(join(dir, 'state.json')));
    } finally {
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
