/**
 * Progressive upload of a stream of unknown length (e.g. from `MediaRecorder`), loaded only for `stream` inputs:
 * parts are cut from the stream as it fills, hashed (SHA-1 and MD5) and sent; the end of the stream is the last
 * part. A stream cannot be read again, so parts read and not yet stored stay held across a pause.
 * @module
 */
import type { Failures, UploadError } from './errors.ts';
import type { Job } from './job.ts';
import { createStreamChunker } from './sources/stream-source.ts';

export async function runStream(job: Job, stream: ReadableStream<Uint8Array>, signal: AbortSignal, { error }: Failures): Promise<void> {
  if (!job.session) {
    job.set({ phase: 'pending' });
    const instant = await job.openSession(null, {}, signal);
    if (instant) {
      await stream.cancel().catch(() => {});
      return job.commit(instant, true);
    }
    job.streamRead = { chunker: createStreamChunker(stream, job.session!.partSize), parts: 0, bytes: 0, ended: false };
  }
  const read = job.streamRead!;
  const { session, done, held, ranges } = job;
  const { partSize, maxPart } = session!;
  const invalid = (message: string) => error('invalid-file', message);
  if (!job.noSha1) await job.beginHash();
  job.set({ phase: 'uploading' });
  const pipeline = job.pipeline(signal);
  try {
    for (let n = 1; n <= maxPart + 1 && !pipeline.signal.aborted; n++) {
      if (done.has(n)) continue;
      let part = held.get(n);
      if (!part) {
        if (read.ended || n <= read.parts) break;
        const bytes = await pipeline.race((read.next ??= read.chunker.next()));
        read.next = undefined;
        if (!bytes) {
          read.ended = true;
          if (n > 1) break;
          throw invalid('The stream ended without any bytes.');
        }
        if (n > maxPart) throw invalid(`The stream is longer than ${maxPart} parts allow.`);
        const sha1 = !job.noSha1;
        if (sha1) job.hashSent = n;
        const hashed = await job.hasher().part(job.key, { bytes }, { sha1, md5: true, keep: true });
        held.set(n, (part = { body: hashed.bytes!, size: hashed.size, md5: hashed.md5! }));
        read.parts = job.hashed = n;
        job.set({ bytesHashed: (read.bytes += hashed.size) });
      }
      const start = (n - 1) * partSize;
      const range = (ranges[n - 1] = { partNumber: n, start, end: start + part.size });
      if (job.busy()) job.presign(range, part, pipeline.signal);
      const slot = await pipeline.acquire();
      if (!slot) break;
      const sending = part;
      pipeline.launch(() => job.uploadPart(range, sending, pipeline.signal).finally(slot));
    }
    if (read.ended) job.set({ bytesTotal: read.bytes, partsTotal: read.parts });
  } catch (thrown) {
    pipeline.fail(thrown);
  }
  try {
    await pipeline.settle();
  } catch (thrown) {
    // A stream cannot be read again: a stream that is empty or too long ends its session.
    if (!signal.aborted && (thrown as UploadError | undefined)?.code === 'invalid-file') await job.abortSession();
    throw thrown;
  }
  ranges.length = read.parts;
  if (!job.noSha1) await job.digest();
  await job.complete(signal);
}
