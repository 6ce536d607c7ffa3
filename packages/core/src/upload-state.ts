/**
 * The state of one upload: plain, serialisable data. The engine moves it with patches (see `Job.set`);
 * subscribers see each new state object.
 * @module
 */
import type { ErrorCode, UploadErrorInfo } from './errors.ts';
import type { MediaProcessingStatus, UploadResult } from './signer-client.ts';

/** Where the upload stands as a whole. */
export type UploadStatus = 'idle' | 'running' | 'paused' | 'done' | 'error' | 'cancelled';

/**
 * What it is doing: `pending` (before the first byte: fingerprint, resume lookup, session), `hashing` (hashing
 * before uploading: small files and `dedupe: 'before'`), `uploading` (hashing overlaps), `committing`,
 * `processing` (waiting for VOD, when asked), then `uploaded` (committed, processing not awaited) or `ready`.
 */
export type UploadPhase = 'pending' | 'hashing' | 'uploading' | 'committing' | 'processing' | 'uploaded' | 'ready';

export interface RetryState {
  attempt: number;
  /** Wait before the retry, in ms. */
  delay: number;
  code: ErrorCode;
  partNumber?: number;
}

export interface UploadState {
  status: UploadStatus;
  phase: UploadPhase;
  name: string;
  /** Bytes to upload, `null` for a stream until it ends. */
  bytesTotal: number | null;
  /** Bytes stored (finished parts, also from an earlier session) plus bytes of parts in flight. */
  bytesUploaded: number;
  /** Bytes fed into the whole-file SHA-1. */
  bytesHashed: number;
  /** 0–100 of `bytesTotal` (0 while unknown). */
  percent: number;
  /** Smoothed upload speed, bytes/s. */
  speed: number;
  /** Seconds left, `null` when unknown. */
  eta: number | null;
  partsTotal: number | null;
  partsDone: number;
  partsInFlight: number;
  /** Waiting for the network to come back. */
  offline: boolean;
  /** Continued an earlier session (reload, crash, other tab). */
  resumed: boolean;
  /** Finished without uploading: a verified copy existed. */
  instant: boolean;
  /** Whole-file SHA-1 (hex) once known. */
  sha1: string | null;
  /** The retry being waited for, if any. */
  retry: RetryState | null;
  result: UploadResult | null;
  error: UploadErrorInfo | null;
  processing: MediaProcessingStatus | null;
}

export function initialUploadState(name: string, bytesTotal: number | null): UploadState {
  return {
    status: 'idle',
    phase: 'pending',
    name,
    bytesTotal,
    bytesUploaded: 0,
    bytesHashed: 0,
    percent: 0,
    speed: 0,
    eta: null,
    partsTotal: null,
    partsDone: 0,
    partsInFlight: 0,
    offline: false,
    resumed: false,
    instant: false,
    sha1: null,
    retry: null,
    result: null,
    error: null,
    processing: null,
  };
}

/** What every stop (pause, failure, cancel) resets. */
export const STOPPED = { speed: 0, eta: null, partsInFlight: 0, retry: null } as const satisfies Partial<UploadState>;
