/**
 * Continuing a saved multipart session (after a reload, a crash, in another tab), loaded only when a saved record
 * fits the file: the signer's ListParts is the truth about the stored parts; the saved SHA-1 (or its state)
 * continues the hash without reading the stored parts again.
 * @module
 */
import type { Job } from './job.ts';
import type { ListedPart } from './signer-client.ts';
import type { ResumeRecord } from './resume.ts';
import type { UploadError } from './errors.ts';

/** Adopts `record`'s session if the signer still knows it; `false` (and the record forgotten) when it does not. */
export async function restore(job: Job, record: ResumeRecord, signal: AbortSignal): Promise<boolean> {
  let listed: ListedPart[];
  try {
    listed = await job.retry(() => job.signer.listParts(record.session, { signal }), signal);
  } catch (error) {
    // Aborted, or worth another try later: the run fails. Else the signer no longer knows the session (expired,
    // aborted, another key): start over.
    if (signal.aborted || (error as UploadError).retryable) throw error;
    await job.store!.delete(job.storeKey!).catch(() => {});
    return false;
  }
  const { session, partSize, partCount, expiresAt, sha1, hash } = record;
  job.adopt({ session, strategy: 'multipart', partSize, partCount, expiresAt }, record.size);
  const { ranges } = job;
  for (const { partNumber, etag, size } of listed) {
    const range = ranges[partNumber - 1];
    if (range && size === range.end - range.start) job.done.set(partNumber, { etag, size });
  }
  if (sha1) job.setSha1(sha1);
  else if (hash && hash.through > 0 && hash.through <= ranges.length) {
    try {
      await job.hasher().begin(job.key, hash.state);
      job.hashing = true;
      job.hashed = job.hashSent = hash.through;
      job.set({ bytesHashed: ranges[hash.through - 1]!.end });
    } catch {
      await job.beginHash(true); // an incompatible state: hash from the start
    }
  }
  job.set({ resumed: true });
  job.progress(true);
  return true;
}
