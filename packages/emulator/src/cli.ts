/**
 * `vod-emulator`: runs the emulator on loopback until SIGINT/SIGTERM. Prints one JSON line with the endpoint
 * and (fake, test) credentials on stdout, then one line per request on stderr.
 * @module
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import {
  DEFAULT_APP_ID,
  DEFAULT_CREDENTIAL_TTL,
  DEFAULT_PROCEDURE_MS,
  DEFAULT_RATE_LIMIT,
  DEFAULT_REGION,
  DEFAULT_SECRET_ID,
  DEFAULT_SECRET_KEY,
} from './options.ts';
import { startEmulator } from './server.ts';

const HELP = `vod-emulator — a local Tencent Cloud VOD + COS for development and tests

Usage: vod-emulator [options]

Options:
  --port N                 Port to listen on (default 9000; 0 picks a free port).
  --host HOST              Interface to bind (default 127.0.0.1, loopback only).
  --data DIR               Data directory: state and uploaded bytes, kept across restarts (default ./.vod-data).
  --secret-id ID           SecretId the VOD API accepts (default ${DEFAULT_SECRET_ID}; a fake test value).
  --secret-key KEY         SecretKey for it (default ${DEFAULT_SECRET_KEY}; a fake test value).
  --app-id APPID           APPID: bucket suffix and accepted SubAppId (default ${DEFAULT_APP_ID}).
  --region REGION          Default storage region (default ${DEFAULT_REGION}).
  --credential-ttl SECONDS Lifetime of the temporary COS credentials ApplyUpload issues (default ${DEFAULT_CREDENTIAL_TTL}).
  --rate-limit N           VOD API requests per second per action; 0 = unlimited (default ${DEFAULT_RATE_LIMIT}, as the cloud).
  --procedure-ms MS        How long a task flow (ApplyUpload Procedure) runs before its output appears (default ${DEFAULT_PROCEDURE_MS}).
  -h, --help               Show this help.

On start it prints one JSON line to stdout:
  {"vodEndpoint":"http://127.0.0.1:PORT","cosDomain":"127.0.0.1:PORT/cos/{Bucket}","secretId":…,"secretKey":…,"appId":…}
Use vodEndpoint with tencentcloud-sdk-nodejs-vod (endpoint "127.0.0.1:PORT", protocol "http://"), and cosDomain as
the Domain option of cos-nodejs-sdk-v5 / cos-js-sdk-v5 with Protocol "http:". Then one line per request goes to
stderr: method, operation, status, milliseconds (never a secret or token).

Routes: POST / (VOD API 3.0), /cos/{Bucket}/{key} (COS XML API), /media/{FileId}/{file} (media URLs), and for
tests only: GET|DELETE /__emulator/stats, POST|DELETE /__emulator/faults (fault injection; always on).`;

function number(name: string, text: string | undefined, fallback: number | undefined): number | undefined {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number`);
  return n;
}

/**
 * No incremental marking in the bin's process. Request bodies arrive as short-lived socket Buffers (about 1 GiB
 * of them per GiB uploaded, freed by young-generation GCs), and V8 kept starting an incremental full GC every
 * ~30 MB of them although the heap itself hardly grew (8 MB live): ~35 full GCs per GiB, about 1 CPU-s between
 * the main thread and V8's helper threads. Without it, a full GC runs only when the heap (or external memory
 * past V8's hard limit) needs one: one or two per GiB, each a few ms on this small heap. Set for this process
 * only: the library must not change its host's GC.
 */
const GC_FLAGS = '--no-incremental-marking';

export async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        'secret-id': { type: 'string' },
        'secret-key': { type: 'string' },
        'app-id': { type: 'string' },
        region: { type: 'string' },
        'credential-ttl': { type: 'string' },
        'rate-limit': { type: 'string' },
        'procedure-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}\n`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  setFlagsFromString(GC_FLAGS);
  let emulator;
  try {
    emulator = await startEmulator({
      port: number('port', values.port, 9000),
      host: values.host ?? '127.0.0.1',
      dataDir: values.data ?? '.vod-data',
      secretId: values['secret-id'],
      secretKey: values['secret-key'],
      appId: values['app-id'],
      region: values.region,
      credentialTtl: number('credential-ttl', values['credential-ttl'], undefined),
      rateLimit: number('rate-limit', values['rate-limit'], undefined),
      procedureMs: number('procedure-ms', values['procedure-ms'], undefined),
    });
  } catch (error) {
    process.stderr.write(`vod-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${JSON.stringify(emulator.info)}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`vod-emulator: ${signal}, shutting down\n`);
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`vod-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

await main(process.argv.slice(2));
