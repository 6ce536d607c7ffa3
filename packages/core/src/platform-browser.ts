/**
 * The browser's defaults: the shared hash worker, XHR (upload progress), IndexedDB resume state, `navigator.onLine`.
 * Safe to import anywhere: nothing runs until an upload asks for it.
 * @module
 */
import { browserConnectivity } from './clock.ts';
import { createWorkerHasher } from './hash/hash-client.ts';
import { createIdbResumeStore } from './resume-idb.ts';
import type { ResumeStore } from './resume.ts';
import { defaultTransport } from './transport.ts';
import type { UploadPlatform } from './upload.ts';

let idb: ResumeStore | undefined;

export const browserPlatform: UploadPlatform = {
  hasher: createWorkerHasher,
  transport: defaultTransport,
  resumeStore: () => (typeof indexedDB === 'object' && indexedDB ? (idb ??= createIdbResumeStore()) : undefined),
  connectivity: browserConnectivity,
};
