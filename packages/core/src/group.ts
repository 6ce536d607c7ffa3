/**
 * Several uploads as one: total bytes, percent, speed and ETA, counts by status, and one shared pool so the
 * parts in flight across all files stay bounded.
 * @module
 */
import { type Pool, createPool } from './pool.ts';
import { estimateEta, toPercent } from './progress.ts';
import type { Upload } from './upload.ts';

export interface UploadGroupState {
  count: number;
  running: number;
  paused: number;
  done: number;
  failed: number;
  cancelled: number;
  /** Sum of known totals; `null` while any upload's total is unknown (a stream). */
  bytesTotal: number | null;
  bytesUploaded: number;
  percent: number;
  /** Sum of the uploads' smoothed speeds, bytes/s. */
  speed: number;
  eta: number | null;
}

export interface UploadGroupOptions {
  /** Parts in flight across all uploads created with {@link UploadGroup.pool}, default 6 (a browser's connections per host). */
  concurrency?: number;
}

/** Tracks uploads added to it; give them `pool: group.pool` to share the concurrency limit. */
export class UploadGroup {
  readonly pool: Pool;
  readonly #uploads = new Map<Upload, () => void>();
  readonly #listeners = new Set<(state: UploadGroupState) => void>();
  #state: UploadGroupState;

  constructor({ concurrency = 6 }: UploadGroupOptions = {}) {
    this.pool = createPool({ concurrency });
    this.#state = this.#compute();
  }

  get uploads(): Upload[] {
    return [...this.#uploads.keys()];
  }

  get state(): UploadGroupState {
    return this.#state;
  }

  add(upload: Upload): void {
    if (this.#uploads.has(upload)) return;
    this.#uploads.set(upload, upload.subscribe(() => this.#update()));
    this.#update();
  }

  remove(upload: Upload): void {
    const unsubscribe = this.#uploads.get(upload);
    if (!unsubscribe) return;
    unsubscribe();
    this.#uploads.delete(upload);
    this.#update();
  }

  subscribe(listener: (state: UploadGroupState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts every upload that is idle, paused or failed; resolves when all have settled. */
  async startAll(): Promise<void> {
    await Promise.allSettled(this.uploads.map((upload) => upload.start()));
  }

  pauseAll(): void {
    for (const upload of this.uploads) upload.pause();
  }

  cancelAll(): void {
    for (const upload of this.uploads) upload.cancel();
  }

  #compute(): UploadGroupState {
    const state: UploadGroupState = {
      count: 0, running: 0, paused: 0, done: 0, failed: 0, cancelled: 0,
      bytesTotal: 0, bytesUploaded: 0, percent: 0, speed: 0, eta: null,
    };
    let unknownTotal = false;
    for (const upload of this.#uploads.keys()) {
      const s = upload.state;
      state.count++;
      if (s.status === 'running') state.running++;
      else if (s.status === 'paused') state.paused++;
      else if (s.status === 'done') state.done++;
      else if (s.status === 'error') state.failed++;
      else if (s.status === 'cancelled') state.cancelled++;
      if (s.status === 'cancelled') continue;
      if (s.bytesTotal === null) unknownTotal = true;
      else state.bytesTotal! += s.bytesTotal;
      state.bytesUploaded += s.bytesUploaded;
      state.speed += s.speed;
    }
    if (unknownTotal) state.bytesTotal = null;
    state.percent = toPercent(state.bytesUploaded, state.bytesTotal);
    state.eta = estimateEta(state.bytesTotal === null ? null : state.bytesTotal - state.bytesUploaded, state.speed);
    return state;
  }

  #update(): void {
    this.#state = this.#compute();
    for (const listener of [...this.#listeners]) {
      try {
        listener(this.#state);
      } catch {
        // a listener cannot break the group
      }
    }
  }
}

export function createUploadGroup(options?: UploadGroupOptions): UploadGroup {
  return new UploadGroup(options);
}
