import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createFileResumeStore } from './resume-file.ts';
import { type ResumeRecord, type ResumeStore, createMemoryResumeStore, fingerprint } from './resume.ts';

const record = (key: string, expiresAt: number): ResumeRecord => ({
  version: 1, key, session: 'sealed', strategy: 'multipart', partSize: 1048576, partCount: 3, size: 3000000,
  expiresAt, updatedAt: 1, parts: [[1, '"abc"', 1048576]], hash: { through: 1, state: 'AAAA' },
});

async function contract(store: ResumeStore, setNow: (t: number) => void) {
  setNow(1000);
  assert.equal(await store.get('a'), undefined);
  await store.set(record('a', 5000));
  await store.set(record('b', 2000));
  assert.deepEqual(await store.get('a'), record('a', 5000));
  setNow(3000);
  assert.equal(await store.get('b'), undefined, 'expired records are gone');
  await store.delete('a');
  assert.equal(await store.get('a'), undefined);
  await store.delete('never-there');
}

describe('resume stores', () => {
  it('memory store keeps, expires and deletes records', async () => {
    let now = 0;
    await contract(createMemoryResumeStore(() => now), (t) => (now = t));
  });

  it('file store keeps, expires and deletes records, one file each, and ignores junk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'core-resume-'));
    try {
      let now = 0;
      const store = createFileResumeStore(dir, { now: () => now });
      await contract(store, (t) => (now = t));
      await store.set(record('c', 10_000));
      const files = await readdir(dir);
      assert.equal(files.length, 1);
      assert.ok(files[0]!.endsWith('.json'));
      await writeFile(join(dir, files[0]!), '{ not json');
      assert.equal(await store.get('c'), undefined);
      assert.deepEqual(await readdir(dir), []);
      assert.equal(await createFileResumeStore(join(dir, 'missing')).get('x'), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fingerprints name, size, lastModified and the head SHA-1', () => {
    const a = fingerprint({ name: 'a b.mp4', size: 10, lastModified: 5, headSha1: 'ff' });
    assert.equal(a, 'a%20b.mp4:10:5:ff');
    assert.notEqual(a, fingerprint({ name: 'a b.mp4', size: 10, lastModified: 6, headSha1: 'ff' }));
    assert.notEqual(a, fingerprint({ name: 'a b.mp4', size: 10, lastModified: 5, headSha1: 'fe' }));
  });
});
