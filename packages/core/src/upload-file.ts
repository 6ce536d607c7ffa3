/**
 * Uploading a file (a source of known size with random access) in one read pass: open a session (or resume a saved
 * one, or find an instant upload), then read, hash and send the parts, then commit.
 * @module
 */
import { noop } from './clock.ts';
import { ErrorCode, abortError, toUploadError } from './errors.ts';
import type { Held, Job } from './job.ts';
import { type PartRange, choosePartSize, planParts } from './plan.ts';
import { FINGERPRINT_BYTES, fingerprint } from './resume.ts';
import type { UploadResult } from './signer-client.ts';
import type { UploadSource } from './sources/source.ts';

/** Parts read ahead of the one waiting for a pool slot, when their bodies cost no memory (Blob slices). */
const READ_AHEAD_EXTRA = 4;

/** What reading a part gave: the part to send (unless storage has it) and whether it went into the SHA-1. */
interface PartRead {
  held: Held;
  hashed: boolean;
}

export async function runFile(job: Job, source: UploadSource, signal: AbortSignal): Promise<void> {
  let instant = job.session ? undefined : await open(job, source, signal);
  if (!instant && (instant = await transfer(job, source, signal))) await job.abortSession();
  if (instant) return job.commit(instant, true);
  await job.complete(signal);
}

/** Hash-first for small files, resume, `dedupe: 'before'`, session. Returns an instant result, or nothing with a session open. */
async function open(job: Job, source: UploadSource, signal: AbortSignal): Promise<UploadResult | undefined> {
  const { size } = source;
  const { options } = job;
  let partSize: number;
  try {
    partSize = choosePartSize(size, options.partSize);
  } catch (error) {
    throw toUploadError(error, ErrorCode.INVALID_FILE);
  }
  const dedupe = options.dedupe ?? 'parallel';
  job.set({ phase: 'pending' });
  if (size <= (options.hashFirstBelow ?? partSize)) {
    // Small: one read; the bytes stay in memory for the upload and the SHA-1 is known before the session.
    if (!job.sha1 || !job.held.has(1)) await hashFirst(job, source, [{ partNumber: 1, start: 0, end: size }], true, signal);
  } else {
    if (job.store && (await findSaved(job, source, signal))) return undefined;
    if (dedupe === 'before' && !job.sha1) await hashFirst(job, source, planParts(size, partSize), false, signal);
  }
  if (signal.aborted) throw signal.reason;
  const instant = await job.openSession(size, { partSize, sha1: dedupe !== 'off' ? job.sha1 : undefined }, signal);
  if (!instant) job.persist();
  return instant;
}

/**
 * A saved session for this file (its fingerprint: name, size, date, SHA-1 of the head) is continued if the signer
 * still knows it; the code that continues it is loaded only then.
 */
async function findSaved(job: Job, source: UploadSource, signal: AbortSignal): Promise<boolean> {
  const { name, size, lastModified } = source;
  // Once per upload: the SHA-1 of the head is read only for the first run.
  const storeKey = (job.storeKey ??= `${job.signer.url}#${fingerprint({
    name,
    size,
    lastModified,
    headSha1: await job.hasher().sha1(await source.input(0, Math.min(size, FINGERPRINT_BYTES))),
  })}`);
  const record = await job.store!.get(storeKey).catch(noop);
  return record?.size === size && record.strategy === 'multipart' && (await import('./upload-restore.ts')).restore(job, record, signal);
}

/**
 * Hashes parts into the SHA-1 before the session: a small file's one part (kept, with its MD5, for the upload; the
 * SHA-1 starts over), or every part for `dedupe: 'before'` (a pass of its own, continuing the SHA-1).
 */
async function hashFirst(job: Job, source: UploadSource, ranges: PartRange[], keep: boolean, signal: AbortSignal): Promise<void> {
  job.set({ phase: 'hashing' });
  await job.beginHash(keep);
  for (const { partNumber, start, end } of ranges) {
    if (partNumber <= job.hashed) continue;
    if (signal.aborted) throw signal.reason;
    const input = await source.input(start, end);
    job.hashSent = partNumber;
    const part = await job.hasher().part(job.key, input, { sha1: true, md5: keep, keep: keep && !source.body });
    if (keep) job.held.set(partNumber, { body: source.body?.(start, end) ?? part.bytes!, size: end - start, md5: part.md5! });
    job.hashed = partNumber;
    job.set({ bytesHashed: end });
  }
  await job.digest();
}

/** `"<md5 hex>"` → `<md5 hex>` (lowercase), for comparing a storage ETag with a part's MD5. */
const etagMd5 = (etag: string) => etag.replace(/^W\/|"/g, '').toLowerCase();

/**
 * The read-hash-upload pipeline over the parts of a file. Returns an instant result when the SHA-1 turned out
 * to match a verified upload (`dedupe: 'parallel'`).
 *
 * Parts are read and hashed in order, ahead of the part that waits for a pool slot: one part when the bytes
 * read are what gets sent (memory ≤ (parts in flight + 1) × part size), a few more when the source sends
 * disk-backed Blob slices (the hasher keeps at most two parts in memory however many are queued). Parts
 * already hashed are presigned together with the one waiting, in one signer call.
 */
async function transfer(job: Job, source: UploadSource, signal: AbortSignal): Promise<UploadResult | undefined> {
  job.set({ phase: 'uploading' });
  const wantSha1 = !job.sha1;
  if (wantSha1) await job.beginHash();
  const pipeline = job.pipeline(signal);
  const { ranges, done, held } = job;
  const last = ranges.length;
  const depth = source.body ? job.pool.concurrency + READ_AHEAD_EXTRA : 1;
  /** Parts being read, in part order (the next to send first), with their result once known. */
  const ahead: { range: PartRange; read: Promise<PartRead | undefined>; ready?: PartRead }[] = [];
  let next = 0;
  let issuing: Promise<unknown> = Promise.resolve();
  let lookup: Promise<void> | undefined;
  let instant: UploadResult | undefined;
  let finishing: Promise<void> | undefined;
  /** The SHA-1 once every part is in it; then (dedupe `parallel`) the instant lookup, while parts still go up. */
  const finishHash = () =>
    (finishing ??= (async () => {
      await job.digest();
      job.persist();
      if ((job.options.dedupe ?? 'parallel') !== 'parallel') return;
      lookup = job.signer.findInstantUpload({ sha1: job.sha1!, size: source.size }, { signal: pipeline.signal }).then((found) => {
        if (found && !pipeline.signal.aborted) {
          instant = found;
          pipeline.stop(abortError('An instant upload was found.'));
        }
      }, noop); // best effort: the upload goes on
    })());
  /** Takes a read part into the upload's state; returns what to send, if anything. */
  const take = ({ partNumber: n, end }: PartRange, read: PartRead | undefined): Held | undefined => {
    if (!read) return undefined;
    if (read.hashed) {
      job.hashed = n;
      job.set({ bytesHashed: end });
    }
    const stored = done.get(n);
    // Storage holds other bytes under this number: send it again.
    if (stored && etagMd5(stored.etag) !== read.held.md5) done.delete(n);
    if (done.has(n)) return void held.delete(n);
    held.set(n, read.held);
    return read.held;
  };
  try {
    while ((next < last || ahead.length) && !pipeline.signal.aborted) {
      while (next < last && ahead.length < depth) {
        const range = ranges[next++]!;
        // Reads are issued one after the other (an async `input()` must not reorder the SHA-1).
        const started = issuing.then(() => startRead(job, source, range, wantSha1, pipeline.signal));
        issuing = started.catch(noop);
        const entry: (typeof ahead)[number] = { range, read: started.then((s) => s.read) };
        entry.read.then((read) => {
          entry.ready = read;
          // The hasher has the last part: ask for the SHA-1 now, not when the part's turn to be sent comes.
          if (read?.hashed && range.partNumber === last) finishHash().catch(noop);
        }, noop);
        ahead.push(entry);
      }
      // Not raced with the signal: once the hasher has taken a part, its result must be kept.
      const { range, read } = ahead.shift()!;
      const ready = await read;
      const part = take(range, ready);
      if (wantSha1 && !job.sha1 && job.hashed === last) await finishHash();
      if (!part) continue;
      // The answer is one round trip away: the last part waits for it rather than being sent for nothing.
      if (lookup && next >= last && !ahead.length) await lookup;
      if (job.busy()) {
        job.presign(range, part, pipeline.signal);
        for (const later of ahead) if (later.ready && !done.has(later.range.partNumber)) job.presign(later.range, later.ready.held, pipeline.signal);
      }
      const slot = await pipeline.acquire();
      if (!slot) break;
      pipeline.launch(() => job.uploadPart(range, part, pipeline.signal).finally(slot));
    }
  } catch (error) {
    pipeline.fail(error);
  }
  // Parts read ahead and not taken (a stop or a failure): wait for the hasher and keep what it did, so the
  // SHA-1 state and the progress agree on the next run.
  for (const { range, read } of ahead) await read.then((ready) => take(range, ready), pipeline.fail);
  const failed = await pipeline.settle().then(noop, (error: unknown) => ({ error }));
  await lookup;
  if (instant) return instant;
  if (failed) throw failed.error;
  return undefined;
}

/**
 * Starts reading (and hashing) one part; resolves once the hasher has it, with the promise of its result
 * (`undefined`: nothing to do, storage has it and the SHA-1 is past it).
 */
async function startRead(
  job: Job,
  source: UploadSource,
  { partNumber: n, start, end }: PartRange,
  wantSha1: boolean,
  signal: AbortSignal,
): Promise<{ read: Promise<PartRead | undefined> }> {
  const size = end - start;
  const hashed = wantSha1 && n > job.hashSent;
  const kept = job.held.get(n);
  if (!hashed && job.done.has(n)) return { read: Promise.resolve(undefined) };
  if (!hashed && kept?.size === size) return { read: Promise.resolve({ held: kept, hashed }) };
  if (signal.aborted) throw signal.reason;
  // A part to hash (again, if the SHA-1 restarted) is read from the source; its MD5 comes with it.
  const input = await source.input(start, end);
  if (hashed) job.hashSent = n;
  const read = job
    .hasher()
    .part(job.key, input, { sha1: hashed, md5: true, keep: !source.body })
    .then(
      (part): PartRead => ({ held: { body: source.body?.(start, end) ?? part.bytes!, size, md5: part.md5! }, hashed }),
      (error: unknown) => {
        throw toUploadError(error, ErrorCode.HASH); // whatever the hasher failed with, its SHA-1 state is suspect
      },
    );
  return { read };
}
