/**
 * `@vod-uploader/core/node` — the Node-only pieces: disk files as sources, node:crypto hashing, resume records in
 * a folder, and Node's platform defaults. Never part of a browser bundle.
 * @module
 */
export { fileSource } from './sources/file-source.ts';
export type { FileSourceOptions } from './sources/file-source.ts';
export { createNodeHasher } from './hash/node-hasher.ts';
export { createFileResumeStore } from './resume-file.ts';
export { createNodeTransport } from './transport-node.ts';
export type { NodeTransportOptions } from './transport-node.ts';
export type { FileResumeStoreOptions } from './resume-file.ts';
export { DEFAULT_RESUME_DIR, nodePlatform } from './platform-node.ts';
