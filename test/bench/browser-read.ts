/**
 * What reading a disk-backed File in a Chromium worker costs, per read API, in one run: the read the hash worker
 * makes of every part before it can hash it (the upload itself sends File slices, which the browser's network
 * service reads from disk on its own). Each API reads the whole file in `--part-mib` slices, one after the other,
 * into fresh or reused buffers, touching nothing but the first byte:
 *   - `byob`: `slice.stream()` with a BYOB reader into one reused buffer (what the hash worker does);
 *   - `arrayBuffer`: `await slice.arrayBuffer()`;
 *   - `sync`: `new FileReaderSync().readAsArrayBuffer(slice)`;
 *   - `default`: `slice.stream()` read chunk by chunk with the default reader.
 * Printed per API and round: wall time, MB/s, CPU seconds of all the browser's processes per GiB and its busiest
 * threads; and for reference node:fs reading the same file (4 MiB reads, CPU seconds of this process per GiB).
 * Chromium is Debian's, headless, launched by playwright-core; the page comes from a loopback server.
 * MB = 10^6 bytes. Figures move ±10–30 % on a shared 2-vCPU machine: compare APIs within one run.
 *
 *   node --import tsx test/bench/browser-read.ts [--size-mib 1024] [--part-mib 8] [--rounds 2]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { launchedBrowser, threadTracker, treeCpu } from './proc-stats.ts';

const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    'part-mib': { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
  },
});
const MiB = 1024 * 1024;
const clamp = (v: string, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.floor(Number(v)) || lo));
const SIZE = clamp(values['size-mib'], 16, 4096) * MiB;
const PART = clamp(values['part-mib'], 1, 256) * MiB;
const ROUNDS = clamp(values.rounds, 1, 5);
const METHODS = ['byob', 'arrayBuffer', 'sync', 'default'] as const;
const gib = SIZE / 1024 / MiB;

/** The worker: reads `file` in `part`-byte slices with `method`; answers the time taken and the bytes read. */
const WORKER = `
self.onmessage = async ({ data: { file, method, part } }) => {
  const t0 = performance.now();
  let total = 0;
  let buffer = new ArrayBuffer(part);
  for (let at = 0; at < file.size; at += part) {
    const slice = file.slice(at, Math.min(file.size, at + part));
    if (method === 'byob') {
      const reader = slice.stream().getReader({ mode: 'byob' });
      let filled = 0;
      while (filled < slice.size) {
        const { done, value } = await reader.read(new Uint8Array(buffer, filled, slice.size - filled), { min: slice.size - filled });
        if (value) { buffer = value.buffer; filled += value.byteLength; }
        if (done) break;
      }
      reader.cancel().catch(() => {});
      total += filled;
    } else if (method === 'arrayBuffer') total += (await slice.arrayBuffer()).byteLength;
    else if (method === 'sync') total += new FileReaderSync().readAsArrayBuffer(slice).byteLength;
    else {
      const reader = slice.stream().getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) total += r.value.byteLength;
    }
  }
  self.postMessage({ ms: performance.now() - t0, total });
};`;
const PAGE = `<!doctype html><meta charset="utf-8"><input type="file" id="file"><script type="module">
const worker = new Worker(URL.createObjectURL(new Blob([${JSON.stringify(WORKER)}], { type: 'text/javascript' })), { type: 'module' });
window.read = (method, part) => new Promise((resolve) => {
  worker.onmessage = (e) => resolve(e.data);
  worker.postMessage({ file: document.getElementById('file').files[0], method, part });
});
</script>`;

declare global {
  interface Window {
    read(method: string, part: number): Promise<{ ms: number; total: number }>;
  }
}

const work = mkdtempSync(join(tmpdir(), 'browser-read-bench-'));
const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
const deadline = setTimeout(() => {
  console.error('bench: gave up after 15 min');
  process.exit(2);
}, 15 * 60_000);
try {
  const path = join(work, 'source.bin');
  const file = await open(path, 'w');
  for (let left = SIZE; left > 0; left -= 16 * MiB) await file.write(randomBytes(Math.min(left, 16 * MiB)));
  await file.close();
  const url = await new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const browserPid = launchedBrowser();
  if (!browserPid) throw new Error('no browser process id');
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => typeof window.read === 'function');
    await page.setInputFiles('#file', path);
    console.log(`browser-read bench: a ${SIZE / MiB} MiB disk-backed File read in a worker in ${PART / MiB} MiB slices, ${ROUNDS} rounds`);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const method of METHODS) {
        const threads = threadTracker(browserPid);
        const cpu0 = treeCpu(browserPid);
        const { ms, total } = await page.evaluate(([m, p]) => window.read(m!, Number(p)), [method, String(PART)]);
        threads.sample();
        if (total !== SIZE) throw new Error(`${method} read ${total} of ${SIZE} bytes`);
        const cpu = (treeCpu(browserPid) - cpu0) / gib;
        console.log(
          `  round ${round} ${method.padEnd(11)} ${(ms / 1000).toFixed(2)} s ${(SIZE / 1e6 / (ms / 1000)).toFixed(0).padStart(4)} MB/s, ` +
            `browser CPU ${cpu.toFixed(2)} s/GiB (${threads.busiest(5)})`,
        );
      }
      const usage0 = process.cpuUsage();
      const t0 = performance.now();
      const fh = await open(path);
      const buffer = Buffer.alloc(4 * MiB);
      for (let at = 0; at < SIZE; at += buffer.length) await fh.read(buffer, 0, buffer.length, at);
      await fh.close();
      const used = process.cpuUsage(usage0);
      const ms = performance.now() - t0;
      console.log(
        `  round ${round} node:fs      ${(ms / 1000).toFixed(2)} s ${(SIZE / 1e6 / (ms / 1000)).toFixed(0).padStart(4)} MB/s, ` +
          `CPU ${((used.user + used.system) / 1e6 / gib).toFixed(2)} s/GiB (reference)`,
      );
    }
  } finally {
    await browser.close();
  }
} finally {
  clearTimeout(deadline);
  server.close();
  rmSync(work, { recursive: true, force: true });
}
