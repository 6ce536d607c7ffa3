// Drives the demo (test/start.mjs: emulator + signer bins + Vite) with Playwright: used by the demo end-to-end
// test (through a web-test-runner server command) and by demo/screenshot.mjs. Plain Node ESM.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../..');

/** Starts the whole demo stack on free ports with its own data dir; resolves with its URLs and a stop(). */
export function startDemo({ dataDir, timeout = 90_000 }) {
  const child = spawn(process.execPath, [join(root, 'test/start.mjs'), '--json'], {
    cwd: root,
    env: { ...process.env, EMULATOR_PORT: '0', DEMO_PORT: '0', VOD_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const stop = () =>
    new Promise((done) => {
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      process.kill(child.pid, 'SIGTERM');
      setTimeout(() => child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 8000).unref();
    });
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => (stop(), reject(new Error(`demo did not start: ${stderr}`))), timeout);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      clearTimeout(timer);
      resolveStart({ ...JSON.parse(line), stop });
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`demo exited (${code}): ${stderr}`))));
  });
}

/** A short real WebM video (VP8), recorded from a canvas in `page`; returns its bytes. */
export async function recordWebm(page, { seconds = 1.5, hue = 200, label = 'vod-uploader' } = {}) {
  const b64 = await page.evaluate(async ({ seconds, hue, label }) => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 360;
    const ctx = canvas.getContext('2d');
    const stream = canvas.captureStream(25);
    const rec = new MediaRecorder(stream, { mimeType: 'video/webm;codecs=vp8' });
    const chunks = [];
    rec.ondataavailable = (e) => chunks.push(e.data);
    const t0 = performance.now();
    const draw = () => {
      const t = (performance.now() - t0) / 1000;
      const g = ctx.createLinearGradient(0, 0, 640, 360);
      g.addColorStop(0, `hsl(${hue + t * 40} 70% 45%)`);
      g.addColorStop(1, `hsl(${hue + 60 + t * 40} 70% 25%)`);
      ctx.fillStyle = g;
      ctx.fillRect(0, 0, 640, 360);
      ctx.fillStyle = '#fff';
      ctx.font = 'bold 44px sans-serif';
      ctx.fillText(label, 40, 190);
      ctx.font = '24px sans-serif';
      ctx.fillText(`${t.toFixed(1)} s`, 40, 240);
    };
    draw();
    rec.start(100);
    await new Promise((r) => {
      const id = setInterval(() => {
        draw();
        if (performance.now() - t0 > seconds * 1000) (clearInterval(id), r());
      }, 40);
    });
    const stopped = new Promise((r) => (rec.onstop = r));
    rec.stop();
    await stopped;
    const buf = new Uint8Array(await new Blob(chunks).arrayBuffer());
    let s = '';
    for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
    return btoa(s);
  }, { seconds, hue, label });
  return Buffer.from(b64, 'base64');
}

/** Puts disk files into the demo's <vod-uploader> (Playwright pierces the shadow root). */
export async function pickFiles(page, paths) {
  await page.setInputFiles('vod-uploader input#pick', paths);
}

/**
 * Waits until the demo's media list has a row per name whose status (4th cell) is `status` (e.g. `ready` once the
 * task flow has ended; any when unset); returns the rows' facts.
 */
export async function waitForMedia(page, names, timeout = 120_000, status) {
  await page.waitForFunction(
    ({ names, status }) => {
      const rows = [...document.querySelectorAll('#media tbody tr')];
      // The list shows VOD's media name: the file name without its extension.
      const row = (n) => rows.find((r) => [n, n.replace(/\.[^.]+$/, '')].includes(r.querySelector('td.name')?.textContent));
      return names.every((n) => row(n) && (!status || row(n).querySelectorAll('td')[3]?.textContent === status));
    },
    { names, status },
    { timeout, polling: 200 },
  );
  return page.$$eval('#media tbody tr', (rows) =>
    rows.map((r) => ({
      fileId: r.dataset.fileId,
      cells: [...r.querySelectorAll('td')].map((td) => td.textContent.trim()),
      cover: r.querySelector('img')?.src ?? null,
    })),
  );
}

export function sha1(bytes) {
  return createHash('sha1').update(bytes).digest('hex');
}
