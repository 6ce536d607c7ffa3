/**
 * The rows of `<vod-uploader>` over the core engine: creates an {@link Upload} per accepted file when it starts,
 * shares one part pool between them (bounded parts in flight across files), turns state changes into `vod-*`
 * events and host updates, and sums the totals.
 * @module
 */
import type { ReactiveControllerHost } from 'lit';
import { type Pool, type Upload, type UploadInput, type UploadState, createPool, createUpload, estimateEta, initialUploadState, toPercent } from '@vod-uploader/core/upload';
import type { VodUploadItem } from './item.ts';
import type { Rejection } from './validate.ts';
import { VodCompleteEvent } from './events/vod-complete.ts';
import { VodUploadErrorEvent } from './events/vod-upload-error.ts';
import { VodUploadPauseEvent } from './events/vod-upload-pause.ts';
import { VodUploadProgressEvent } from './events/vod-upload-progress.ts';
import { VodUploadResumeEvent } from './events/vod-upload-resume.ts';
import { VodUploadRetryEvent } from './events/vod-upload-retry.ts';
import { VodUploadStartEvent } from './events/vod-upload-start.ts';
import { VodUploadSuccessEvent } from './events/vod-upload-success.ts';

type Options = Omit<UploadInput, 'file' | 'stream' | 'cover' | 'pool'>;

export interface UploadControllerHost extends ReactiveControllerHost, EventTarget {
  /** Engine options for a new upload (signer, token, part size, media options…). */
  uploadOptions(): Options;
  /** Parts in flight across all files. */
  readonly concurrency?: number;
  /** The human message of an error (shown and put in `vod-upload-error`). */
  errorText(item: VodUploadItem): string;
  /** Called after every change of an item (announcements). */
  itemChanged(item: VodUploadItem, prev: UploadState): void;
}

type Item = { -readonly [K in keyof VodUploadItem]: VodUploadItem[K] } & { off?: () => void };

export interface Totals {
  files: number;
  loaded: number;
  total: number;
  percent: number;
  speed: number;
  eta: number | null;
}

let ids = 0;
const active = (i: VodUploadItem) => i.state.status === 'running' || i.state.status === 'paused';

export class UploadController {
  private readonly host: UploadControllerHost;
  private list: Item[] = [];
  private pool?: Pool;
  private poolSize?: number;
  /** An upload started since the last `vod-complete`. */
  private batch = false;

  constructor(host: UploadControllerHost) {
    this.host = host;
  }

  get items(): readonly VodUploadItem[] {
    return this.list;
  }

  /** New rows: accepted files (queued) and rejected ones (shown with their reason). */
  add(files: File[], rejected: { file: File; rejection: Rejection }[] = []): VodUploadItem[] {
    const added = [...files.map((file) => ({ file })), ...rejected].map(
      (r): Item => ({ id: `vod-${++ids}`, ...r, state: initialUploadState(r.file.name, r.file.size) }),
    );
    this.list = [...this.list, ...added];
    this.host.requestUpdate();
    return added.filter((i) => !i.rejection);
  }

  setCover(item: VodUploadItem, cover: File | undefined): void {
    if (item.upload) return; // the session already has (or has not) a cover
    (item as Item).cover = cover;
    this.host.requestUpdate();
  }

  /** Starts a queued item, or continues a paused or failed one. */
  start(item: VodUploadItem): void {
    const it = item as Item;
    if (it.rejection || !this.list.includes(it)) return;
    if (!it.upload) {
      const size = this.host.concurrency;
      if (!this.pool || (size !== this.poolSize && !this.list.some(active))) {
        this.pool = createPool({ concurrency: size || 4 });
        this.poolSize = size;
      }
      it.upload = createUpload({ ...this.host.uploadOptions(), file: it.file, cover: it.cover, pool: this.pool });
      it.off = it.upload.subscribe((state) => this.changed(it, state));
    }
    if (/idle|paused|error/.test(it.state.status)) {
      this.batch = true;
      it.upload.start().catch(() => {});
    }
  }

  pause(item: VodUploadItem): void {
    item.upload?.pause();
  }

  cancel(item: VodUploadItem): void {
    if (item.upload) item.upload.cancel();
    else if (!item.rejection && item.state.status === 'idle') this.changed(item as Item, { ...item.state, status: 'cancelled' });
  }

  /** Removes a row; an upload still running is cancelled. */
  remove(item: VodUploadItem): void {
    if (active(item)) item.upload?.cancel();
    (item as Item).off?.();
    this.list = this.list.filter((i) => i !== item);
    this.host.requestUpdate();
    this.settle();
  }

  /** Cancels what runs and empties the list. */
  clear(): void {
    for (const item of this.list) this.remove(item);
  }

  totals(): Totals {
    const t: Totals = { files: 0, loaded: 0, total: 0, percent: 0, speed: 0, eta: null };
    for (const { rejection, state, file } of this.list) {
      if (rejection || state.status === 'cancelled') continue;
      t.files++;
      t.total += file.size;
      t.loaded += state.bytesUploaded;
      t.speed += state.speed;
    }
    t.percent = toPercent(t.loaded, t.total);
    t.eta = estimateEta(t.total - t.loaded, t.speed);
    return t;
  }

  private changed(it: Item, next: UploadState): void {
    // Stored and committed, but the signer does not tell processing status (no route, or not for this caller):
    // that is a success without processing news.
    const e = next.error;
    if (next.status === 'error' && next.result && e?.code === 'signer' && (e.status === 404 || e.status === 403 || e.status === 405)) {
      next = { ...next, status: 'done', phase: 'uploaded', error: null };
    }
    const prev = it.state;
    it.state = next;
    const item: VodUploadItem = it;
    const fire = (event: Event) => this.host.dispatchEvent(event);
    const entered = (status: string) => next.status === status && prev.status !== status;
    if (entered('running')) fire(prev.status === 'paused' ? new VodUploadResumeEvent({ item }) : new VodUploadStartEvent({ item }));
    if (entered('paused')) fire(new VodUploadPauseEvent({ item }));
    if (next.bytesUploaded !== prev.bytesUploaded && next.status === 'running') {
      const { bytesUploaded: loaded, bytesTotal, percent, speed, eta } = next;
      fire(new VodUploadProgressEvent({ item, loaded, total: bytesTotal ?? it.file.size, percent, speed, eta }));
    }
    const r = next.retry;
    if (r && (r.attempt !== prev.retry?.attempt || r.partNumber !== prev.retry?.partNumber)) {
      fire(new VodUploadRetryEvent({ item, attempt: r.attempt, delay: r.delay, code: r.code, partNumber: r.partNumber }));
    }
    const res = next.result;
    if (res && !prev.result) {
      fire(new VodUploadSuccessEvent({ item, fileId: res.fileId, mediaUrl: res.mediaUrl, coverUrl: res.coverUrl, instant: next.instant }));
    }
    if (entered('error') && e) fire(new VodUploadErrorEvent({ item, error: e, message: this.host.errorText(item) }));
    this.host.itemChanged(item, prev);
    this.host.requestUpdate();
    this.settle();
  }

  /** Fires `vod-complete` once every started upload has settled. */
  private settle(): void {
    if (!this.batch || this.list.some(active)) return;
    this.batch = false;
    this.host.dispatchEvent(new VodCompleteEvent({ fileIds: this.fileIds(), failed: this.list.filter((i) => i.state.status === 'error').length }));
  }

  /** Whether a row waits for Start. */
  waiting(): boolean {
    return this.list.some((i) => !i.rejection && i.state.status === 'idle');
  }

  /** FileIds of the stored uploads, in list order. */
  fileIds(): string[] {
    return this.list.flatMap((i) => (i.state.result ? [i.state.result.fileId] : []));
  }
}
