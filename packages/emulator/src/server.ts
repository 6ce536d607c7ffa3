/**
 * Serving the emulator on a loopback port with @hono/node-server, and shutting it down cleanly.
 * @module
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createEmulator, type Emulator } from './app.ts';
import type { EmulatorOptions } from './options.ts';

export interface StartOptions extends EmulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1 (loopback only). */
  host?: string;
}

/** What a client needs to talk to the emulator (the CLI prints this as one JSON line). */
export interface EmulatorInfo {
  /** VOD API endpoint, `http://127.0.0.1:PORT` (give the SDK `127.0.0.1:PORT` and protocol `http://`). */
  vodEndpoint: string;
  /** The COS SDK's `Domain` option (`127.0.0.1:PORT/cos/{Bucket}`), used with `Protocol: 'http:'`. */
  cosDomain: string;
  secretId: string;
  secretKey: string;
  appId: string;
}

export interface RunningEmulator extends Omit<Emulator, 'close' | 'core'> {
  info: EmulatorInfo;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Stops listening, ends open connections (after a short grace period) and flushes the state. */
  close(): Promise<void>;
}

/** How long in-flight requests may finish when closing before their connections are cut. */
const CLOSE_GRACE_MS = 1000;

/**
 * Starts the emulator on loopback.
 *
 * @example
 * const emu = await startEmulator({ dataDir, port: 0, log: () => {} });
 * // emu.info.vodEndpoint, emu.info.cosDomain, …
 * await emu.close();
 */
export async function startEmulator(options: StartOptions): Promise<RunningEmulator> {
  const { port = 0, host = '127.0.0.1', ...rest } = options;
  const emulator = createEmulator(rest);
  const { core } = emulator;
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      // No request timeout: a large upload over a slow link may take longer than Node's default 300 s.
      const s = serve(
        { fetch: emulator.app.fetch, port, hostname: host, overrideGlobalObjects: false, serverOptions: { requestTimeout: 0 } },
        () => resolve(s as Server),
      ) as Server;
      s.once('error', reject);
    });
  } catch (error) {
    await emulator.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  const hostPort = `${urlHost}:${address.port}`;
  const url = `http://${hostPort}`;
  core.publicUrl ??= url;
  const info: EmulatorInfo = {
    vodEndpoint: url,
    cosDomain: `${hostPort}/cos/{Bucket}`,
    secretId: core.options.secretId,
    secretKey: core.options.secretKey,
    appId: core.options.appId,
  };
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      core.beginClose();
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      await stopped;
      clearTimeout(force);
      await emulator.close();
    })());
  return { app: emulator.app, faults: emulator.faults, stats: emulator.stats, info, url, close };
}
