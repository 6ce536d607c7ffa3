/**
 * What every route shares: options, clock, state, blobs, faults, stats, and the few operations that span VOD
 * and COS (bucket names, releasing bytes no record needs any more, the whole-object MD5 of multipart objects).
 * @module
 */
import { Blobs } from './blobs.ts';
import { createFaults, type Faults } from './faults.ts';
import { BodyPool } from './body-pool.ts';
import type { ResolvedOptions } from './options.ts';
import { Md5Worker, type FilePart } from './md5-worker.ts';
import { createStats, type Stats } from './stats.ts';
import { Store, type ChunkRecord, type ObjectRecord } from './store.ts';

export class Core {
  readonly options: ResolvedOptions;
  readonly store: Store;
  readonly blobs: Blobs;
  readonly faults: Faults;
  readonly stats: Stats;
  /** Writes and hashes request bodies in threads over shared memory. */
  readonly bodies = new BodyPool();
  /** Whole-object MD5 of multipart objects, off the main thread. */
  readonly md5 = new Md5Worker((files, state) => this.bodies.hashFiles(files, state), this.bodies.backlog);
  /** Set by startEmulator once the port is known; else each response uses its request's origin. */
  publicUrl: string | undefined;
  closing = false;
  readonly #md5Jobs = new Map<ObjectRecord, Promise<string>>();
  readonly #buckets = new Set<string>();
  /** Resolved when `close()` begins, so long polls end at once. */
  readonly #closeListeners = new Set<() => void>();

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.store = new Store(options.dataDir);
    this.blobs = new Blobs(options.dataDir, this.bodies);
    this.blobs.removeUnreferenced(this.store.referencedBlobs());
    for (const s of Object.values(this.store.state.sessions)) this.#buckets.add(s.bucket);
    // Credentials expired for more than a day can never be used again.
    const stale = Math.floor(options.clock() / 1000) - 86_400;
    const credentials = this.store.state.credentials;
    for (const [id, c] of Object.entries(credentials)) if (c.expiredTime < stale) delete credentials[id];
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

  /** Whether this bucket was issued (the default region's bucket always is). */
  isKnownBucket(bucket: string): boolean {
    return bucket === this.bucketFor(this.options.region) || this.#buckets.has(bucket);
  }

  /** Records a bucket an upload session issued. */
  addBucket(bucket: string): void {
    this.#buckets.add(bucket);
  }

  /** Deletes the blobs among `ids` that no record references any more. */
  async releaseBlobs(ids: Iterable<string>): Promise<void> {
    const candidates = [...ids];
    if (!candidates.length) return;
    const live = this.store.referencedBlobs();
    await this.blobs.remove(candidates.filter((id) => !live.has(id)));
  }

  /** Files of chunks, for the MD5 worker. */
  fileParts(chunks: ReadonlyArray<ChunkRecord>): FilePart[] {
    return chunks.map((c, i) => ({ partNumber: i + 1, blob: c.id, path: this.blobs.path(c.id), size: c.size }));
  }

  /** Records a running MD5 computation of an object (started by CompleteMultipartUpload). */
  trackMd5(object: ObjectRecord, job: Promise<string>): Promise<string> {
    const tracked = job.then((md5) => {
      object.md5 = md5;
      return md5;
    });
    tracked.catch(() => {}).finally(() => this.#md5Jobs.delete(object));
    this.#md5Jobs.set(object, tracked);
    return tracked;
  }

  /**
   * The hex MD5 of a whole object. A single PUT knows it; a multipart object gets it from the MD5 worker
   * (usually already running since Complete) and keeps it on the record.
   */
  objectMd5(object: ObjectRecord): Promise<string> {
    if (object.md5) return Promise.resolve(object.md5);
    return this.#md5Jobs.get(object) ?? this.trackMd5(object, this.md5.files(this.fileParts(object.chunks)));
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
    await this.md5.close();
    await this.bodies.close();
    await this.store.close();
  }
}

export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
