/**
 * The emulator's state — upload sessions, temporary credentials, objects, multipart uploads and their parts,
 * media, events — held in memory and persisted as one JSON file in the data dir. Writes are atomic (temp file +
 * rename) and coalesced: mutations call {@link Store.save}, which resolves once a snapshot including them is on
 * disk, while at most one write runs at a time. Bytes live in {@link Blobs}, referenced by id.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newFileIdBase, randomHex } from './ids.ts';

/** One stored file of bytes. */
export interface BlobRef {
  id: string;
  size: number;
}

/** A temporary COS credential issued by ApplyUpload; valid only for its session's bucket and keys. */
export interface CredentialRecord {
  secretId: string;
  secretKey: string;
  token: string;
  /** Unix seconds. */
  expiredTime: number;
  bucket: string;
  /** COS keys (no leading `/`) this credential may touch. */
  keys: string[];
  sessionKey: string;
}

/** An upload session (ApplyUpload → CommitUpload). */
export interface SessionRecord {
  sessionKey: string;
  fileId: string;
  subAppId?: number;
  bucket: string;
  region: string;
  /** COS key of the media, no leading `/`. */
  mediaKey: string;
  coverKey?: string;
  mediaType: string;
  coverType?: string;
  mediaName?: string;
  classId: number;
  expireTime?: string;
  procedure?: string;
  sourceContext?: string;
  sessionContext?: string;
  /** ISO time. */
  createdAt: string;
  /** Set once CommitUpload created the media (a repeated commit returns the same FileId). */
  committed?: boolean;
}

/** One piece of an object's bytes: a blob plus its hashes (a single PUT has one, a multipart object one per part). */
export interface ChunkRecord extends BlobRef {
  md5: string;
  crc64: string;
}

export interface ObjectRecord {
  bucket: string;
  key: string;
  size: number;
  /** Quoted, as sent in `ETag`. */
  etag: string;
  /** Hex MD5 of the whole object; absent for a multipart object until computed. */
  md5?: string;
  /** CRC-64/XZ decimal of the whole object. */
  crc64: string;
  contentType: string;
  /** `x-cos-meta-*` headers given at upload. */
  meta: Record<string, string>;
  /** ISO time. */
  lastModified: string;
  chunks: ChunkRecord[];
}

export interface PartRecord extends ChunkRecord {
  partNumber: number;
  /** ISO time. */
  lastModified: string;
}

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  /** ISO time. */
  initiated: string;
  contentType: string;
  meta: Record<string, string>;
  /** By part number. */
  parts: Record<string, PartRecord>;
}

export interface MediaRecord {
  fileId: string;
  subAppId?: number;
  name: string;
  description: string;
  classId: number;
  createTime: string;
  updateTime: string;
  expireTime: string;
  /** Extension of the media, lower case (`mp4`). */
  type: string;
  category: 'Video' | 'Audio' | 'Image';
  sourceContext: string;
  sessionContext: string;
  storageRegion: string;
  bucket: string;
  mediaKey: string;
  coverKey?: string;
  tags: string[];
  size: number;
  md5: string;
  crc64: string;
  contentType: string;
  chunks: ChunkRecord[];
  /** The cover's file name in its URL (`cover.jpg`, `cover-2.png` after ModifyMediaInfo) and bytes. */
  cover?: { name: string; contentType: string; chunks: ChunkRecord[] };
  /**
   * The task flow started at CommitUpload (the session's `Procedure`): its task id, and when (ms) it finishes.
   * It produces one transcode whose bytes are the source's (the emulator does not transcode).
   */
  procedure?: { name: string; taskId: string; doneAt: number; /** Its ProcedureStateChanged event is queued. */ announced?: boolean };
}

export interface EventRecord {
  id: string;
  type: 'NewFileUpload' | 'FileDeleted' | 'ProcedureStateChanged';
  /** ms since the epoch. */
  createdAt: number;
  /** The handle of the current delivery, if any. */
  handle?: string;
  /** Until when (ms) the current delivery holds the event; after that it is delivered again. */
  leaseUntil?: number;
  /** For NewFileUpload and ProcedureStateChanged: a snapshot of the media at commit. */
  media?: MediaRecord;
  /** For FileDeleted. */
  fileIds?: string[];
}

export interface State {
  version: 1;
  /** First FileId of this data dir; FileIds are this plus {@link State.fileSeq}. */
  fileIdBase: string;
  fileSeq: number;
  coverSeq: number;
  credentials: Record<string, CredentialRecord>;
  sessions: Record<string, SessionRecord>;
  /** By `bucket + '/' + key`. */
  objects: Record<string, ObjectRecord>;
  uploads: Record<string, UploadRecord>;
  media: Record<string, MediaRecord>;
  events: EventRecord[];
}

const STATE_FILE = 'state.json';
/** States up to this size (characters of JSON) are saved synchronously. */
const SYNC_SAVE_CHARS = 256 * 1024;

function emptyState(): State {
  return {
    version: 1,
    fileIdBase: newFileIdBase(),
    fileSeq: 0,
    coverSeq: 0,
    credentials: {},
    sessions: {},
    objects: {},
    uploads: {},
    media: {},
    events: [],
  };
}

export const objectId = (bucket: string, key: string): string => `${bucket}/${key}`;

export class Store {
  readonly dir: string;
  readonly state: State;
  #writing: Promise<void> | undefined;
  #pending: Promise<void> | undefined;
  #closed = false;

  /** Loads the state of `dir` (creating the dir), or starts empty. Synchronous: it runs once at start. */
  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, STATE_FILE);
    if (existsSync(file)) {
      const loaded = JSON.parse(readFileSync(file, 'utf8')) as State;
      if (loaded.version !== 1) throw new Error(`${file}: unsupported state version ${String(loaded.version)}`);
      this.state = { ...emptyState(), ...loaded };
    } else this.state = emptyState();
  }

  /** Every blob id the state references (objects, parts, media, covers). */
  referencedBlobs(): Set<string> {
    const ids = new Set<string>();
    const add = (chunks: ReadonlyArray<BlobRef> | undefined) => chunks?.forEach((c) => ids.add(c.id));
    for (const o of Object.values(this.state.objects)) add(o.chunks);
    for (const u of Object.values(this.state.uploads)) add(Object.values(u.parts));
    for (const m of Object.values(this.state.media)) {
      add(m.chunks);
      add(m.cover?.chunks);
    }
    return ids;
  }

  /**
   * Persists the current state. Resolves when a snapshot taken after this call is on disk; calls made while
   * a write runs share the next write.
   */
  save(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#pending) return this.#pending;
    if (!this.#writing) {
      // A small state is written at once: cheaper than a round trip through the thread pool per step.
      const text = JSON.stringify(this.state);
      if (text.length <= SYNC_SAVE_CHARS) {
        try {
          const file = join(this.dir, STATE_FILE);
          const tmp = `${file}.${randomHex(6)}.tmp`;
          writeFileSync(tmp, text);
          renameSync(tmp, file);
          return Promise.resolve();
        } catch (error) {
          return Promise.reject(error);
        }
      }
    }
    const previous = this.#writing;
    const write = (async () => {
      // Always yields first, so `#pending` is set before the snapshot below is taken.
      await previous?.catch(() => {});
      this.#pending = undefined;
      const text = JSON.stringify(this.state);
      const file = join(this.dir, STATE_FILE);
      const tmp = `${file}.${randomHex(6)}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, file);
    })();
    this.#pending = write;
    this.#writing = write;
    return write;
  }

  /** Flushes and stops persisting. */
  async close(): Promise<void> {
    await this.save();
    this.#closed = true;
  }
}
