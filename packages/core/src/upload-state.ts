/**
 * The state of one upload — plain, serialisable data — and the pure reducer that moves it. The {@link Upload}
 * class dispatches actions; subscribers see each new state object.
 * @module
 */
import type { ErrorCode, UploadErrorInfo } from './errors.ts';
import { toPercent } from './progress.ts';
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

export type UploadAction =
  | { type: 'run' }
  | { type: 'phase'; phase: UploadPhase }
  | { type: 'plan'; bytesTotal: number | null; partsTotal: number | null }
  | { type: 'hashed'; bytesHashed: number }
  | { type: 'sha1'; sha1: string }
  | {
      type: 'progress';
      bytesUploaded: number;
      speed: number;
      eta: number | null;
      partsDone: number;
      partsInFlight: number;
    }
  | { type: 'resumed' }
  | { type: 'retry'; retry: RetryState | null }
  | { type: 'offline'; offline: boolean }
  | { type: 'pause' }
  | { type: 'fail'; error: UploadErrorInfo }
  | { type: 'cancel' }
  | { type: 'committed'; result: UploadResult; instant: boolean }
  | { type: 'processing'; status: MediaProcessingStatus }
  | { type: 'finish'; phase: 'uploaded' | 'ready' };

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

const FINAL: ReadonlySet<UploadStatus> = new Set(['done', 'cancelled']);

/** The next state. Pure; a final state (`done`, `cancelled`) only changes through `processing`/`finish`. */
export function uploadReducer(state: UploadState, action: UploadAction): UploadState {
  if (FINAL.has(state.status) && action.type !== 'finish' && action.type !== 'processing') return state;
  switch (action.type) {
    case 'run':
      return { ...state, status: 'running', error: null, retry: null, speed: 0, eta: null };
    case 'phase':
      return { ...state, phase: action.phase };
    case 'plan': {
      const bytesTotal = action.bytesTotal;
      return { ...state, bytesTotal, partsTotal: action.partsTotal, percent: toPercent(state.bytesUploaded, bytesTotal) };
    }
    case 'hashed':
      return { ...state, bytesHashed: action.bytesHashed };
    case 'sha1':
      return { ...state, sha1: action.sha1 };
    case 'progress':
      return {
        ...state,
        bytesUploaded: action.bytesUploaded,
        percent: toPercent(action.bytesUploaded, state.bytesTotal),
        speed: action.speed,
        eta: action.eta,
        partsDone: action.partsDone,
        partsInFlight: action.partsInFlight,
      };
    case 'resumed':
      return { ...state, resumed: true };
    case 'retry':
      return { ...state, retry: action.retry };
    case 'offline':
      return { ...state, offline: action.offline };
    case 'pause':
      return state.status === 'running' ? { ...state, status: 'paused', speed: 0, eta: null, partsInFlight: 0, retry: null } : state;
    case 'fail':
      return { ...state, status: 'error', error: action.error, speed: 0, eta: null, partsInFlight: 0, retry: null };
    case 'cancel':
      return { ...state, status: 'cancelled', speed: 0, eta: null, partsInFlight: 0, retry: null };
    case 'committed':
      return {
        ...state,
        result: action.result,
        instant: action.instant,
        retry: null,
        partsInFlight: 0,
        speed: 0,
        eta: 0,
        bytesUploaded: state.bytesTotal ?? state.bytesUploaded,
        percent: 100,
      };
    case 'processing':
      return { ...state, phase: 'processing', processing: action.status };
    case 'finish':
      return { ...state, status: 'done', phase: action.phase, error: null };
  }
}
