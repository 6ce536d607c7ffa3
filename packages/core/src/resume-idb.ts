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

  function open(): Promise<IDBDatabase> {
    return (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
      request.onsuccess = () => {
        const database = request.result;
        database.onversionchange = () => {
          database.close();
          db = undefined;
        };
        resolve(database);
        void sweep(database).catch(() => {});
      };
      request.onerror = () => {
        db = undefined;
        reject(request.error);
      };
    }));
  }

  function sweep(database: IDBDatabase): Promise<void> {
    return new Promise((resolve, reject) => {
      const tx = database.transaction(STORE, 'readwrite');
      const request = tx.objectStore(STORE).openCursor();
      let seen = 0;
      request.onsuccess = () => {
        const cursor = request.result;
        if (!cursor || ++seen > SWEEP_LIMIT) return;
        const value = cursor.value as unknown;
        if (!isResumeRecord(value) || value.expiresAt <= now()) cursor.delete();
        cursor.continue();
      };
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  }

  async function store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
    return (await open()).transaction(STORE, mode).objectStore(STORE);
  }

  return {
    async get(key) {
      const value = (await done((await store('readonly')).get(key))) as unknown;
      if (value === undefined) return undefined;
      if (!isResumeRecord(value) || value.expiresAt <= now()) {
        await done((await store('readwrite')).delete(key));
        return undefined;
      }
      return value;
    },
    async set(record: ResumeRecord) {
      await done((await store('readwrite')).put(record));
    },
    async delete(key) {
      await done((await store('readwrite')).delete(key));
    },
  };
}
