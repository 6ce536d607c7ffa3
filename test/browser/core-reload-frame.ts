// The page core-reload.test.ts loads in an <iframe> and reloads mid-upload: the engine with its browser defaults
// (hash worker, XHR, IndexedDB resume store under the test's database name) uploads the File picked into #file
// through the real signer, run in this page, to the emulator. The test drives it through `window.engineFrame`.
import { Hono } from 'hono';
import { type UploadResult, type UploadState, createIdbResumeStore, createSignerClient, createUpload } from '@vod-uploader/core';
import { createSigner } from '@vod-uploader/signer';

export interface FrameStart {
  emulator: { vodEndpoint: string; cosDomain: string; secretId: string; secretKey: string };
  sessionSecret: string;
  db: string;
  partSize: number;
  concurrency: number;
}

export interface EngineFrame {
  start(options: FrameStart): void;
  state?: UploadState;
  result?: UploadResult;
  error?: string;
}

const frame: EngineFrame = {
  start({ emulator, sessionSecret, db, partSize, concurrency }) {
    const app = createSigner({
      secretId: emulator.secretId,
      secretKey: emulator.secretKey,
      sessionSecret,
      vodEndpoint: emulator.vodEndpoint,
      cosEndpoint: `http://${emulator.cosDomain}`,
      rateLimit: false,
      instant: false,
    });
    const host = new Hono();
    host.route('/vod', app);
    const signer = createSignerClient({ url: 'http://signer.invalid/vod', fetch: async (input, init) => host.fetch(new Request(input, init)) });
    const file = (document.querySelector('#file') as HTMLInputElement).files![0]!;
    const upload = createUpload({ file, signer, partSize, concurrency, resume: createIdbResumeStore({ name: db }) });
    upload.subscribe((state) => (frame.state = state));
    upload.start().then(
      (result) => (frame.result = result),
      (error: unknown) => (frame.error = String(error)),
    );
  },
};

(window as unknown as { engineFrame: EngineFrame }).engineFrame = frame;
