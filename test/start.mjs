#!/usr/bin/env node
// `npm start`: the whole local stack with no cloud account, and ONE URL to open —
//   1. the VOD + COS emulator (packages/emulator bin), storing under ./.vod-data,
//   2. the signer (packages/signer bin) wired to it, with a random session secret,
//   3. the demo page (Vite dev server, demo/), proxying /vod to the signer (same origin: no CORS needed).
// Ctrl-C stops all three (by PID). Settings (env): EMULATOR_PORT (default 9000, 0 = any), DEMO_PORT (default 5173,
// 0 = any), VOD_DATA_DIR (default ./.vod-data), VOD_PROCEDURE (the task flow of every upload, default
// LongVideoPreset). With --json, prints {"url","signer","emulator"} instead of text.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const json = process.argv.includes('--json');
const children = [];
let stopping = false;

function start(name, args, env = {}) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const err = createInterface({ input: child.stderr });
  err.on('line', (line) => {
    // Vite's and the bins' own chatter stays quiet unless something is wrong.
    if (/error|fail|warn/i.test(line) && !/shutting down/.test(line)) process.stderr.write(`[${name}] ${line}\n`);
  });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    // Ctrl-C in a terminal reaches the whole process group: a child that stopped cleanly is no failure.
    if (code === 0 || signal === 'SIGINT' || signal === 'SIGTERM') return stop(0);
    process.stderr.write(`${name} exited (${signal ?? code}); stopping\n`);
    stop(1);
  });
  return child;
}

/** The first stdout line of `child` matching `test`, within `ms`. */
function firstLine(child, name, test, ms = 60_000) {
  return new Promise((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`${name} did not start in ${ms / 1000} s`)), ms);
    lines.on('line', (line) => {
      const m = test(line);
      if (m) {
        clearTimeout(timer);
        resolveLine(m);
      }
    });
    child.once('exit', () => reject(new Error(`${name} exited before it was ready`)));
  });
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null && c.pid) {
    try { process.kill(c.pid, 'SIGTERM'); } catch { /* gone */ }
  }
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function freePort(wanted) {
  const tryPort = (port) => new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(null));
    s.listen(port, '127.0.0.1', () => {
      const { port: p } = s.address();
      s.close(() => res(p));
    });
  });
  return (await tryPort(wanted)) ?? (await tryPort(0));
}

try {
  const dataDir = resolve(root, process.env.VOD_DATA_DIR ?? '.vod-data');
  const emulator = start('emulator', [join(root, 'packages/emulator/bin/vod-emulator.js'), '--port', process.env.EMULATOR_PORT ?? '9000', '--data', dataDir]);
  const info = await firstLine(emulator, 'emulator', (line) => (line.startsWith('{') ? JSON.parse(line) : null));

  const signer = start('signer', [join(root, 'packages/signer/bin/vod-signer.js')], {
    VOD_SECRET_ID: info.secretId,
    VOD_SECRET_KEY: info.secretKey,
    VOD_ENDPOINT: info.vodEndpoint,
    VOD_COS_ENDPOINT: `http://${info.cosDomain}`,
    SIGNER_SESSION_SECRET: randomBytes(32).toString('base64'),
    SIGNER_PORT: '0',
    SIGNER_HOST: '127.0.0.1',
    SIGNER_BASE_PATH: '/vod',
    SIGNER_MEDIA_API: 'read', // the demo's media list and processing status (the bin allows it on loopback only)
    // Every upload runs a task flow, so the page shows processing, then ready (the emulator ends a flow in 3 s).
    VOD_PROCEDURE: process.env.VOD_PROCEDURE ?? 'LongVideoPreset',
  });
  const signed = await firstLine(signer, 'signer', (line) => (line.startsWith('{') ? JSON.parse(line) : null));

  const port = await freePort(Number(process.env.DEMO_PORT ?? 5173));
  const vite = start('vite', [join(root, 'node_modules/vite/bin/vite.js'), '--config', join(root, 'demo/vite.config.ts'), '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    VOD_SIGNER_ORIGIN: signed.url,
    VOD_EMULATOR_URL: info.url ?? info.vodEndpoint,
  });
  await firstLine(vite, 'vite', (line) => /ready in|Local:/.test(line));
  const url = `http://127.0.0.1:${port}/`;
  if (json) console.log(JSON.stringify({ url, signer: signed.signer, emulator: info.vodEndpoint }));
  else {
    console.log(`\n  vod-uploader demo (local VOD + COS emulator, signer, page) is ready:\n\n    ${url}\n\n  Ctrl-C to stop.\n`);
  }
} catch (error) {
  process.stderr.write(`npm start: ${error instanceof Error ? error.message : String(error)}\n`);
  stop(1);
}
