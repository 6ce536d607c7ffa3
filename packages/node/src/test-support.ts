/**
 * A test fixture shared by the client's and the CLI's tests: one emulator on loopback for the file's tests (faults
 * and counters reset before each), a scratch folder, files of random bytes in it, and a wait until the emulator's
 * counters stand still.
 * @module
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach } from 'node:test';
import { type RunningEmulator, startEmulator } from '@vod-uploader/emulator';

export type EmulatorStats = ReturnType<RunningEmulator['stats']['snapshot']>;

export interface EmulatorFixture {
  /** The scratch folder (set once `before` has run). */
  readonly dir: string;
  readonly emu: RunningEmulator;
  /** A file of `size` random bytes in a folder of its own. */
  file(size: number, name?: string): { path: string; bytes: Buffer };
  /** The emulator's counters once they stand still (a part whose body had fully arrived may still be stored after the client stopped). */
  settled(): Promise<EmulatorStats>;
}

/** Registers the fixture's before/after/beforeEach hooks in the calling test file. */
export function useEmulator(prefix: string, onAfter?: () => void): EmulatorFixture {
  let dir = '';
  let emu: RunningEmulator | undefined;
  let count = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    emu = await startEmulator({ dataDir: join(dir, 'emulator'), port: 0, log: () => {}, rateLimit: 0 });
  });
  after(async () => {
    onAfter?.();
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    emu!.faults.reset();
    emu!.stats.reset();
  });
  return {
    get dir() {
      return dir;
    },
    get emu() {
      return emu!;
    },
    file(size, name = 'clip.mp4') {
      const folder = join(dir, `f${count++}`);
      mkdirSync(folder);
      const path = join(folder, name);
      const bytes = randomBytes(size);
      writeFileSync(path, bytes);
      return { path, bytes };
    },
    async settled() {
      let before = JSON.stringify(emu!.stats.snapshot());
      for (let quiet = 0, i = 0; quiet < 5 && i < 500; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const now = JSON.stringify(emu!.stats.snapshot());
        quiet = now === before ? quiet + 1 : 0;
        before = now;
      }
      return JSON.parse(before) as EmulatorStats;
    },
  };
}
