/**
 * `@vod-uploader/signer`: the tiny server of `<vod-uploader>`. `createSigner(options)` returns a Hono app that
 * holds the SecretId/SecretKey, calls ApplyUpload/CommitUpload, presigns each storage request, and keeps
 * sessions sealed on the client. Web-standard code only: runs on Node, Bun, Deno and Cloudflare Workers.
 * The wire contract is PROTOCOL.md; the Node server and the `vod-signer` bin are `@vod-uploader/signer/node`.
 * @module
 */
export { createSigner, type SignerApp } from './app.ts';
export type { Authorization, AuthorizeHook, InstantOptions, MediaGrant, MediaOptions, SignerOptions } from './runtime.ts';
export type { ProcessingStatus, Video, VideoStatus } from './media-view.ts';
export { PROCEDURE_TAG, RESERVED_TAG_PREFIX, scopeTag } from './media-scope.ts';
export { MAX_PARTS_PER_SIGN } from './runtime.ts';
export { ERROR_STATUS, SignerError, type SignerErrorCode, type SignerErrorOptions } from './errors.ts';
export {
  DEFAULT_POLICY,
  MAX_PARTS,
  MAX_PART_SIZE,
  MIN_PART_SIZE,
  planUpload,
  type ScopeLimits,
  type UploadOption,
  type UploadOptions,
  type UploadPlan,
  type UploadPolicy,
} from './policy.ts';
export { MemoryStore, takeToken, type MemoryStoreOptions, type Store, type TakeResult, type TokenBucket } from './store.ts';
export type { VerifyJob, VerifyOutcome } from './instant.ts';
export { Sha1, type Hasher } from '@vod-uploader/tencent';
export { AUDIO_TYPES, IMAGE_TYPES, VIDEO_TYPES } from './media-type.ts';
