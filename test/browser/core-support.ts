// What the core browser tests share: the emulator of the run, the real signer (createSigner) run inside the page
// behind an in-memory fetch, the emulator's control routes, disk-backed picked files and SHA-1 of served media.
import { executeServerCommand } from '@web/test-runner-commands';
import { createSHA1 } from 'hash-wasm';
import { Hono } from 'hono';
import { type SignerClient, createSignerClient } from '@vod-uploader/core';
import { type SignerOptions, createSigner } from '@vod-uploader/signer';

export const MIB = 1024 * 1024;

export interface EmulatorInfo {
  vodEndpoint: string;
  cosDomain: string;
  secretId: string;
  secretKey: string;
  url: string;
}

export interface PickedFile {
  sha1: string;
  size: number;
  /** The file on disk (to pick it again, e.g. after a reload). */
  path: string;
}

export const SESSION_SECRET = 'browser-engine-test-session-secret-0123456789';

export function emulatorInfo(): Promise<EmulatorInfo> {
  return executeServerCommand<EmulatorInfo, undefined>('emulator');
}

/** The real signer, run in this page (or frame) against the emulator; the engine reaches it through `fetch`. */
export function inPageSigner(emulator: Omit<EmulatorInfo, 'url'>, options: Partial<SignerOptions> = {}): SignerClient {
  const app = createSigner({
    secretId: emulator.secretId,
    secretKey: emulator.secretKey,
    sessionSecret: SESSION_SECRET,
    vodEndpoint: emulator.vodEndpoint,
    cosEndpoint: `http://${emulator.cosDomain}`,
    rateLimit: false,
    ...options,
    policy: { singleThreshold: MIB, ...options.policy },
  });
  const host = new Hono();
  host.route('/vod', app);
  return createSignerClient({ url: 'http://signer.invalid/vod', fetch: async (input, init) => host.fetch(new Request(input, init)) });
}

/** The emulator's `/__emulator/<path>` control route (stats, faults). */
export async function control(emulator: EmulatorInfo, path: string, init?: RequestInit): Promise<any> {
  const res = await fetch(`${emulator.url}/__emulator/${path}`, init);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

export function addFault(emulator: EmulatorInfo, rule: unknown): Promise<void> {
  return control(emulator, 'faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
}

/**
 * `pick-file`: a random file of `mib` MiB on disk (or the file at `path` again) put into the input at `selector`
 * (inside the iframe at `frame`, if given). Big files take a few calls (each server command answers within 20 s).
 */
export async function pickFile(payload: { selector: string; mib?: number; name?: string; frame?: string; path?: string }): Promise<PickedFile> {
  let request = { ...payload };
  for (let call = 0; call < 20; call++) {
    const answer = await executeServerCommand<PickedFile | { pending: true; name: string }, typeof request>('pick-file', request);
    if (!('pending' in answer)) return answer;
    request = { ...request, name: answer.name };
  }
  throw new Error('pick-file: the file was not made in time');
}

/** Deletes a picked file now rather than at the end of the run. */
export async function removePicked(path: string): Promise<void> {
  await executeServerCommand<boolean, { path: string }>('pick-file-remove', { path });
}

/** Picks a file into a fresh <input type=file> of this page and returns the File. */
export async function pick(mib: number): Promise<PickedFile & { file: File }> {
  const input = document.createElement('input');
  input.type = 'file';
  input.id = `pick-${Math.random().toString(36).slice(2)}`;
  document.body.append(input);
  try {
    const picked = await pickFile({ selector: `#${input.id}`, mib, name: `${input.id}.mp4` });
    return { ...picked, file: input.files![0]! };
  } finally {
    input.remove();
  }
}

/** SHA-1 (hex) and size of what a URL serves, streamed through hash-wasm (never held whole). */
export async function sha1OfUrl(url: string): Promise<{ sha1: string; size: number; status: number }> {
  const res = await fetch(url);
  const hasher = await createSHA1();
  hasher.init();
  let size = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hasher.update(value);
    size += value.byteLength;
  }
  return { sha1: hasher.digest('hex'), size, status: res.status };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `test` every 10 ms until it is truthy or `ms` have passed; returns its last value. */
export async function until<T>(test: () => T, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let value = test();
  while (!value && Date.now() < end) {
    await sleep(10);
    value = test();
  }
  return value;
}
