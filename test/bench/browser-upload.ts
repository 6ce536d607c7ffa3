/**
 * The upload engine in Chromium, measured against the browser's own ceiling, in one run on one 1 GiB disk file:
 *
 *   1. SHA-1 of the file in the engine's hash worker (reading the disk-backed File in `--part-mib` slices, as
 *      the engine does) vs `node:crypto` SHA-1 of the same file (read with 4 MiB chunks); then SHA-1 and every
 *      part's MD5 with 8 parts queued, with the CPU it took (the browser's, and its hash worker thread's).
 *   2. Upload through the engine (`createUpload`: hashing on, Content-MD5 per part, `--part-mib` parts,
 *      `--concurrency` in flight, XHR) vs plain concurrent XHR PUTs of the same File slices (same part size, same
 *      concurrency, no hashing) to the same emulator's real UploadPart path, with URLs presigned by the same signer
 *      before the clock starts. The order alternates over `--rounds` rounds (≥ 2).
 *
 * Set-up: the emulator runs from its bin in a child process (`--rate-limit 0`, a fresh temp data dir), the signer
 * (createSigner on @hono/node-server, CORS `*`, instant upload off so no read-back verification runs between
 * rounds) and a static server for the page run in this process. The page (test/bench/browser-upload.page.ts and
 * the engine) and the hash worker are bundled by esbuild. Chromium is Debian's, launched by playwright-core
 * headless with the flags of the test config. MB = 10^6 bytes. The engine's time runs from `start()` to its
 * result (session, parts, complete); the plain time covers the PUTs only.
 *
 *   node --import tsx --conditions=source test/bench/browser-upload.ts [--rounds 2] [--size-mib 1024]
 *        [--part-mib 8] [--concurrency 4] [--signer-rate default|off|PER_SECOND] [--trace] [--bytes-baseline]
 *        [--plain-md5] [--quiet LOAD] [--uplink MBIT] [--skip-sha1]
 *
 * `--signer-rate`: the signer's per-scope token bucket (default: the signer's own default, 120 burst / 20 per
 * second). `--trace` prints where the engine's time went (hash, sign and PUT spans; idle PUT slots).
 * `--bytes-baseline` also times the first 8 plain PUTs with in-memory ArrayBuffer bodies (what the engine sent
 * before it sent File slices) against File slices. `--plain-md5`: the plain PUTs carry a signed `Content-MD5` too
 * (computed here beforehand), as the engine's do, so that the storage side does the same work for both.
 * `--quiet LOAD`: before each measured run, wait (up to 3 minutes) for the 1-minute load average to fall below
 * LOAD — other work on a shared machine moves these figures more than anything measured here.
 * `--uplink MBIT`: cap the page's upload bandwidth with Chromium's network emulation (DevTools throttling), for a
 * client whose network rather than its CPU is the ceiling (on this 2-vCPU machine the browser and the emulator
 * share the CPU, so uncapped, figure 2 is a CPU ratio). `--skip-sha1`: leave out figure 1.
 * Peak memory: the browser's total RSS (all its processes) sampled every 100 ms, minus its RSS before the run.
 *
 * Target: engine time ≤ 1.15 × plain time (median).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { build } from 'esbuild';
import { Hono } from 'hono';
import { chromium } from 'playwright-core';
import { createSignerClient } from '@vod-uploader/core';
import { createSigner } from '@vod-uploader/signer';
import { launchedBrowser, threadTracker, treeCpu, treeRss } from './proc-stats.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    'size-mib': { type: 'string', default: '1024' },
    'part-mib': { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '4' },
    'signer-rate': { type: 'string', default: 'default' },
    trace: { type: 'boolean', default: false },
    'bytes-baseline': { type: 'boolean', default: false },
    'plain-md5': { type: 'boolean', default: false },
    quiet: { type: 'string', default: '0' },
    uplink: { type: 'string', default: '0' },
    'skip-sha1': { type: 'boolean', default: false },
  },
});
const clamp = (v: string, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.floor(Number(v)) || lo));
const ROUNDS = clamp(values.rounds, 1, 10);
const MiB = 1024 * 1024;
const SIZE = clamp(values['size-mib'], 16, 4096) * MiB;
const PART = clamp(values['part-mib'], 1, 256) * MiB;
const CONCURRENCY = clamp(values.concurrency, 1, 16);
const PARTS = Math.ceil(SIZE / PART);
const RUN_TIMEOUT_MS = 600_000;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SESSION_SECRET = randomBytes(32).toString('base64');

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'browser-upload-bench-'));
const children = new Set<ChildProcess>();
const servers: Server[] = [];

const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const QUIET = Number(values.quiet) || 0;
/** `--uplink MBIT`: the page's upload bandwidth capped by Chromium's network emulation (0: no cap). */
const UPLINK = Math.max(0, Number(values.uplink) || 0);
/** Waits (at most 3 minutes) for the machine to be quiet (`--quiet`); returns the load then. */
async function quiet(): Promise<string> {
  for (const until = Date.now() + 180_000; QUIET && loadavg()[0]! >= QUIET && Date.now() < until; ) await new Promise((r) => setTimeout(r, 5000));
  return load();
}

/** A file of random bytes (AES-CTR keystream), and its SHA-1. */
async function makeFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha1');
  const cipher = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
  const zeros = Buffer.alloc(4 * MiB);
  const fh = await open(path, 'w');
  try {
    for (let left = size; left > 0; left -= zeros.length) {
      const chunk = cipher.update(zeros.subarray(0, Math.min(left, zeros.length)));
      await fh.write(chunk);
      hash.update(chunk);
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

/** Base64 MD5 of each part of the file. */
async function partMd5sOf(path: string): Promise<string[]> {
  const out: string[] = [];
  const fh = await open(path);
  try {
    const buffer = Buffer.alloc(PART);
    for (let at = 0; at < SIZE; at += PART) {
      const { bytesRead } = await fh.read(buffer, 0, Math.min(PART, SIZE - at), at);
      out.push(createHash('md5').update(buffer.subarray(0, bytesRead)).digest('base64'));
    }
  } finally {
    await fh.close();
  }
  return out;
}

async function nodeSha1(path: string): Promise<{ ms: number; sha1: string }> {
  const t0 = performance.now();
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) hash.update(chunk as Buffer);
  const sha1 = hash.digest('hex');
  return { ms: performance.now() - t0, sha1 };
}

/** The emulator's bin in a child process; resolves with its info line. */
function startEmulator(dataDir: string): Promise<{ proc: ChildProcess; info: Record<string, string> }> {
  const proc = spawn(process.execPath, [join(root, 'packages/emulator/bin/vod-emulator.js'), '--port', '0', '--data', dataDir, '--rate-limit', '0'], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the emulator did not start within 30 s')), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      proc.stdout!.removeAllListeners('data');
      proc.stdout!.resume();
      resolve({ proc, info: JSON.parse(out.slice(0, nl)) });
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited with ${code}`));
    });
  });
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  process.kill(proc.pid!, 'SIGTERM');
  const timer = setTimeout(() => proc.exitCode === null && process.kill(proc.pid!, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function listen(server: Server): Promise<string> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

interface Usage {
  /** Peak RSS increase of the browser, bytes. */
  peakDelta: number;
  /** CPU seconds of the browser's processes and of the emulator. */
  browserCpu: number;
  emulatorCpu: number;
  /** The browser's busiest threads (CPU seconds). */
  threads: string;
  /** CPU seconds of the browser's dedicated workers (the hash worker). */
  workerCpu: number;
}

/** Samples the browser tree's RSS every 100 ms while `task` runs; CPU of the browser and the emulator around it. */
async function withUsage<T>(browserPid: number, emulatorPid: number, task: () => Promise<T>): Promise<{ value: T } & Usage> {
  const base = treeRss(browserPid);
  const cpu0 = [treeCpu(browserPid), treeCpu(emulatorPid)];
  const threads = threadTracker(browserPid);
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRss(browserPid));
    threads.sample();
  }, 100);
  try {
    const value = await task();
    return {
      value,
      peakDelta: Math.max(0, peak - base),
      browserCpu: treeCpu(browserPid) - cpu0[0]!,
      emulatorCpu: treeCpu(emulatorPid) - cpu0[1]!,
      threads: (threads.sample(), threads.busiest()),
      workerCpu: threads.of('DedicatedWorker'),
    };
  } finally {
    clearInterval(timer);
  }
}

interface Span {
  kind: 'hash' | 'put' | 'sign' | 'signer';
  part?: number;
  path?: string;
  start: number;
  end: number;
}

/** Where the time went: totals per kind, mean PUTs in flight, time with a free PUT slot while parts remained. */
function describeTrace(spans: Span[], t0: number, ms: number): string {
  const sum = (k: Span['kind']) => spans.filter((s) => s.kind === k).reduce((a, s) => a + (s.end - s.start), 0);
  const count = (k: Span['kind']) => spans.filter((s) => s.kind === k).length;
  const puts = spans.filter((s) => s.kind === 'put').sort((a, b) => a.start - b.start);
  const hashes = spans.filter((s) => s.kind === 'hash');
  const events = puts.flatMap((s) => [[s.start, 1], [s.end, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let inFlight = 0;
  let last = t0;
  let area = 0;
  let slack = 0;
  const lastPutStart = puts.at(-1)?.start ?? t0;
  for (const [t, d] of events) {
    area += inFlight * (t - last);
    if (inFlight < CONCURRENCY && last < lastPutStart) slack += Math.min(t, lastPutStart) - last;
    inFlight += d;
    last = t;
  }
  const firstPut = puts[0]?.start ?? t0;
  const lastPutEnd = Math.max(...puts.map((p) => p.end));
  return [
    `hash ${count('hash')}× ${(sum('hash') / Math.max(1, count('hash'))).toFixed(0)} ms avg, from ${(Math.min(...hashes.map((h) => h.start)) - t0).toFixed(0)} to ${(Math.max(...hashes.map((h) => h.end)) - t0).toFixed(0)} ms`,
    `sign ${count('sign')}× ${(sum('sign') / Math.max(1, count('sign'))).toFixed(1)} ms avg`,
    `other signer calls: ${spans
      .filter((s) => s.kind === 'signer')
      .map((s) => `${s.path?.replace(/^.*\/vod\//, '')} at ${(s.start - t0).toFixed(0)} ms for ${(s.end - s.start).toFixed(0)} ms`)
      .join(', ')}`,
    `PUT ${count('put')}× ${(sum('put') / Math.max(1, count('put'))).toFixed(0)} ms avg`,
    `first PUT at ${(firstPut - t0).toFixed(0)} ms, last PUT ends ${(t0 + ms - lastPutEnd).toFixed(0)} ms before the end`,
    `mean PUTs in flight ${(area / Math.max(1, lastPutEnd - t0)).toFixed(2)}`,
    `a slot free while parts remained: ${slack.toFixed(0)} ms`,
  ].join('; ');
}

async function main(): Promise<void> {
  console.log(`browser-upload bench: ${SIZE / MiB} MiB, ${PART / MiB} MiB parts (${PARTS}), concurrency ${CONCURRENCY}, ${ROUNDS} rounds`);
  console.log(`load average at start: ${load()} (2 vCPUs, shared)`);
  const path = join(work, 'source.mp4');
  const sha1 = await makeFile(path, SIZE);

  const emulator = await startEmulator(join(work, 'emulator'));
  const info = emulator.info;

  const rateOption = values['signer-rate'];
  const rateLimit =
    rateOption === 'default' ? undefined : rateOption === 'off' ? (false as const) : { capacity: 120, refillPerSecond: clamp(rateOption, 1, 100000) };
  let throttled = 0;
  const signerApp = createSigner({
    secretId: info.secretId!,
    secretKey: info.secretKey!,
    sessionSecret: SESSION_SECRET,
    vodEndpoint: info.vodEndpoint,
    cosEndpoint: `http://${info.cosDomain}`,
    corsOrigins: ['*'],
    instant: false,
    ...(rateLimit === undefined ? {} : { rateLimit }),
  });
  const host = new Hono();
  host.use('*', async (c, next) => {
    await next();
    if (c.res.status === 429) throttled++;
  });
  host.route('/vod', signerApp);
  const signerServer = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: host.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
  });
  servers.push(signerServer);
  const signerUrl = `http://127.0.0.1:${(signerServer.address() as AddressInfo).port}/vod`;
  const signer = createSignerClient({ url: signerUrl });
  console.log(
    `signer rate limit: ${rateLimit === undefined ? 'the default (120 burst, 20/s per scope)' : rateLimit === false ? 'off' : `120 burst, ${rateLimit.refillPerSecond}/s`}`,
  );

  const bundle = await build({
    entryPoints: { page: join(root, 'test/bench/browser-upload.page.ts'), 'hash-worker': join(root, 'packages/core/src/hash/hash-worker.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    write: false,
    outdir: '/out',
    logLevel: 'silent',
  });
  const assets = new Map(bundle.outputFiles.map((f) => [f.path.replace('/out', ''), f.text]));
  const html = '<!doctype html><meta charset="utf-8"><input type="file" id="file"><script type="module" src="/page.js"></script>';
  const pageUrl = await listen(
    createServer((req, res) => {
      const body = req.url === '/' ? html : assets.get(req.url ?? '');
      if (body === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': req.url === '/' ? 'text/html' : 'text/javascript', 'cache-control': 'no-store' }).end(body);
    }),
  );

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
  // The browser is a child of this process (the emulator is the other one).
  const browserPid = launchedBrowser();
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(RUN_TIMEOUT_MS);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pageUrl);
    await page.waitForFunction(() => window.bench?.ready);
    if (UPLINK) {
      // A client whose uplink, not its CPU, is the ceiling: both the engine's and the plain PUTs go through it.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: (UPLINK * 1e6) / 8,
      });
      console.log(`uplink capped at ${UPLINK} Mbit/s (${(UPLINK / 8).toFixed(1)} MB/s) by Chromium's network emulation`);
    }
    await page.setInputFiles('#file', path);
    if (!browserPid) throw new Error('no browser process id');
    const measure = <T>(task: () => Promise<T>) => withUsage(browserPid, emulator.proc.pid!, task);
    const mb = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
    const usage = (u: Usage & { load: string }) =>
      `peak +${mb(u.peakDelta)}, CPU s: browser ${u.browserCpu.toFixed(1)}, emulator ${u.emulatorCpu.toFixed(1)}; load at start ${u.load}`;

    console.log(`\n1. SHA-1 of the ${SIZE / MiB} MiB file: the engine's hash worker in Chromium (${PART / MiB} MiB slices) vs node:crypto`);
    const r1: { node: number; seq: number; ahead: number; md5: number; cpu: number; worker: number }[] = [];
    const gib = SIZE / 1024 / MiB;
    for (let round = 1; round <= (values['skip-sha1'] ? 0 : ROUNDS); round++) {
      const at = await quiet();
      const node = await nodeSha1(path);
      const seq = await page.evaluate(([p]) => window.bench.hash(p!, 1), [PART]);
      const ahead = await page.evaluate(([p]) => window.bench.hash(p!, 2), [PART]);
      const { value: md5, ...used } = await measure(() => page.evaluate(([p]) => window.bench.hash(p!, 8, true), [PART]));
      for (const [what, got] of [['node', node.sha1], ['worker', seq.sha1], ['worker read-ahead', ahead.sha1], ['worker with MD5s', md5.sha1]] as const) {
        if (got !== sha1) throw new Error(`${what} SHA-1 ${got} ≠ ${sha1}`);
      }
      r1.push({ node: node.ms, seq: seq.ms, ahead: ahead.ms, md5: md5.ms, cpu: used.browserCpu / gib, worker: used.workerCpu / gib });
      console.log(
        `  round ${round} (load at start ${at}, at end ${load()}): node:crypto ${(node.ms / 1000).toFixed(2)} s (${mbps(SIZE, node.ms).toFixed(0)} MB/s); ` +
          `worker, one part at a time ${(seq.ms / 1000).toFixed(2)} s (${mbps(SIZE, seq.ms).toFixed(0)} MB/s, ${(seq.ms / node.ms).toFixed(2)}× node); ` +
          `worker, next part read ahead ${(ahead.ms / 1000).toFixed(2)} s (${mbps(SIZE, ahead.ms).toFixed(0)} MB/s, ${(ahead.ms / node.ms).toFixed(2)}× node)\n` +
          `    SHA-1 + every part's MD5, 8 parts queued: ${(md5.ms / 1000).toFixed(2)} s (${mbps(SIZE, md5.ms).toFixed(0)} MB/s); ` +
          `CPU s per GiB: hash worker ${(used.workerCpu / gib).toFixed(2)}, browser ${(used.browserCpu / gib).toFixed(2)} (${used.threads}); peak +${mb(used.peakDelta)}`,
      );
    }
    const m1 = (k: keyof (typeof r1)[number]) => median(r1.map((r) => r[k]));
    if (r1.length) console.log(
      `  median: node:crypto ${mbps(SIZE, m1('node')).toFixed(0)} MB/s; worker ${mbps(SIZE, m1('seq')).toFixed(0)} MB/s (${(m1('seq') / m1('node')).toFixed(2)}×); ` +
        `worker read-ahead ${mbps(SIZE, m1('ahead')).toFixed(0)} MB/s (${(m1('ahead') / m1('node')).toFixed(2)}×); ` +
        `with MD5s ${mbps(SIZE, m1('md5')).toFixed(0)} MB/s, CPU s per GiB: hash worker ${m1('worker').toFixed(2)}, browser ${m1('cpu').toFixed(2)}`,
    );

    console.log(`\n2. Upload of the ${SIZE / MiB} MiB file from Chromium: the engine (hashing on) vs plain XHR PUTs of the same File slices (no hashing)`);
    const runEngine = async () => {
      const at = await quiet();
      const { value, ...used } = await measure(() =>
        page.evaluate((o) => window.bench.engine(o), {
          signer: signerUrl,
          partSize: PART,
          concurrency: CONCURRENCY,
          trace: true,
        }),
      );
      if (value.sha1 !== sha1) throw new Error(`engine SHA-1 ${value.sha1} ≠ ${sha1}`);
      if (value.parts !== PARTS) throw new Error(`engine used ${value.parts} parts, expected ${PARTS}`);
      const lastPut = Math.max(...value.spans.filter((s) => s.kind === 'put').map((s) => s.end)) - value.t0;
      return { ms: value.ms, partsMs: lastPut, used: { ...used, load: at }, trace: describeTrace(value.spans, value.t0, value.ms) };
    };
    /** Plain XHR PUTs of the first `count` parts: File slices, or (`bytes`) the same bytes read into an ArrayBuffer first. */
    const partMd5s = values['plain-md5'] ? await partMd5sOf(path) : undefined;
    const runPlain = async (bytes = false, count = PARTS) => {
      const session = await signer.createUpload({ file: { name: 'plain.mp4', size: SIZE, type: 'video/mp4' }, partSize: PART });
      if (!('session' in session) || session.partSize !== PART) throw new Error(`unexpected session ${JSON.stringify(session)}`);
      const urls: string[] = [];
      const headers: Record<string, string>[] = [];
      for (let first = 1; first <= count; first += 100) {
        const parts = Array.from({ length: Math.min(100, count - first + 1) }, (_, i) => ({ partNumber: first + i, md5: partMd5s?.[first + i - 1] }));
        for (const u of await signer.sign({ session: session.session, parts })) {
          urls[u.partNumber! - 1] = u.url;
          headers[u.partNumber! - 1] = u.headers;
        }
      }
      const at = await quiet();
      const { value, ...used } = await measure(() =>
        page.evaluate((o) => window.bench.plain(o), { urls, headers, partSize: PART, concurrency: CONCURRENCY, bytes }),
      );
      if (value.etags.length !== count || value.etags.some((e) => !e)) throw new Error('plain: a part without an ETag');
      let completeMs = 0;
      if (count === PARTS) {
        // Finished like the engine's (CompleteMultipartUpload + CommitUpload through the signer), timed apart.
        const t0 = performance.now();
        await signer.complete({ session: session.session, parts: value.etags.map((etag, i) => ({ partNumber: i + 1, etag })) });
        completeMs = performance.now() - t0;
      } else {
        await signer.abort(session.session);
      }
      return { ms: value.ms, completeMs, used: { ...used, load: at }, trace: describeTrace(value.spans, value.t0, value.ms) };
    };
    if (values['bytes-baseline']) {
      // Why the engine sends File slices: the same XHR PUTs with in-memory ArrayBuffer bodies (first 8 parts).
      const count = Math.min(8, PARTS);
      const bytes = count * PART;
      const asBytes = await runPlain(true, count);
      const asSlices = await runPlain(false, count);
      console.log(
        `  first ${count} parts, plain XHR: ArrayBuffer bodies ${(asBytes.ms / 1000).toFixed(2)} s (${mbps(bytes, asBytes.ms).toFixed(0)} MB/s) vs ` +
          `File slices ${(asSlices.ms / 1000).toFixed(2)} s (${mbps(bytes, asSlices.ms).toFixed(0)} MB/s): ${(asBytes.ms / asSlices.ms).toFixed(1)}× slower`,
      );
    }
    console.log(
      '  engine = start() to result (session, hash, sign, PUTs, complete); "parts" = until its last PUT ended.\n' +
        '  plain = the PUTs of presigned URLs; "+complete" adds the same CompleteMultipartUpload + CommitUpload through the signer.',
    );
    const r2: { engine: number; engineParts: number; plain: number; plainComplete: number }[] = [];
    const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s (${mbps(SIZE, ms).toFixed(0)} MB/s)`;
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? (['engine', 'plain'] as const) : (['plain', 'engine'] as const);
      let e: Awaited<ReturnType<typeof runEngine>> | undefined;
      let p: Awaited<ReturnType<typeof runPlain>> | undefined;
      for (const which of order) {
        await new Promise((r) => setTimeout(r, 1000));
        if (which === 'engine') e = await runEngine();
        else p = await runPlain();
      }
      const r = { engine: e!.ms, engineParts: e!.partsMs, plain: p!.ms, plainComplete: p!.ms + p!.completeMs };
      r2.push(r);
      console.log(
        `  round ${round} (${order.join(' first, ')} second; load at end ${load()}):\n` +
          `    engine ${s2(r.engine)}, parts ${s2(r.engineParts)}; ${usage(e!.used)}\n` +
          `    plain  ${s2(r.plain)}, +complete ${s2(r.plainComplete)}; ${usage(p!.used)}\n` +
          `    ratio engine/plain+complete ${(r.engine / r.plainComplete).toFixed(2)}×, engine parts/plain ${(r.engineParts / r.plain).toFixed(2)}×`,
      );
      if (values.trace) {
        console.log(`    engine trace: ${e!.trace}\n      browser threads, CPU s: ${e!.used.threads}`);
        console.log(`    plain trace:  ${p!.trace}\n      browser threads, CPU s: ${p!.used.threads}`);
      }
    }
    const m = (k: keyof (typeof r2)[number]) => median(r2.map((r) => r[k]));
    console.log(
      `  median: engine ${s2(m('engine'))}, parts ${s2(m('engineParts'))}; plain ${s2(m('plain'))}, +complete ${s2(m('plainComplete'))}\n` +
        `  median ratio engine/plain+complete ${median(r2.map((r) => r.engine / r.plainComplete)).toFixed(2)}×, ` +
        `engine parts/plain ${median(r2.map((r) => r.engineParts / r.plain)).toFixed(2)}× (target ≤ 1.15×)`,
    );
    console.log(`signer answers 429 (rate limited): ${throttled}`);
    if (errors.length) console.log(`page errors: ${errors.join('; ')}`);
  } finally {
    await browser.close();
  }
  console.log(`load average at end: ${load()}`);
}

async function cleanup(): Promise<void> {
  for (const proc of [...children]) await stopChild(proc);
  for (const server of servers) {
    (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  rmSync(work, { recursive: true, force: true });
}

const deadline = setTimeout(() => {
  console.error('bench: gave up after 30 min');
  void cleanup().finally(() => process.exit(2));
}, 30 * 60_000);
try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await cleanup();
}
