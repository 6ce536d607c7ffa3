/**
 * The reliable event queue (PULL mode): PullEvents returns up to 16 deliverable events at once or long-polls
 * for one; each delivery gets a fresh `EventHandle` valid for the redelivery window (30 s by default), after
 * which the event is delivered again and the old handle is rejected by ConfirmEvents. Events are kept 4 days.
 * @module
 */
import type { ConfirmEventsResponse, PullEventsResponse } from '@vod-uploader/tencent';
import type { Core } from '../core.ts';
import { VodError } from '../errors.ts';
import { randomHex } from '../ids.ts';
import type { EventRecord, MediaRecord } from '../store.ts';
import { eventContent, type MediaUrls } from './render.ts';

const MAX_EVENTS = 16;
const KEEP_MS = 4 * 24 * 3600 * 1000;

/** A copy of a media record for an event, without its byte lists. */
const snapshot = (m: MediaRecord): MediaRecord => ({
  ...m,
  tags: [...m.tags],
  chunks: [],
  cover: m.cover && { ...m.cover, chunks: [] },
  procedure: m.procedure && { ...m.procedure },
});

export class EventQueue {
  readonly #core: Core;
  readonly #waiters = new Set<() => void>();

  constructor(core: Core) {
    this.#core = core;
  }

  get #events(): EventRecord[] {
    return this.#core.store.state.events;
  }

  #push(event: Omit<EventRecord, 'id' | 'createdAt'>): void {
    this.#events.push({ id: randomHex(12), createdAt: this.#core.nowMs(), ...event });
    for (const wake of this.#waiters) wake();
  }

  /** Queues NewFileUpload with a snapshot of the media (without its byte list). */
  fileUploaded(media: MediaRecord): void {
    this.#push({ type: 'NewFileUpload', media: snapshot(media) });
  }

  /** Queues ProcedureStateChanged (FINISH) for the task flows that have ended since the last look. */
  #flowsEnded(now: number): void {
    for (const m of Object.values(this.#core.store.state.media)) {
      if (!m.procedure || m.procedure.announced || now < m.procedure.doneAt) continue;
      m.procedure.announced = true;
      this.#push({ type: 'ProcedureStateChanged', media: snapshot(m) });
    }
  }

  fileDeleted(fileId: string): void {
    this.#push({ type: 'FileDeleted', fileIds: [fileId] });
  }

  /** Events deliverable now: never delivered, or their delivery window has passed. */
  #deliverable(now: number): EventRecord[] {
    return this.#events.filter((e) => e.leaseUntil === undefined || e.leaseUntil <= now);
  }

  /** Delivers up to 16 events, waiting up to the configured time for one. */
  async pull(urls: MediaUrls): Promise<Omit<PullEventsResponse, 'RequestId'>> {
    const core = this.#core;
    const deadline = Date.now() + core.options.pullEventsWaitMs;
    for (;;) {
      const now = core.nowMs();
      const expired = this.#events.filter((e) => now - e.createdAt > KEEP_MS);
      if (expired.length) core.store.state.events = this.#events.filter((e) => !expired.includes(e));
      this.#flowsEnded(now);
      const ready = this.#deliverable(now).slice(0, MAX_EVENTS);
      if (ready.length) {
        for (const e of ready) {
          e.handle = randomHex(20);
          e.leaseUntil = now + core.options.eventRedeliveryMs;
        }
        await core.store.save();
        return { EventSet: ready.map((e) => eventContent(e, urls)) };
      }
      const left = deadline - Date.now();
      if (left <= 0 || core.closing) return { EventSet: [] };
      // Wake on a new event, on close, or when the next lease runs out or task flow ends.
      const leases = this.#events.map((e) => e.leaseUntil ?? Infinity);
      const flows = Object.values(core.store.state.media).map((m) => (m.procedure && !m.procedure.announced ? m.procedure.doneAt : Infinity));
      const next = Math.min(...leases, ...flows) - now;
      await this.#wait(Math.max(1, Math.min(left, next)));
    }
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        offClose();
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      const offClose = this.#core.onClose(done);
      this.#waiters.add(done);
    });
  }

  /** Confirms handles; any unknown or expired handle fails the whole call (nothing is confirmed). */
  async confirm(handles: string[]): Promise<Omit<ConfirmEventsResponse, 'RequestId'>> {
    if (handles.length === 0 || handles.length > MAX_EVENTS) {
      throw new VodError('InvalidParameterValue', `EventHandles must hold 1 to ${MAX_EVENTS} handles.`);
    }
    const now = this.#core.nowMs();
    const hits = handles.map((h) => this.#events.find((e) => e.handle === h && (e.leaseUntil ?? 0) > now));
    const bad = handles.find((_, i) => !hits[i]);
    if (bad !== undefined) {
      throw new VodError('InvalidParameterValue', `The EventHandle \`${bad}\` is invalid or its confirmation window has passed.`);
    }
    this.#core.store.state.events = this.#events.filter((e) => !hits.includes(e));
    await this.#core.store.save();
    return {};
  }
}
