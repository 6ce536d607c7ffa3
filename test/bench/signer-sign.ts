/**
 * Presigning throughput of `POST /uploads/sign`: batches of 100 part URLs under concurrent load on loopback.
 *
 * Starts the `vod-emulator` and `vod-signer` bins (the signer in its own process: one Node event loop), opens a
 * few multipart sessions of 1,000 parts each, then runs `--concurrency` keep-alive clients that each sign
 * 100 random parts (half of them with a Content-MD5) per request, for `--duration` seconds. Prints signed URLs
 * per second, requests per second, latency percentiles and the signer process's CPU use.
 *
 *   node --import tsx test/bench/signer-sign.ts [--duration 30] [--concurrency 16]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '30' }, concurrency: { type: 'string', default: '16' } },
});
const DURATION_S = Math.min(120, Math.max(1, Number(values.duration)));
const CONCURRENCY = Math.min(256, Math.max(1, Number(values.concurrency)));
const BATCH = 100;
const PARTS = 1000;
const SESSIONS = 8;
const MiB = 1024 * 1024;

const root = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcess[] = [];

function launch(bin: string, args: string[], env: Record<string, string>): Promise<{ proc: ChildProcess; info: Record<string, string> }> {
  const proc = spawn(process.execPath, [join(root, bin), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ proc, info: JSON.parse(out.slice(0, nl)) });
    });
    proc.on('exit', (code) => reject(new Error(`${bin} exited with ${code}`)));
  });
}

/** CPU seconds (user + system) of a process so far, from /proc (Linux). */
function cpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

const md5 = () => Buffer.from(Array.from({ length: 16 }, () => randomInt(256))).toString('base64');

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'signer-bench-'));
  try {
    const emu = await launch('packages/emulator/bin/vod-emulator.js', ['--port', '0', '--data', dataDir, '--rate-limit', '0'], {});
    const signer = await launch('packages/signer/bin/vod-signer.js', [], {
      VOD_SECRET_ID: emu.info.secretId!,
      VOD_SECRET_KEY: emu.info.secretKey!,
      VOD_ENDPOINT: emu.info.vodEndpoint!,
      VOD_COS_ENDPOINT: `http://${emu.info.cosDomain}`,
      SIGNER_SESSION_SECRET: 'bench-only-session-secret-0123456789abcdef',
      SIGNER_PORT: '0',
      SIGNER_RATE_LIMIT: 'off',
    });
    const base = signer.info.signer!;
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });

    const sessions: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const res = await post('/uploads', { file: { name: `bench-${i}.mp4`, size: PARTS * MiB }, partSize: MiB });
      const json = (await res.json()) as { session: string; partCount: number };
      if (json.partCount !== PARTS) throw new Error(`unexpected plan: ${JSON.stringify(json)}`);
      sessions.push(json.session);
    }
    const bodies = Array.from({ length: 64 }, (_, i) => {
      const start = randomInt(PARTS - BATCH);
      const parts = Array.from({ length: BATCH }, (_, k) => (k % 2 ? { partNumber: start + k + 1 } : { partNumber: start + k + 1, md5: md5() }));
      return JSON.stringify({ session: sessions[i % SESSIONS], parts });
    });

    // The load generator shares the machine with the signer: node:http with keep-alive, bodies counted and
    // dropped (only a sample is parsed), so the client costs as little CPU as it can.
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const signUrl = new URL(`${base}/uploads/sign`);
    const sign = (body: string, keep: boolean) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          signUrl,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: 10_000 },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => keep && chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text: keep ? Buffer.concat(chunks).toString() : '' }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(body);
      });

    // Warm-up (JIT, connections), then the measured run.
    const latencies: number[] = [];
    let urls = 0;
    let errors = 0;
    let checked = 0;
    const run = async (until: number, measure: boolean) => {
      let i = randomInt(bodies.length);
      while (performance.now() < until) {
        const t0 = performance.now();
        try {
          const check = measure && checked < 50;
          const res = await sign(bodies[i++ % bodies.length]!, check);
          if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
          if (measure) {
            latencies.push(performance.now() - t0);
            // Check a sample fully; count the rest by their 200 (each 200 carries exactly BATCH URLs).
            if (check) {
              const n = (JSON.parse(res.text) as { urls: unknown[] }).urls.length;
              if (n !== BATCH) throw new Error(`got ${n} URLs`);
              checked++;
            }
            urls += BATCH;
          }
        } catch {
          if (measure) errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, () => run(performance.now() + 2000, false)));
    const cpu0 = cpuSeconds(signer.proc.pid!);
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, () => run(t0 + DURATION_S * 1000, true)));
    const wall = (performance.now() - t0) / 1000;
    const cpu1 = cpuSeconds(signer.proc.pid!);
    const client = process.cpuUsage(client0);

    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(1) ?? '-';
    const lines = [
      `signer-sign: ${DURATION_S} s, ${CONCURRENCY} concurrent clients, ${BATCH} parts per request (half with Content-MD5), Node ${process.version}`,
      `  signed part URLs/s : ${Math.round(urls / wall)}`,
      `  requests/s         : ${Math.round(latencies.length / wall)}`,
      `  latency ms         : p50 ${pct(50)}  p90 ${pct(90)}  p99 ${pct(99)}  max ${latencies.at(-1)?.toFixed(1) ?? '-'}`,
      `  errors             : ${errors}`,
    ];
    if (cpu0 !== undefined && cpu1 !== undefined) {
      const cores = (cpu1 - cpu0) / wall;
      lines.push(`  signer CPU         : ${cores.toFixed(2)} cores (user+sys of the vod-signer process)`);
      lines.push(`  per signer core    : ${Math.round(urls / wall / cores)} URLs per CPU-second`);
    }
    lines.push(`  load generator CPU : ${((client.user + client.system) / 1e6 / wall).toFixed(2)} cores (this process)`);
    agent.destroy();
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : undefined)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
