/**
 * What a row says, in the UI's language: its status, the human message of an engine error (by its stable `code`,
 * with the other side's words where they help) and the reason a file was not accepted. Pure.
 * @module
 */
import type { UploadErrorInfo, UploadState } from '@vod-uploader/core/upload';
import { formatBytes } from './format.ts';
import type { VodStrings } from './locales/en.ts';
import type { Rejection } from './validate.ts';

type Plain = { [K in keyof VodStrings]: VodStrings[K] extends string ? K : never }[keyof VodStrings];

/** Error codes whose message needs no detail. */
const PLAIN_ERRORS: Record<string, Plain> = {
  timeout: 'errTimeout',
  expired: 'errExpired',
  hash: 'errHash',
  'resume-mismatch': 'errResume',
  processing: 'errProcessing',
};

/** The message of an engine error, with the request id when there is one. */
export function errorText(e: UploadErrorInfo, t: VodStrings): string {
  const { code, status, cloudCode, message } = e;
  const plain = PLAIN_ERRORS[code];
  const text = plain
    ? t[plain]
    : code === 'network'
      ? /CORS/.test(message) ? t.errCors : t.errNetwork
      : code === 'http'
        ? /ETag/.test(message) ? t.errEtag : t.errHttp(status ?? 0)
        : code === 'cloud'
          ? t.errCloud(cloudCode ?? `HTTP ${status}`)
          : code === 'signer'
            ? status === 401 || (status === 403 && cloudCode === 'forbidden')
              ? t.errSignerAuth
              : t.errSigner(message.replace(/^Signer \S+ \S+: /, ''))
            : `${t.errFile} (${message})`;
  return e.requestId ? `${text} ${t.requestId(e.requestId)}` : text;
}

/** Why a file was not accepted. */
export function rejectionText(r: Rejection, t: VodStrings, lang: string): string {
  return r.reason === 'type'
    ? t.badType(r.accept.replace(/ /g, ', '))
    : r.reason === 'size'
      ? t.tooBig(formatBytes(r.max, lang))
      : r.reason === 'count'
        ? t.tooMany(r.max)
        : t[r.reason === 'empty' ? 'empty' : r.reason === 'name' ? 'badName' : 'longName'];
}

/** The status line of a row (without the percent). */
export function statusText(s: UploadState, rejected: boolean, t: VodStrings): string {
  if (rejected) return t.rejected;
  const { status, retry } = s;
  return status === 'idle'
    ? t.queued
    : status === 'paused' || status === 'cancelled'
      ? t[status]
      : status === 'error'
        ? t.failed
        : s.instant
          ? t.instant
          : s.offline
            ? t.offline
            : retry
              ? t.retrying(retry.attempt, Math.ceil(retry.delay / 1000))
              : t[s.phase];
}
