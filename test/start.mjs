#!/usr/bin/env node
// `npm start`: the local stack with no cloud account — the VOD + COS emulator on loopback, storing under
// ./.vod-data. Ctrl-C stops everything this script started.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const port = process.env.EMULATOR_PORT ?? '9000';
const children = [];

function start(name, args, env = {}) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping`);
      stop(1);
    }
  });
  return child;
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 2000).unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const emulator = start('emulator', [join(root, 'packages/emulator/bin/vod-emulator.js'), '--port', port, '--data', join(root, '.vod-data')]);
const lines = createInterface({ input: emulator.stdout });
lines.once('line', (line) => {
  const info = JSON.parse(line);
  console.log(`VOD + COS emulator ready
  VOD API:   ${info.vodEndpoint}
  COS:       http://${info.cosDomain}
  SecretId:  ${info.secretId} (test credentials of the emulator)
Ctrl-C to stop.`);
});
