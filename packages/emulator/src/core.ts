/**
 * What every route shares: options, clock, state, blobs, faults, stats, and the few operations that span VOD
 * and COS (bucket names, releasing bytes no record needs any more, the whole-object MD5 of multipart objects).
 * @module
 */
import { createHash } from 'node:crypto';
import { Blobs } from './blobs.ts';
import { createFaults, type Faults } from './faults.ts';
import type { ResolvedOptions } from './options.ts';
import { createStats, type Stats } from './stats.ts';
import { Store, type ObjectRecord } from './store.ts';

export class Core {
  readonly options: ResolvedOptions;
  readonly store: Store;
  readonly blobs: Blobs;
  readonly faults: Faults;
  readonly stats: Stats;
  /** Set by startEmulator once the port is known; else each response uses its request's origin. */
  publicUrl: string | undefined;
  closing = false;
  readonly #md5Jobs = new Map<ObjectRecord, Promise<string>>();
  /** Resolved when `close()` begins, so long polls end at once. */
  readonly #closeListeners = new Set<() => void>();

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.store = new Store(options.dataDir);
    this.blobs = new Blobs(options.dataDir);
    this.blobs.removeUnreferenced(this.store.referencedBlobs());
    this.faults = createFaults();
    this.stats = createStats();
    this.publicUrl = options.publicUrl;
  }

  nowMs(): number {
    return this.options.clock();
  }

  nowSeconds(): number {
    return Math.floor(this.options.clock() / 1000);
  }

  /** ISO 8601 without milliseconds, as VOD writes times. */
  isoNow(): string {
    return isoSeconds(this.nowMs());
  }

  /** The bucket of a storage region: `vod-<region>-<APPID>` (the `name-APPID` form the COS SDKs require). */
  bucketFor(region: string): string {
    return `vod-${region}-${this.options.appId}`;
  }

  /** Whether any session issued this bucket. */
  isKnownBucket(bucket: string): boolean {
    if (bucket === this.bucketFor(this.options.region)) return true;
    return Object.values(this.store.state.sessions).some((s) => s.bucket === bucket);
  }

  /** Deletes the blobs among `ids` that no record references any more. */
  async releaseBlobs(ids: Iterable<string>): Promise<void> {
    const candidates = [...ids];
    if (!candidates.length) return;
    const live = this.store.referencedBlobs();
    await this.blobs.remove(candidates.filter((id) => !live.has(id)));
  }

  /**
   * The hex MD5 of a whole object. A single PUT knows it; for a multipart object it is computed from disk once
   * (started at Complete, so CommitUpload rarely waits) and kept on the record.
   */
  objectMd5(object: ObjectRecord): Promise<string> {
    if (object.md5) return Promise.resolve(object.md5);
    let job = this.#md5Jobs.get(object);
    if (!job) {
      job = (async () => {
        const hash = createHash('md5');
        for await (const chunk of this.blobs.read(object.chunks, 0, object.size - 1)) hash.update(chunk as Buffer);
        const md5 = hash.digest('hex');
        object.md5 = md5;
        return md5;
      })();
      job.catch(() => {}).finally(() => this.#md5Jobs.delete(object));
      this.#md5Jobs.set(object, job);
    }
    return job;
  }

  onClose(listener: () => void): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Ends long polls; requests still running may finish. */
  beginClose(): void {
    if (this.closing) return;
    this.closing = true;
    for (const listener of this.#closeListeners) listener();
  }

  /** Ends long polls, waits for background hashing, and flushes the state. */
  async close(): Promise<void> {
    this.beginClose();
    await Promise.allSettled([...this.#md5Jobs.values()]);
    await this.store.close();
  }
}

export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
