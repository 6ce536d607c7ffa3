/**
 * Node's defaults: node:crypto hashing, node:http with upload progress, resume records in a folder under the temp dir, always online.
 * @module
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alwaysOnline } from './clock.ts';
import { createNodeHasher } from './hash/node-hasher.ts';
import { createFileResumeStore } from './resume-file.ts';
import { createNodeTransport } from './transport-node.ts';
import type { UploadPlatform } from './upload.ts';

/** Where Node keeps resume records unless told otherwise. */
export const DEFAULT_RESUME_DIR = join(tmpdir(), 'vod-uploader-resume');

export const nodePlatform: UploadPlatform = {
  hasher: () => createNodeHasher(),
  transport: () => createNodeTransport(),
  resumeStore: () => createFileResumeStore(DEFAULT_RESUME_DIR),
  connectivity: () => alwaysOnline,
};
