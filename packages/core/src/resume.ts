/**
 * Resume state: what an upload needs to continue after a pause, a page reload, a crash or in another tab — the
 * sealed session, the finished parts (a cache: the signer's ListParts is the truth) and the whole-file SHA-1 so far.
 * Kept in a {@link ResumeStore} under a fingerprint of the file; removed on success; expires with the session.
 * @module
 */
import type { UploadStrategy } from './signer-client.ts';

export const RESUME_RECORD_VERSION = 1;
/** Bytes at the head of a file whose SHA-1 goes into the fingerprint (COS's smallest part). */
export const FINGERPRINT_BYTES = 1024 * 1024;

export interface ResumeRecord {
  version: typeof RESUME_RECORD_VERSION;
  /** The store key: signer URL + file fingerprint. */
  key: string;
  session: string;
  strategy: UploadStrategy;
  partSize: number;
  partCount: number;
  size: number;
  /** Epoch ms after which the record is useless (the session's end). */
  expiresAt: number;
  updatedAt: number;
  /** Finished parts as `[partNumber, etag, size]` (a cache; ListParts decides). */
  parts: [number, string, number][];
  /** Whole-file SHA-1 state after parts `1..through` (base64 hash-wasm state), when the hasher can save one. */
  hash?: { through: number; state: string };
  /** Whole-file SHA-1 (hex), once known. */
  sha1?: string;
}

/** Where resume records live: IndexedDB in browsers, a folder in Node, memory in tests. */
export interface ResumeStore {
  /** The record under `key`, or `undefined` (also when it has expired; expired records are removed). */
  get(key: string): Promise<ResumeRecord | undefined>;
  set(record: ResumeRecord): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface FileFingerprint {
  name: string;
  size: number;
  lastModified?: number;
  /** SHA-1 (hex) of the first {@link FINGERPRINT_BYTES} bytes. */
  headSha1: string;
}

/** The fingerprint string of a file (name, size, lastModified, SHA-1 of its head). */
export function fingerprint({ name, size, lastModified, headSha1 }: FileFingerprint): string {
  return `${encodeURIComponent(name)}:${size}:${lastModified ?? ''}:${headSha1}`;
}

/** Whether a stored value looks like a usable record of this version. */
export function isResumeRecord(value: unknown): value is ResumeRecord {
  const r = value as ResumeRecord | null;
  return (
    r?.version === RESUME_RECORD_VERSION &&
    typeof r.key === 'string' &&
    typeof r.session === 'string' &&
    typeof r.partSize === 'number' &&
    typeof r.size === 'number' &&
    typeof r.expiresAt === 'number' &&
    Array.isArray(r.parts)
  );
}

/** A {@link ResumeStore} in memory (lost with the process); `now` decides expiry. */
export function createMemoryResumeStore(now: () => number = Date.now): ResumeStore & { readonly size: number } {
  const records = new Map<string, ResumeRecord>();
  return {
    async get(key) {
      const record = records.get(key);
      if (record && record.expiresAt <= now()) {
        records.delete(key);
        return undefined;
      }
      return record ? structuredClone(record) : undefined;
    },
    async set(record) {
      records.set(record.key, structuredClone(record));
    },
    async delete(key) {
      records.delete(key);
    },
    get size() {
      return records.size;
    },
  };
}
