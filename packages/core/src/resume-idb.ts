/**
 * A {@link ResumeStore} in IndexedDB (browsers): survives reloads and crashes and is shared by the origin's tabs.
 * Expired records are removed when read and swept when the database opens.
 * @module
 */
import { type ResumeRecord, type ResumeStore, isResumeRecord } from './resume.ts';

const STORE = 'uploads';
/** Records swept per open, at most (keeps the sweep bounded). */
const SWEEP_LIMIT = 1000;

export interface IdbResumeStoreOptions {
  /** Database name, default `'vod-uploader'`. */
  name?: string;
  now?: () => number;
  indexedDB?: IDBFactory;
}

/** The result of an IndexedDB request. */
function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function createIdbResumeStore({
  name = 'vod-uploader',
  now = Date.now,
  indexedDB: factory = globalThis.indexedDB,
}: IdbResumeStoreOptions = {}): ResumeStore {
  let db: Promise<IDBDatabase> | undefined;
  const usable = (value: unknown): value is ResumeRecord => isResumeRecord(value) && value.expiresAt > now();

  /** The store, opened once (and swept of expired records then: at most {@link SWEEP_LIMIT}). */
  async function store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
    db ??= (async () => {
      const request = factory.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
      const database = await done(request).catch((error: unknown) => {
        db = undefined;
        throw error;
      });
      database.onversionchange = () => {
        database.close();
        db = undefined;
      };
      const cursor = database.transaction(STORE, 'readwrite').objectStore(STORE).openCursor();
      let seen = 0;
      cursor.onsuccess = () => {
        const at = cursor.result;
        if (!at || ++seen > SWEEP_LIMIT) return;
        if (!usable(at.value)) at.delete();
        at.continue();
      };
      return database;
    })();
    return (await db).transaction(STORE, mode).objectStore(STORE);
  }

  const remove = async (key: string) => void (await done((await store('readwrite')).delete(key)));
  return {
    async get(key) {
      const value: unknown = await done((await store('readonly')).get(key));
      if (value === undefined || usable(value)) return value;
      await remove(key);
      return undefined;
    },
    async set(record: ResumeRecord) {
      await done((await store('readwrite')).put(record));
    },
    delete: remove,
  };
}
