/**
 * `VodUploadClient`: server-side uploads to Tencent Cloud VOD, with the Python SDK's names and semantics. The
 * signer runs in-process (the SecretKey stays in this process), the engine reads the file from disk once
 * (node:crypto MD5 per part for `Content-MD5`), and a stopped upload resumes from a record in a folder.
 * @module
 */
import { createHash } from 'node:crypto';
import { DEFAULT_CONCURRENCY, type ResumeStore, type UploadState, createUpload } from '@vod-uploader/core';
import { DEFAULT_RESUME_DIR, createFileResumeStore, fileSource } from '@vod-uploader/core/node';
import { VodErrorCode, VodUploadError, toVodUploadError } from './errors.ts';
import { createHttpTransport } from './http-transport.ts';
import { type InProcessSigner, createInProcessSigner } from './in-process-signer.ts';
import { createBufferPool, pooledFileSource } from './pooled-file-source.ts';
import { type VodUploadRequestInit, type VodUploadResponse, checkRegion, checkRequest } from './request.ts';

/** The VOD API of the cloud. */
export const VOD_ENDPOINT = 'https://vod.tencentcloudapi.com';
/** The storage (COS) URL template of the cloud. */
export const COS_ENDPOINT = 'https://{Bucket}.cos.{Region}.myqcloud.com';
/** Files up to this size go up in one PUT, larger ones in parts. */
export const DEFAULT_SINGLE_THRESHOLD = 8 * 1024 * 1024;
/**
 * Part size unless told otherwise (Tencent's SDKs' choice). The engine holds (parts in flight + 1) parts in
 * memory: 8 MiB × (4 + 1) = 40 MiB. Against the emulator, 8 MiB parts upload ~1.4× faster than 4 MiB ones.
 */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export interface VodUploadClientOptions {
  /** VOD API base URL. Default {@link VOD_ENDPOINT}; the emulator's is `http://127.0.0.1:PORT`. */
  endpoint?: string;
  /** Storage URL template with `{Bucket}` and `{Region}`. Default {@link COS_ENDPOINT}. */
  cosEndpoint?: string;
  /** Folder of resume records; `false` turns resume off. Default core's `DEFAULT_RESUME_DIR` (under the temp dir). */
  resumeDir?: string | false;
  /** Preferred part size in bytes (rounded up to whole MiB, ≥ 1 MiB). Default {@link DEFAULT_PART_SIZE}. */
  partSize?: number;
  /** Files up to this many bytes go up in one PUT. Default {@link DEFAULT_SINGLE_THRESHOLD}. */
  singleThreshold?: number;
}

/** Where an upload stands, for {@link UploadCallOptions.onProgress}. */
export interface VodUploadProgress {
  /** `pending`, `hashing`, `uploading`, `committing`, `uploaded`. */
  phase: UploadState['phase'];
  bytesUploaded: number;
  bytesTotal: number;
  /** 0–100. */
  percent: number;
  /** Bytes per second (smoothed). */
  speed: number;
  /** Seconds left, `null` while unknown. */
  eta: number | null;
  partsDone: number;
  partsTotal: number | null;
  /** Continued an earlier, stopped upload of the same file. */
  resumed: boolean;
}

export interface UploadCallOptions {
  /**
   * Stops the upload: requests in flight are aborted, the session and the finished parts are kept, and `upload`
   * rejects with `ClientAborted`. The same call later resumes without sending the finished parts again.
   */
  signal?: AbortSignal;
  /** Called on every change of the progress (often: throttle what you draw). */
  onProgress?: (progress: VodUploadProgress) => void;
}

/** Waits until `busy()` has stayed false for a few turns of the event loop (at most `limitMs`). */
async function quiet(busy: () => boolean, limitMs = 10_000): Promise<void> {
  const until = Date.now() + limitMs;
  let calm = 0;
  while (calm < 3 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, busy() ? 10 : 1));
    calm = busy() ? 0 : calm + 1;
  }
}

/** A resume store that knows whether a write is still running. */
function trackedStore(inner: ResumeStore): ResumeStore & { readonly pending: number } {
  let pending = 0;
  const track = async <T>(work: Promise<T>): Promise<T> => {
    pending++;
    try {
      return await work;
    } finally {
      pending--;
    }
  };
  return {
    get: (key) => track(inner.get(key)),
    set: (record) => track(inner.set(record)),
    delete: (key) => track(inner.delete(key)),
    get pending() {
      return pending;
    },
  };
}

/**
 * Uploads local files to VOD from a server.
 * @example
 * const client = new VodUploadClient(process.env.VOD_SECRET_ID!, process.env.VOD_SECRET_KEY!);
 * const request = new VodUploadRequest({ MediaFilePath: '/data/file/Wildlife.mp4', Procedure: 'LongVideoPreset' });
 * const response = await client.upload('ap-guangzhou', request);
 * console.log(response.FileId, response.MediaUrl);
 */
export class VodUploadClient {
  readonly secretId: string;
  readonly #secretKey: string;
  readonly #options: VodUploadClientOptions;
  readonly #signers = new Map<string, InProcessSigner>();

  constructor(secretId: string, secretKey: string, options: VodUploadClientOptions = {}) {
    if (typeof secretId !== 'string' || !secretId || typeof secretKey !== 'string' || !secretKey) {
      throw new TypeError('VodUploadClient: secretId and secretKey are required.');
    }
    const cos = options.cosEndpoint;
    if (cos !== undefined && !cos.includes('{Bucket}')) throw new TypeError('VodUploadClient: cosEndpoint must contain {Bucket}.');
    if (options.endpoint !== undefined) new URL(options.endpoint); // throws on a malformed URL
    this.secretId = secretId;
    this.#secretKey = secretKey;
    this.#options = { ...options };
  }

  /** The SecretKey is never shown: not in logs, not in JSON. */
  toJSON(): { secretId: string } {
    return { secretId: this.secretId };
  }

  /**
   * Uploads `request.MediaFilePath` (and its cover) and commits it: simple upload up to 8 MiB, multipart above.
   * Throws a {@link VodUploadError} with the cloud's code.
   * @param region the API region (`X-TC-Region`), e.g. `ap-guangzhou`; not the storage region.
   */
  async upload(region: string, request: VodUploadRequestInit, options: UploadCallOptions = {}): Promise<VodUploadResponse> {
    const apiRegion = checkRegion(region);
    const checked = await checkRequest(request);
    const { signal, onProgress } = options;
    if (signal?.aborted) throw new VodUploadError(VodErrorCode.ABORTED, 'The upload was stopped before it began.');
    const signer = this.#signerFor(apiRegion);
    // Part buffers are recycled once storage has them: the peak memory stays near (parts in flight + 1) parts.
    const pool = createBufferPool((checked.concurrency ?? DEFAULT_CONCURRENCY) + 1);
    const transport = createHttpTransport({ onAccepted: (body) => pool.give(body) });
    const store = this.#options.resumeDir === false ? undefined : trackedStore(createFileResumeStore(this.#options.resumeDir ?? DEFAULT_RESUME_DIR));
    // The name carries the type (the signer reads MediaType from the extension); the media name goes separately.
    const nameOf = (path: string, type: string) => `${createHash('sha1').update(path).digest('hex').slice(0, 16)}.${type}`;
    const upload = createUpload({
      file: pooledFileSource(checked.mediaPath, nameOf(checked.mediaPath, checked.mediaType), pool),
      cover: checked.cover ? fileSource(checked.cover.path, { name: nameOf(checked.cover.path, checked.cover.type) }) : undefined,
      signer: signer.client,
      media: checked.options,
      partSize: this.#options.partSize ?? DEFAULT_PART_SIZE,
      concurrency: checked.concurrency,
      dedupe: 'off',
      resume: store ?? false,
      transport,
    });
    const unsubscribe = onProgress
      ? upload.subscribe((s) => {
          try {
            onProgress({
              phase: s.phase,
              bytesUploaded: s.bytesUploaded,
              bytesTotal: s.bytesTotal ?? checked.mediaSize,
              percent: s.percent,
              speed: s.speed,
              eta: s.eta,
              partsDone: s.partsDone,
              partsTotal: s.partsTotal,
              resumed: s.resumed,
            });
          } catch {
            // A progress callback cannot break the upload.
          }
        })
      : undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      onAbort = () => {
        upload.pause();
        // Resolve only once every aborted request and resume-record write is gone.
        void quiet(() => transport.inFlight > 0 || (store?.pending ?? 0) > 0).then(() =>
          reject(new VodUploadError(VodErrorCode.ABORTED, 'The upload was stopped; run the same upload again to resume it.')),
        );
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    stopped.catch(() => {});
    try {
      const result = await Promise.race([upload.start(), stopped]);
      return { FileId: result.fileId, MediaUrl: result.mediaUrl, CoverUrl: result.coverUrl ?? '', RequestId: result.requestId ?? '' };
    } catch (error) {
      if (signal?.aborted) await stopped.catch((stop: unknown) => (error = stop));
      throw toVodUploadError(error, signer.cloudError);
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      unsubscribe?.();
      transport.close();
    }
  }

  #signerFor(region: string | undefined): InProcessSigner {
    const key = region ?? '';
    let signer = this.#signers.get(key);
    if (!signer) {
      signer = createInProcessSigner({
        secretId: this.secretId,
        secretKey: this.#secretKey,
        region,
        vodEndpoint: this.#options.endpoint ?? VOD_ENDPOINT,
        cosEndpoint: this.#options.cosEndpoint ?? COS_ENDPOINT,
        singleThreshold: this.#options.singleThreshold ?? DEFAULT_SINGLE_THRESHOLD,
      });
      this.#signers.set(key, signer);
    }
    return signer;
  }
}
