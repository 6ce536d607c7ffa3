/**
 * `@vod-uploader/core` — the isomorphic upload engine for Tencent Cloud VOD: one read pass (hash-wasm SHA-1 and
 * per-part MD5 in a module Web Worker), concurrent presigned part uploads, retries, resume, instant upload,
 * progressive (stream) upload, progress, and a typed client for the signer. Importing it needs no DOM.
 * @module
 */
export { createUpload } from './create-upload.ts';
export { Upload, DEFAULT_RESUME_TTL, DEFAULT_STORAGE_TIMEOUT } from './upload.ts';
export type { DedupeMode, UploadInput, UploadOptions, UploadPlatform } from './upload.ts';
export { initialUploadState } from './upload-state.ts';
export type { RetryState, UploadPhase, UploadState, UploadStatus } from './upload-state.ts';
export { UploadGroup, createUploadGroup } from './group.ts';
export type { UploadGroupOptions, UploadGroupState } from './group.ts';
export { ErrorCode, UploadError, isAbortError, isRetryableStatus, parseRetryAfter, retryableByDefault, toUploadError } from './errors.ts';
export type { UploadErrorInfo, UploadErrorOptions } from './errors.ts';
export { MAX_SIGN_BATCH, createSignerClient, expiryMs, isInstant } from './signer-client.ts';
export type {
  CallOptions,
  CompleteRequest,
  CreateUploadRequest,
  CreateUploadResponse,
  FileFacts,
  ListedPart,
  MediaOptions,
  MediaProcessingStatus,
  MediaStatus,
  SignPartRequest,
  SignRequest,
  SignTarget,
  SignedUrl,
  SignerClient,
  SignerClientOptions,
  TokenSource,
  UploadResult,
  UploadSession,
  UploadStrategy,
} from './signer-client.ts';
export { DEFAULT_PART_SIZE, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE, choosePartSize, countParts, partRange, planParts } from './plan.ts';
export type { PartRange } from './plan.ts';
export { DEFAULT_CONCURRENCY, createPool } from './pool.ts';
export type { Pool, PoolOptions } from './pool.ts';
export { createRetryer } from './retryer.ts';
export type { RetryInfo, RetryOptions, Retryer, RetryerOptions, RetryRunOptions } from './retryer.ts';
export { createSpeedMeter, estimateEta, toPercent } from './progress.ts';
export type { SpeedMeter, SpeedMeterOptions } from './progress.ts';
export { alwaysOnline, browserConnectivity, createManualConnectivity, systemClock } from './clock.ts';
export type { Clock, Connectivity, ManualConnectivity } from './clock.ts';
export { createFetchTransport, createXhrTransport, defaultTransport } from './transport.ts';
export type { FetchLike, Transport, TransportRequest, TransportResponse } from './transport.ts';
export { createWorkerHasher } from './hash/hash-client.ts';
export type { WorkerHasherOptions } from './hash/hash-client.ts';
export type { HashInput, HashPartOptions, HashPartResult, Hasher } from './hash/hasher.ts';
export { blobSource } from './sources/blob-source.ts';
export type { BlobSourceOptions } from './sources/blob-source.ts';
export type { UploadSource } from './sources/source.ts';
export { createStreamChunker } from './sources/stream-source.ts';
export type { StreamChunker } from './sources/stream-source.ts';
export { FINGERPRINT_BYTES, createMemoryResumeStore, fingerprint } from './resume.ts';
export type { FileFingerprint, ResumeRecord, ResumeStore } from './resume.ts';
export { createIdbResumeStore } from './resume-idb.ts';
export type { IdbResumeStoreOptions } from './resume-idb.ts';
// Processing (@tanstack/query-core) is its own entry, `@vod-uploader/core/processing`, loaded on demand.
export type { ProcessingOptions } from './processing.ts';
