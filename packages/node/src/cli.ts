/**
 * `vod-upload FILE [options]`: uploads one local file to VOD with {@link VodUploadClient}. Credentials come from
 * `VOD_SECRET_ID`/`VOD_SECRET_KEY` (never printed). A progress bar on a TTY; `--json` prints the response as
 * one JSON object; Ctrl-C stops and keeps the upload resumable (run the same command again).
 * @module
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { VodUploadClient } from './client.ts';
import { VodErrorCode, VodUploadError } from './errors.ts';
import { createProgressWriter } from './progress-bar.ts';
import { type VodUploadRequestInit, checkRegion, checkRequest } from './request.ts';

/** The exit codes (also in `--help` and the README). */
export const ExitCode = {
  OK: 0,
  /** The upload failed (cloud, storage or network error). */
  FAILED: 1,
  /** Bad usage or configuration: unknown flag, missing credentials, an invalid request field, a missing file. */
  USAGE: 2,
  /** Stopped by Ctrl-C (SIGINT); the upload is resumable. */
  INTERRUPTED: 130,
  /** Stopped by SIGTERM; the upload is resumable. */
  TERMINATED: 143,
} as const;

export const HELP = `vod-upload — upload a local file to Tencent Cloud VOD

Usage: vod-upload FILE [options]

Options:
  --cover FILE               Cover image to upload with the media.
  --media-name NAME          Name of the media (default: the file name without its extension).
  --media-type TYPE          Media type, e.g. mp4 (default: the file's extension).
  --cover-type TYPE          Cover type, e.g. jpg (default: the cover's extension).
  --procedure NAME           Task flow to run after the upload.
  --expire-time TIME         Expiry of the media, ISO 8601 (2030-01-01T00:00:00Z).
  --class-id N               Category id.
  --source-context TEXT      Passed to the upload callback (≤ 250 characters).
  --session-context TEXT     Passed to the task flow (≤ 1000 characters).
  --sub-app-id N             VOD sub-application id.
  --storage-region R         Storage region, e.g. ap-chongqing.
  --concurrency N            Parts uploaded at once (default 4).
  --part-size BYTES          Part size in bytes; K, M, G suffixes are binary (default 8M).
  --region R                 API region (X-TC-Region), e.g. ap-guangzhou (default $VOD_REGION, else none).
  --endpoint URL             VOD API base URL (default $VOD_ENDPOINT, else https://vod.tencentcloudapi.com).
  --cos-endpoint TEMPLATE    Storage URL template with {Bucket} and {Region} (default $VOD_COS_ENDPOINT,
                             else https://{Bucket}.cos.{Region}.myqcloud.com).
  --resume-dir DIR           Where stopped uploads are remembered (default $VOD_RESUME_DIR, else a temp folder).
  --json                     Print the response as one JSON object {FileId, MediaUrl, CoverUrl, RequestId}
                             (or {"Error": {Code, Message, RequestId}}) on stdout.
  -q, --quiet                No progress output.
  -h, --help                 Show this help.

Environment: VOD_SECRET_ID and VOD_SECRET_KEY (required; never printed).

Progress goes to stderr: a bar with bytes, percent, speed and ETA on a terminal, a line every 10 % otherwise.
Ctrl-C stops the upload and keeps it resumable: run the same command again to finish it without sending the
parts already uploaded.

Exit codes:
  0    uploaded
  1    the upload failed (cloud, storage or network error)
  2    usage or configuration error (bad option, missing credentials, invalid request field, missing file)
  130  stopped by Ctrl-C (SIGINT), resumable
  143  stopped by SIGTERM, resumable`;

export interface CliIo {
  argv: string[];
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal, and its width. */
  tty: boolean;
  columns: () => number;
  /** Registers the stop signals; returns the function that removes them. */
  onSignal: (handler: (signal: 'SIGINT' | 'SIGTERM') => void) => () => void;
}

class UsageError extends Error {}

const SIZE = /^(\d+)\s*(k|m|g|kib|mib|gib|kb|mb|gb)?$/i;

/** `8M` → 8388608 (binary units). */
export function parseSize(text: string): number {
  const m = SIZE.exec(text.trim());
  if (!m) throw new UsageError(`--part-size must be a number of bytes (K, M, G suffixes allowed), not ${JSON.stringify(text)}.`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const n = Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError('--part-size must be at least 1 byte.');
  return n;
}

function integerFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`--${name} must be a whole number, not ${JSON.stringify(text)}.`);
  return Number(text.trim());
}

/** Runs the CLI; resolves with the exit code. */
export async function main(io: CliIo): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: io.argv,
      allowPositionals: true,
      strict: true,
      options: {
        cover: { type: 'string' },
        'media-name': { type: 'string' },
        'media-type': { type: 'string' },
        'cover-type': { type: 'string' },
        procedure: { type: 'string' },
        'expire-time': { type: 'string' },
        'class-id': { type: 'string' },
        'source-context': { type: 'string' },
        'session-context': { type: 'string' },
        'sub-app-id': { type: 'string' },
        'storage-region': { type: 'string' },
        concurrency: { type: 'string' },
        'part-size': { type: 'string' },
        region: { type: 'string' },
        endpoint: { type: 'string' },
        'cos-endpoint': { type: 'string' },
        'resume-dir': { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.stderr(`vod-upload: ${error instanceof Error ? error.message : String(error)}\nRun vod-upload --help for the options.\n`);
    return ExitCode.USAGE;
  }
  if (values.help) {
    io.stdout(`${HELP}\n`);
    return ExitCode.OK;
  }
  const json = values.json === true;
  const usage = (message: string, code: string = 'InvalidParameter'): number => {
    if (json) io.stdout(`${JSON.stringify({ Error: { Code: code, Message: message } })}\n`);
    io.stderr(`vod-upload: ${message}\n`);
    return ExitCode.USAGE;
  };

  let request: VodUploadRequestInit;
  let partSize: number | undefined;
  let region: string | undefined;
  try {
    if (positionals.length !== 1) throw new UsageError(positionals.length ? 'Give exactly one FILE.' : 'Give the FILE to upload (see --help).');
    partSize = values['part-size'] === undefined ? undefined : parseSize(values['part-size']);
    request = {
      MediaFilePath: positionals[0],
      MediaName: values['media-name'],
      MediaType: values['media-type'],
      CoverFilePath: values.cover,
      CoverType: values['cover-type'],
      Procedure: values.procedure,
      ExpireTime: values['expire-time'],
      ClassId: integerFlag('class-id', values['class-id']),
      SourceContext: values['source-context'],
      SessionContext: values['session-context'],
      SubAppId: integerFlag('sub-app-id', values['sub-app-id']),
      StorageRegion: values['storage-region'],
      ConcurrentUploadNumber: integerFlag('concurrency', values.concurrency),
    };
    region = checkRegion(values.region ?? io.env.VOD_REGION);
    await checkRequest(request);
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    if (error instanceof VodUploadError) return usage(`${error.code}: ${error.message}`, error.code);
    throw error;
  }

  const secretId = io.env.VOD_SECRET_ID;
  const secretKey = io.env.VOD_SECRET_KEY;
  if (!secretId || !secretKey) return usage('Set VOD_SECRET_ID and VOD_SECRET_KEY in the environment.', 'AuthFailure.SecretIdNotFound');
  let client: VodUploadClient;
  try {
    client = new VodUploadClient(secretId, secretKey, {
      endpoint: values.endpoint ?? (io.env.VOD_ENDPOINT || undefined),
      cosEndpoint: values['cos-endpoint'] ?? (io.env.VOD_COS_ENDPOINT || undefined),
      resumeDir: values['resume-dir'] ?? (io.env.VOD_RESUME_DIR || undefined),
      partSize,
    });
  } catch (error) {
    return usage(`${error instanceof Error ? error.message.replace(/^VodUploadClient: /, '') : String(error)} (--endpoint must be a URL; --cos-endpoint a template with {Bucket}).`);
  }

  const name = basename(request.MediaFilePath!);
  const progress = values.quiet || (json && !io.tty) ? undefined : createProgressWriter({ name, write: io.stderr, tty: io.tty, columns: io.columns });
  const controller = new AbortController();
  let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;
  const removeSignals = io.onSignal((signal) => {
    if (stoppedBy) return; // the second signal is handled by the bin (immediate exit)
    stoppedBy = signal;
    progress?.note('Stopping… the upload stays resumable: run the same command again to finish it.');
    controller.abort();
  });
  try {
    const response = await client.upload(region ?? '', request, { signal: controller.signal, onProgress: progress ? (p) => progress.update(p) : undefined });
    progress?.done();
    if (json) io.stdout(`${JSON.stringify(response)}\n`);
    else {
      io.stdout(`FileId     ${response.FileId}\nMediaUrl   ${response.MediaUrl}\n`);
      if (response.CoverUrl) io.stdout(`CoverUrl   ${response.CoverUrl}\n`);
      io.stdout(`RequestId  ${response.RequestId}\n`);
    }
    return ExitCode.OK;
  } catch (thrown) {
    progress?.done();
    const error = thrown instanceof VodUploadError ? thrown : new VodUploadError(VodErrorCode.INTERNAL, thrown instanceof Error ? thrown.message : String(thrown));
    if (json) io.stdout(`${JSON.stringify({ Error: error.toJSON() })}\n`);
    if (error.code === VodErrorCode.ABORTED && stoppedBy) {
      io.stderr(`vod-upload: stopped. Run the same command again to resume the upload.\n`);
      return stoppedBy === 'SIGINT' ? ExitCode.INTERRUPTED : ExitCode.TERMINATED;
    }
    io.stderr(`vod-upload: ${error.code}: ${error.message}${error.requestId ? ` (RequestId ${error.requestId})` : ''}\n`);
    return ExitCode.FAILED;
  } finally {
    removeSignals();
  }
}

/** The process glue of the bin. */
export async function run(): Promise<void> {
  let signals = 0;
  const code = await main({
    argv: process.argv.slice(2),
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    tty: process.stderr.isTTY === true,
    columns: () => process.stderr.columns || 80,
    onSignal(handler) {
      const listener = (signal: NodeJS.Signals) => {
        signals++;
        // A second Ctrl-C does not wait for the requests to wind down.
        if (signals > 1) process.exit(signal === 'SIGTERM' ? ExitCode.TERMINATED : ExitCode.INTERRUPTED);
        handler(signal === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
      };
      process.on('SIGINT', listener);
      process.on('SIGTERM', listener);
      return () => {
        process.off('SIGINT', listener);
        process.off('SIGTERM', listener);
      };
    },
  }).catch((error: unknown) => {
    process.stderr.write(`vod-upload: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.FAILED;
  });
  process.exitCode = code;
}
