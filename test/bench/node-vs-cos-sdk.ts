/**
 * Server-side upload: `VodUploadClient.upload` (@vod-uploader/node) vs `cos-nodejs-sdk-v5` `sliceUploadFile` of
 * the same file to the same emulator, and the Node client's peak RSS, all measured in one run.
 *
 * One emulator (its real bin in a child process, `--port 0`, a fresh temp data dir, rate limit off) and one temp
 * file of random bytes. Each upload runs in its own child process, so the peak RSS it reports
 * (`process.resourceUsage().maxRSS`, i.e. VmHWM) is its own. The children run this script bundled by esbuild
 * (our TypeScript sources and their dependencies in one .mjs; cos-nodejs-sdk-v5 loaded from node_modules) under
 * plain `node`, so neither side pays for a TypeScript loader; one extra round runs ours from source under
 * `node --import tsx`, as the `vod-upload` bin does, to show what the loader adds. The time is taken inside the
 * child, from ApplyUpload to CommitUpload, so both sides pay for the same cloud calls:
 *   - ours: `new VodUploadClient(id, key, {endpoint, cosEndpoint}).upload(region, {MediaFilePath})` with its
 *     defaults (8 MiB parts, 4 at a time; MD5 per part sent as Content-MD5, the file's SHA-1, resume records on);
 *   - cos: ApplyUpload (the VOD client of @vod-uploader/tencent) for the temporary credential, then
 *     `new COS({…, Domain: cosDomain, Protocol: 'http:'}).sliceUploadFile({Bucket, Region, Key, FilePath})` with
 *     the SDK's defaults as a user would call it (1 MiB chunks, 3 at a time), then CommitUpload;
 *   - cos matched: the same with ChunkSize and ChunkParallelLimit set to our part size and concurrency, one
 *     round, for fairness.
 * Ours and cos alternate over `--rounds` (default 3); each upload's media is deleted afterwards (DeleteMedia).
 * Every child and the emulator are stopped by PID; the temp files and the bundle are deleted.
 * MB = 10^6 bytes.
 *
 *   node --import tsx --conditions=source test/bench/node-vs-cos-sdk.ts [--rounds 3] [--size-mib 1024] [--part-mib N]
 *
 * `--part-mib` sets our part size (and the matched round's ChunkSize); default the client's (8 MiB).
 *
 * Targets: ours faster than cos-nodejs-sdk-v5 (ratio of median times cos/ours > 1), our peak RSS < 150 MB
 * (plain node; the tsx round is reported beside it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_CONCURRENCY } from '@vod-uploader/core';
import { DEFAULT_PART_SIZE } from '@vod-uploader/node';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'size-mib': { type: 'string', default: '1024' },
    'part-mib': { type: 'string' },
    child: { type: 'string' },
    file: { type: 'string' },
    info: { type: 'string' },
    work: { type: 'string' },
    'chunk-mib': { type: 'string' },
    root: { type: 'string' },
    parallel: { type: 'string' },
  },
});

const MiB = 1024 * 1024;
/** One upload (a child process) may take at most this long. */
const RUN_TIMEOUT_MS = 600_000;
const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EMULATOR_BIN = join(ROOT, 'packages/emulator/bin/vod-emulator.js');
/** Our part size (and the matched COS round's chunk size), MiB: the client's default unless `--part-mib`. */
const PART_MIB = values['part-mib'] ? Math.min(512, Math.max(1, Math.floor(Number(values['part-mib'])) || 1)) : DEFAULT_PART_SIZE / MiB;

interface EmulatorInfo {
  vodEndpoint: string;
  cosDomain: string;
  secretId: string;
  secretKey: string;
}

/** What a child prints: one JSON line. */
interface ChildResult {
  seconds: number;
  /** CPU seconds (user + system) of the client process during the upload. */
  cpu: number;
  /** Peak RSS in bytes. */
  rss: number;
  fileId: string;
}

/** CPU seconds (user + system) used since `start`. */
function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

// ── child side ──────────────────────────────────────────────────────────────────────────────────────────────

async function childOurs(info: EmulatorInfo, file: string, work: string): Promise<ChildResult> {
  const { VodUploadClient } = await import('@vod-uploader/node');
  const client = new VodUploadClient(info.secretId, info.secretKey, {
    endpoint: info.vodEndpoint,
    cosEndpoint: `http://${info.cosDomain}`,
    resumeDir: join(work, 'resume'),
    partSize: PART_MIB * MiB,
  });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const response = await client.upload('ap-guangzhou', { MediaFilePath: file, MediaType: 'mp4' });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, cpu: cpuSince(c0), rss: process.resourceUsage().maxRSS * 1024, fileId: response.FileId };
}

async function childCos(info: EmulatorInfo, file: string, work: string, chunkMib?: number, parallel?: number): Promise<ChildResult> {
  const { createVodClient } = await import('@vod-uploader/tencent');
  // Loaded from the repository's node_modules (the bundle lives in a temp dir and leaves the SDK out).
  const COS = createRequire(join(values.root ?? ROOT, 'package.json'))('cos-nodejs-sdk-v5') as typeof import('cos-nodejs-sdk-v5');
  const vod = createVodClient({ secretId: info.secretId, secretKey: info.secretKey, endpoint: info.vodEndpoint, region: 'ap-guangzhou' });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const apply = await vod.applyUpload({ MediaType: 'mp4', MediaName: 'bench' });
  const cert = apply.TempCertificate!;
  const cos = new COS({
    SecretId: cert.SecretId,
    SecretKey: cert.SecretKey,
    SecurityToken: cert.Token,
    Domain: info.cosDomain,
    Protocol: 'http:',
    ConfCwd: join(work, 'cos-conf'),
    ...(chunkMib ? { ChunkSize: chunkMib * MiB } : {}),
    ...(parallel ? { ChunkParallelLimit: parallel } : {}),
  });
  await cos.sliceUploadFile({ Bucket: apply.StorageBucket, Region: apply.StorageRegion, Key: apply.MediaStoragePath.slice(1), FilePath: file });
  const commit = await vod.commitUpload({ VodSessionKey: apply.VodSessionKey });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, cpu: cpuSince(c0), rss: process.resourceUsage().maxRSS * 1024, fileId: commit.FileId };
}

async function child(kind: string): Promise<void> {
  const info = JSON.parse(values.info!) as EmulatorInfo;
  const result =
    kind === 'ours'
      ? await childOurs(info, values.file!, values.work!)
      : await childCos(info, values.file!, values.work!, values['chunk-mib'] ? Number(values['chunk-mib']) : undefined, values.parallel ? Number(values.parallel) : undefined);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ── parent side ─────────────────────────────────────────────────────────────────────────────────────────────

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

/** The environment of every child: no proxies, no inherited VOD_* settings. */
function childEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), TMPDIR: tmpdir() };
}

/** Spawns a child; resolves with its first stdout line as JSON and its exit. */
function launch(args: string[], timeoutMs: number, what: string): { proc: ChildProcess; line: Promise<unknown> } {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (t: string) => {
    if (err.length < 4000) err += t;
  });
  const line = new Promise<unknown>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      reject(new Error(`${what}: no answer within ${timeoutMs / 1000} s`));
      void stop(proc);
    }, timeoutMs);
    proc.stdout!.setEncoding('utf8').on('data', (t: string) => {
      out += t;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        proc.stdout!.removeAllListeners('data');
        proc.stdout!.resume();
        try {
          resolve(JSON.parse(out.slice(0, nl)));
        } catch (error) {
          reject(error);
        }
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
  line.catch(() => {});
  return { proc, line };
}

/** Stops a child we started, by its PID: SIGTERM, then SIGKILL after 10 s. */
async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  process.kill(proc.pid!, 'SIGTERM');
  const timer = setTimeout(() => proc.exitCode === null && proc.signalCode === null && process.kill(proc.pid!, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

type Kind = 'ours' | 'cos' | 'cos-matched' | 'ours-tsx';

const LABELS: Record<Kind, string> = {
  ours: 'VodUploadClient.upload',
  cos: 'cos sliceUploadFile (defaults)',
  'cos-matched': `cos sliceUploadFile (${PART_MIB} MiB × ${DEFAULT_CONCURRENCY})`,
  'ours-tsx': 'VodUploadClient.upload under tsx',
};

/** Bundles this script (children run it with `--child`): our sources and their dependencies, not the COS SDK. */
async function bundle(dir: string): Promise<string> {
  const esbuild = await import('esbuild');
  const outfile = join(dir, 'node-vs-cos-sdk.bundle.mjs');
  await esbuild.build({
    entryPoints: [SELF],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['node', 'source'],
    external: ['cos-nodejs-sdk-v5', 'esbuild', 'tsx'],
    logLevel: 'error',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  await esbuild.stop();
  return outfile;
}

async function runChild(kind: Kind, info: EmulatorInfo, file: string, bundled: string): Promise<ChildResult> {
  const work = tempDir('node-vs-cos-work-');
  const extra = kind === 'cos-matched' ? ['--chunk-mib', String(PART_MIB), '--parallel', String(DEFAULT_CONCURRENCY)] : [];
  const entry = kind === 'ours-tsx' ? ['--import', 'tsx', '--conditions=source', SELF] : [bundled];
  const child = kind === 'ours' || kind === 'ours-tsx' ? 'ours' : 'cos';
  const { proc, line } = launch(
    [...entry, '--child', child, '--file', file, '--info', JSON.stringify(info), '--work', work, '--root', ROOT, '--part-mib', String(PART_MIB), ...extra],
    RUN_TIMEOUT_MS,
    kind,
  );
  try {
    const result = (await line) as ChildResult;
    await new Promise<void>((resolve) => (proc.exitCode !== null ? resolve() : proc.once('exit', () => resolve())));
    if (proc.exitCode !== 0) throw new Error(`${kind} exited with ${proc.exitCode}`);
    return result;
  } finally {
    await stop(proc);
    rmSync(work, { recursive: true, force: true });
    tempDirs.delete(work);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function parent(): Promise<void> {
  const rounds = Math.min(20, Math.max(1, Math.floor(Number(values.rounds)) || 3));
  const size = Math.min(8192, Math.max(1, Math.floor(Number(values['size-mib'])) || 1024)) * MiB;
  const MB = size / 1e6;

  const work = tempDir('node-vs-cos-src-');
  const file = join(work, 'source.mp4');
  const fd = openSync(file, 'w');
  const buf = Buffer.allocUnsafe(8 * MiB);
  for (let left = size; left > 0; left -= buf.length) writeSync(fd, randomFillSync(buf.subarray(0, Math.min(left, buf.length))));
  closeSync(fd);

  const bundled = await bundle(work);
  const data = tempDir('node-vs-cos-emu-');
  const emulator = launch([EMULATOR_BIN, '--port', '0', '--data', data, '--rate-limit', '0'], 30_000, 'emulator');
  const info = (await emulator.line) as EmulatorInfo;
  const { createVodClient } = await import('@vod-uploader/tencent');
  const vod = createVodClient({ secretId: info.secretId, secretKey: info.secretKey, endpoint: info.vodEndpoint });

  const cosVersion = (createRequire(join(ROOT, 'package.json'))('cos-nodejs-sdk-v5/package.json') as { version: string }).version;
  console.log(
    `node-vs-cos-sdk: ${size / MiB} MiB file, ${rounds} rounds, VodUploadClient (${PART_MIB} MiB parts × ${DEFAULT_CONCURRENCY}) vs cos-nodejs-sdk-v5 ${cosVersion} ` +
      `sliceUploadFile (defaults: 1 MiB × 3), Node ${process.version}, emulator on loopback, children bundled under plain node (MB = 10^6 bytes)`,
  );
  const rows: string[] = [];
  const ours: ChildResult[] = [];
  const cos: ChildResult[] = [];
  const run = async (kind: Kind, round: string) => {
    const r = await runChild(kind, info, file, bundled);
    await vod.deleteMedia({ FileId: r.fileId });
    rows.push(`| ${round} | ${LABELS[kind]} | ${r.seconds.toFixed(2)} | ${(MB / r.seconds).toFixed(0)} | ${r.cpu.toFixed(1)} | ${(r.rss / 1e6).toFixed(0)} |`);
    return r;
  };
  for (let round = 1; round <= rounds; round++) {
    if (round % 2 === 1) {
      ours.push(await run('ours', String(round)));
      cos.push(await run('cos', String(round)));
    } else {
      cos.push(await run('cos', String(round)));
      ours.push(await run('ours', String(round)));
    }
  }
  const matched = await run('cos-matched', 'extra');
  const tsx = await run('ours-tsx', 'extra');

  const mo = median(ours.map((r) => r.seconds));
  const mc = median(cos.map((r) => r.seconds));
  const peak = Math.max(...ours.map((r) => r.rss));
  console.log('');
  console.log('| round | client | seconds | MB/s | client CPU s | peak RSS MB |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  console.log(`| median | ${LABELS.ours} | ${mo.toFixed(2)} | ${(MB / mo).toFixed(0)} | ${median(ours.map((r) => r.cpu)).toFixed(1)} | ${(peak / 1e6).toFixed(0)} (max) |`);
  console.log(`| median | ${LABELS.cos} | ${mc.toFixed(2)} | ${(MB / mc).toFixed(0)} | ${median(cos.map((r) => r.cpu)).toFixed(1)} | ${(Math.max(...cos.map((r) => r.rss)) / 1e6).toFixed(0)} (max) |`);
  console.log('');
  console.log(`speed-up (median cos time / median our time): ${(mc / mo).toFixed(2)}× (target > 1: ${mc > mo ? 'met' : 'NOT met'})`);
  console.log(`speed-up over cos with our part size and concurrency (one round): ${(matched.seconds / mo).toFixed(2)}×`);
  console.log(`our peak RSS: ${(peak / 1e6).toFixed(0)} MB (target < 150 MB: ${peak < 150e6 ? 'met' : 'NOT met'}); under tsx, as the vod-upload bin runs: ${(tsx.rss / 1e6).toFixed(0)} MB`);
  await stop(emulator.proc);
}

async function cleanup(): Promise<void> {
  for (const c of [...children]) await stop(c).catch(() => {});
  for (const d of [...tempDirs]) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

if (values.child) {
  await child(values.child);
} else {
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    await parent();
  } catch (error) {
    console.error(`benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}
