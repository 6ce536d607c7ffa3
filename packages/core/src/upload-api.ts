/**
 * `@vod-uploader/core/upload`: `createUpload` and the few helpers a UI over uploads needs (a shared part pool, the
 * first state of a row, percent and ETA), without the rest of the index. The index also re-exports a module that
 * a chunk loaded on demand owns (the stream chunker), which would pull it into a bundle that imports the index;
 * `<vod-uploader>` imports this instead.
 * @module
 */
export { createUpload } from './create-upload.ts';
export { Upload } from './upload.ts';
export type { UploadInput, UploadOptions } from './upload.ts';
export { createPool } from './pool.ts';
export type { Pool } from './pool.ts';
export { initialUploadState } from './upload-state.ts';
export type { RetryState, UploadPhase, UploadState, UploadStatus } from './upload-state.ts';
export { estimateEta, toPercent } from './progress.ts';
export type { UploadErrorInfo } from './errors.ts';
export type { TokenSource, UploadResult } from './signer-client.ts';
