/**
 * `@vod-uploader/node` — server-side uploads to Tencent Cloud VOD: `VodUploadClient`, the TypeScript counterpart
 * of the Python SDK's (`new VodUploadClient(secretId, secretKey).upload(region, request)`), with the signer's
 * logic running in-process. The `vod-upload` CLI is built on it.
 * @module
 */
export { COS_ENDPOINT, DEFAULT_PART_SIZE, DEFAULT_SINGLE_THRESHOLD, VOD_ENDPOINT, VodUploadClient } from './client.ts';
export type { UploadCallOptions, VodUploadClientOptions, VodUploadProgress } from './client.ts';
export { VodUploadRequest } from './request.ts';
export type { VodUploadRequestInit, VodUploadResponse } from './request.ts';
export { VodErrorCode, VodUploadError } from './errors.ts';
export type { VodUploadErrorOptions } from './errors.ts';
