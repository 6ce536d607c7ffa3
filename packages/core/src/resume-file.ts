/**
 * A {@link ResumeStore} in a folder (Node): one JSON file per upload, written atomically (temp file + rename),
 * so a crash never leaves half a record.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ResumeRecord, type ResumeStore, isResumeRecord } from './resume.ts';

export interface FileResumeStoreOptions {
  now?: () => number;
}

export function createFileResumeStore(dir: string, { now = Date.now }: FileResumeStoreOptions = {}): ResumeStore {
  const pathOf = (key: string) => join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`);
  return {
    async get(key) {
      let text: string;
      try {
        text = await readFile(pathOf(key), 'utf8');
      } catch {
        return undefined;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined;
      }
      if (!isResumeRecord(value) || value.key !== key || value.expiresAt <= now()) {
        await rm(pathOf(key), { force: true });
        return undefined;
      }
      return value;
    },
    async set(record) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const path = pathOf(record.key);
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temp, JSON.stringify(record), { mode: 0o600 });
      await rename(temp, path);
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
