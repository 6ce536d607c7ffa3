/**
 * Emulator upload throughput: a 1 GiB multipart upload to the emulator next to the same bytes PUT to a plain
 * Node `http` server that only does `pipeline(req, fs.createWriteStream(file))`, measured in the same run.
 *
 * Each server runs in its own child process (the emulator through its real bin, `--port 0`, reading its JSON
 * line), fresh for every run with its own temp data dir. One client for both: the source is a temp file sent in
 * `--part-mib` parts (default 8 MiB), `--concurrency` (default 4) at a time, over Node `http` with keep-alive.
 * For the emulator: ApplyUpload (TC3), InitiateMultipartUpload, q-signed UploadParts (each ETag checked against
 * the part's MD5), CompleteMultipartUpload — all inside the timed window; for the reference the same PUTs.
 * After the timed window the emulator gets a CommitUpload, timed on its own and printed next to the figures: it
 * waits for the whole-object MD5, work the emulator keeps out of a fast upload's way (see its README). Before a
 * server is stopped (SIGTERM to its PID) its peak RSS is read from /proc/<pid>/status (VmHWM). The order
 * alternates over `--rounds` rounds (default 3). Each round also prints the 1-minute load average at its
 * start: on a shared machine, other work changes the figures a lot. MB = 10^6 bytes.
 *
 *   node --import tsx --conditions=source test/bench/emulator-upload.ts [--rounds 3] [--size-mib 1024]
 *        [--part-mib 8] [--concurrency 4] [--threads] [--cpu-prof DIR] [--emulator-bin PATH]
 *
 * `--cpu-prof DIR` runs the emulator under `node --cpu-prof` (profiles of every thread land in DIR); `--threads`
 * prints the CPU seconds of each server thread during the upload; `--emulator-bin PATH` runs another copy of the
 * emulator's bin (to compare builds).
 *
 * Targets: median ratio emulator/reference ≥ 0.80, emulator peak RSS < 200 MB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cosKeyPath, signCos, signTc3 } from '@vod-uploader/tencent';
import { threadTracker, treeCpu } from './proc-stats.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'size-mib': { type: 'string', default: '1024' },
    'part-mib': { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '4' },
    'cpu-prof': { type: 'string' },
    threads: { type: 'boolean', default: false },
    'emulator-bin': { type: 'string' },
  },
});
const clamp = (v: string, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.floor(Number(v)) || lo));
const ROUNDS = clamp(values.rounds, 1, 20);
const MiB = 1024 * 1024;
const SIZE = clamp(values['size-mib'], 1, 8192) * MiB;
const PART = clamp(values['part-mib'], 1, 512) * MiB;
const CONCURRENCY = clamp(values.concurrency, 1, 64);
const PARTS = Math.ceil(SIZE / PART);
/** A run (one upload to one server) may take at most this long. */
const RUN_TIMEOUT_MS = 300_000;

const root = fileURLToPath(new URL('../..', import.meta.url));
const EMULATOR_BIN = values['emulator-bin'] ?? join(root, 'packages/emulator/bin/vod-emulator.js');

/** The reference: a plain Node http server writing each PUT body to a file. Nothing else. */
const REFERENCE_SERVER = `
import { createServer } from 'node:http';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
const dir = process.env.REF_DIR;
let n = 0;
const server = createServer(async (req, res) => {
  try {
    await pipeline(req, createWriteStream(join(dir, String(++n))));
    res.writeHead(200, { 'content-length': '0' }).end();
  } catch {
    res.destroy();
  }
});
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ url: 'http://127.0.0.1:' + server.address().port }) + '\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

function removeDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  tempDirs.delete(d);
}

interface Server {
  proc: ChildProcess;
  info: Record<string, string>;
}

/** Starts a child and resolves with the JSON object of its first stdout line. */
function launch(args: string[], env: Record<string, string>): Promise<Server> {
  const proc = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start within 30 s')), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        proc.stdout!.removeAllListeners('data');
        proc.stdout!.resume();
        resolve({ proc, info: JSON.parse(out.slice(0, nl)) as Record<string, string> });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}`));
    });
  });
}

/** Stops a child we started, by its PID: SIGTERM, then SIGKILL after 10 s. */
async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  process.kill(proc.pid!, 'SIGTERM');
  const timer = setTimeout(() => proc.exitCode === null && process.kill(proc.pid!, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Peak resident set size (VmHWM) of a process, in bytes. */
function peakRss(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM for ${pid}`);
  return Number(m[1]) * 1024;
}

function dirBytes(d: string): number {
  let n = 0;
  for (const name of readdirSync(d, { recursive: true }) as string[]) {
    const s = statSync(join(d, name));
    if (s.isFile()) n += s.size;
  }
  return n;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request; `file` streams that byte range of the source file as the body. */
function send(url: string, method: string, headers: Record<string, string>, body?: string | { path: string; start: number; length: number }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (typeof body === 'string') req.end(body);
    else {
      const stream = createReadStream(body.path, { start: body.start, end: body.start + body.length - 1, highWaterMark: MiB });
      stream.on('error', reject);
      stream.pipe(req);
    }
  });
}

/** Runs `task(i)` for i in 0..n-1, `limit` at a time. */
async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

const partLength = (i: number) => Math.min(PART, SIZE - i * PART);

async function uploadToReference(url: string, file: string): Promise<void> {
  await pool(PARTS, CONCURRENCY, async (i) => {
    const length = partLength(i);
    const r = await send(`${url}/part/${i + 1}`, 'PUT', { 'content-length': String(length) }, { path: file, start: i * PART, length });
    if (r.status !== 200) throw new Error(`reference PUT ${i + 1}: ${r.status}`);
  });
}

/** A TC3-signed VOD API call; returns `Response` (throws on an error envelope). */
async function vodCall(info: Record<string, string>, action: string, params: unknown): Promise<Record<string, unknown>> {
  const endpoint = new URL(info.vodEndpoint!);
  const body = JSON.stringify(params);
  const timestamp = Math.floor(Date.now() / 1000);
  const sig = await signTc3({ secretId: info.secretId!, secretKey: info.secretKey!, service: 'vod', host: endpoint.host, timestamp, body });
  const reply = await send(endpoint.href, 'POST', {
    'content-type': 'application/json',
    'x-tc-action': action,
    'x-tc-version': '2018-07-17',
    'x-tc-timestamp': String(timestamp),
    'x-tc-region': 'ap-guangzhou',
    authorization: sig.authorization,
  }, body);
  const response = (JSON.parse(reply.body) as { Response: Record<string, unknown> & { Error?: { Code: string } } }).Response;
  if (response.Error) throw new Error(`${action}: ${response.Error.Code}`);
  return response;
}

/** ApplyUpload → multipart upload → Complete; returns the VodSessionKey (for CommitUpload, outside the timing). */
async function uploadToEmulator(info: Record<string, string>, file: string, partMd5: string[]): Promise<string> {
  const apply = await vodCall(info, 'ApplyUpload', { MediaType: 'mp4', MediaName: 'bench' });
  const cert = apply.TempCertificate as { SecretId: string; SecretKey: string; Token: string };
  const bucket = apply.StorageBucket as string;
  const key = (apply.MediaStoragePath as string).slice(1);
  const cosHost = info.cosDomain!.replace('{Bucket}', bucket);
  const objectUrl = `http://${cosHost}${cosKeyPath(key)}`;
  const host = cosHost.slice(0, cosHost.indexOf('/'));
  const cos = async (method: string, query: Record<string, string>, extra: Record<string, string>, payload?: Parameters<typeof send>[3]) => {
    const headers: Record<string, string> = { host, ...extra };
    const s = await signCos({ secretId: cert.SecretId, secretKey: cert.SecretKey, method, key, query, headers });
    const qs = Object.entries(query).map(([k, v]) => (v === '' ? k : `${k}=${encodeURIComponent(v)}`)).join('&');
    return send(`${objectUrl}?${qs}`, method, { ...headers, authorization: s.authorization, 'x-cos-security-token': cert.Token }, payload);
  };

  const init = await cos('POST', { uploads: '' }, {});
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.body)?.[1];
  if (init.status !== 200 || !uploadId) throw new Error(`InitiateMultipartUpload: ${init.status}`);
  await pool(PARTS, CONCURRENCY, async (i) => {
    const length = partLength(i);
    const r = await cos('PUT', { partNumber: String(i + 1), uploadId }, { 'content-length': String(length) }, { path: file, start: i * PART, length });
    if (r.status !== 200) throw new Error(`UploadPart ${i + 1}: ${r.status} ${r.body.slice(0, 200)}`);
    if (r.headers.etag !== `"${partMd5[i]}"`) throw new Error(`UploadPart ${i + 1}: ETag ${r.headers.etag} is not the part's MD5`);
  });
  const xml = `<CompleteMultipartUpload>${partMd5.map((m, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${m}"</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  const done = await cos('POST', { uploadId }, { 'content-type': 'application/xml' }, xml);
  if (done.status !== 200) throw new Error(`CompleteMultipartUpload: ${done.status} ${done.body.slice(0, 200)}`);
  const etagHash = createHash('md5');
  for (const m of partMd5) etagHash.update(Buffer.from(m, 'hex'));
  const expected = `"${etagHash.digest('hex')}-${PARTS}"`;
  if (!done.body.includes(`<ETag>${expected}</ETag>`) && !done.body.includes(`<ETag>&quot;${expected.slice(1, -1)}&quot;</ETag>`)) {
    throw new Error(`CompleteMultipartUpload: unexpected ETag in ${done.body.slice(0, 300)}`);
  }
  return apply.VodSessionKey as string;
}

interface Run {
  mbps: number;
  rss: number;
  seconds: number;
  /** CPU seconds (user + system) the server process and the client used during the upload. */
  serverCpu: number;
  clientCpu: number;
  /** Emulator only: how long the CommitUpload after the upload took (it waits for the whole-object MD5). */
  commitSeconds?: number;
}

/**
 * Times `upload`, then runs `after` (untimed: the emulator's CommitUpload, timed separately), then reads the
 * server's peak RSS while it still runs.
 */
async function measure<T>(server: Server, what: string, upload: () => Promise<T>, after?: (result: T) => Promise<number>): Promise<Run> {
  const pid = server.proc.pid!;
  const serverCpu0 = treeCpu(pid);
  const threads = values.threads ? threadTracker(pid) : undefined;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await withTimeout(upload(), RUN_TIMEOUT_MS, what);
  const seconds = (performance.now() - t0) / 1000;
  const c1 = process.cpuUsage(c0);
  if (threads) {
    threads.sample();
    console.log(`  ${what} threads (CPU s): ${threads.busiest(10, true)}`);
  }
  const serverCpu = treeCpu(pid) - serverCpu0;
  const commitSeconds = after ? await withTimeout(after(result), RUN_TIMEOUT_MS, 'CommitUpload') : undefined;
  return { mbps: SIZE / 1e6 / seconds, seconds, rss: peakRss(pid), serverCpu, clientCpu: (c1.user + c1.system) / 1e6, commitSeconds };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

async function runEmulator(file: string, partMd5: string[]): Promise<Run> {
  const data = tempDir('emu-bench-data-');
  const prof = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [];
  const server = await launch([...prof, EMULATOR_BIN, '--port', '0', '--data', data, '--rate-limit', '0'], {});
  try {
    return await measure(server, 'emulator upload', () => uploadToEmulator(server.info, file, partMd5), async (sessionKey) => {
      const t0 = performance.now();
      const commit = await vodCall(server.info, 'CommitUpload', { VodSessionKey: sessionKey });
      if (!/^\d+$/.test(String(commit.FileId))) throw new Error('CommitUpload: no FileId');
      return (performance.now() - t0) / 1000;
    });
  } finally {
    agent.destroy();
    await stop(server.proc);
    removeDir(data);
  }
}

async function runReference(file: string): Promise<Run> {
  const data = tempDir('ref-bench-data-');
  const server = await launch(['--input-type=module', '-e', REFERENCE_SERVER], { REF_DIR: data });
  try {
    const run = await measure(server, 'reference upload', () => uploadToReference(server.info.url!, file));
    const stored = dirBytes(data);
    if (stored !== SIZE) throw new Error(`reference stored ${stored} bytes, expected ${SIZE}`);
    return run;
  } finally {
    agent.destroy();
    await stop(server.proc);
    removeDir(data);
  }
}

/** The 1-minute load average (the machine may be shared: a high value makes a round's figures unreliable). */
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const MB = (bytes: number) => (bytes / 1e6).toFixed(0);

async function main(): Promise<void> {
  const work = tempDir('emu-bench-src-');
  const file = join(work, 'source.bin');
  // The source: random bytes, written part by part (each part's MD5 kept for the ETag checks).
  const partMd5: string[] = [];
  const fd = openSync(file, 'w');
  const buf = Buffer.allocUnsafe(PART);
  for (let i = 0; i < PARTS; i++) {
    const piece = buf.subarray(0, partLength(i));
    randomFillSync(piece);
    writeSync(fd, piece);
    partMd5.push(createHash('md5').update(piece).digest('hex'));
  }
  closeSync(fd);

  console.log(
    `emulator upload benchmark: ${SIZE / MiB} MiB in ${PARTS} × ${PART / MiB} MiB parts, concurrency ${CONCURRENCY}, ${ROUNDS} rounds, ${availableParallelism()} CPUs (MB = 10^6 bytes)`,
  );
  const emu: Run[] = [];
  const ref: Run[] = [];
  const rows: string[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const emulatorFirst = round % 2 === 1;
    const load = loadAverage();
    let e: Run;
    let r: Run;
    if (emulatorFirst) {
      e = await runEmulator(file, partMd5);
      r = await runReference(file);
    } else {
      r = await runReference(file);
      e = await runEmulator(file, partMd5);
    }
    emu.push(e);
    ref.push(r);
    rows.push(
      `| ${round} | ${emulatorFirst ? 'emu, ref' : 'ref, emu'} | ${load} | ${e.mbps.toFixed(0)} | ${r.mbps.toFixed(0)} | ${(e.mbps / r.mbps).toFixed(2)} | ${MB(e.rss)} | ${MB(r.rss)} | ${(e.commitSeconds! * 1000).toFixed(0)} |`,
    );
    const detail = (x: Run) =>
      `${x.mbps.toFixed(0)} MB/s (${x.seconds.toFixed(2)} s, peak RSS ${MB(x.rss)} MB, CPU s server ${x.serverCpu.toFixed(1)} / client ${x.clientCpu.toFixed(1)}` +
      `${x.commitSeconds !== undefined ? `, then CommitUpload ${(x.commitSeconds * 1000).toFixed(0)} ms` : ''})`;
    console.log(`round ${round}: emulator ${detail(e)}; reference ${detail(r)}`);
  }
  const me = median(emu.map((x) => x.mbps));
  const mr = median(ref.map((x) => x.mbps));
  const ratio = me / mr;
  const rss = Math.max(...emu.map((x) => x.rss));
  console.log('');
  console.log('| round | order | load avg (1 min) at start | emulator MB/s | reference MB/s | ratio | emulator peak RSS MB | reference peak RSS MB | CommitUpload after, ms |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  console.log(
    `| median | | | ${me.toFixed(0)} | ${mr.toFixed(0)} | ${ratio.toFixed(2)} | ${MB(rss)} (max) | ${MB(Math.max(...ref.map((x) => x.rss)))} (max) | ${(median(emu.map((x) => x.commitSeconds!)) * 1000).toFixed(0)} |`,
  );
  console.log('');
  console.log(`ratio of medians emulator/reference: ${ratio.toFixed(2)} (target ≥ 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'})`);
  console.log(`emulator peak RSS: ${MB(rss)} MB (target < 200 MB: ${rss < 200e6 ? 'met' : 'NOT met'})`);
}

const cleanup = async () => {
  for (const c of [...children]) await stop(c).catch(() => {});
  for (const d of [...tempDirs]) removeDir(d);
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
const watchdog = setTimeout(() => {
  console.error('benchmark: overall time limit reached');
  void cleanup().then(() => process.exit(1));
}, ROUNDS * 2 * RUN_TIMEOUT_MS + 120_000);
watchdog.unref();

try {
  await main();
} catch (error) {
  console.error(`benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  agent.destroy();
}
