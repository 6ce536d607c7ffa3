/**
 * The emulator as a Hono app: VOD API 3.0 on `POST /`, COS under `/cos/{Bucket}/…`, media under
 * `/media/{FileId}/…`, and the test control routes under `/__emulator/…`. Usable without a port through
 * `app.request()`; {@link startEmulator} serves it on loopback.
 * @module
 */
import { Hono } from 'hono';
import { Core } from './core.ts';
import { createCosHandler } from './cos/router.ts';
import { ConnectionCut } from './errors.ts';
import { parseFaultRule, type Faults } from './faults.ts';
import { corsHeaders, nodeIncoming, preflight, type EmulatorEnv } from './http.ts';
import { newCosRequestId } from './ids.ts';
import { createMediaHandler } from './media.ts';
import { resolveOptions, type EmulatorOptions } from './options.ts';
import type { Stats } from './stats.ts';
import { createVodHandler } from './vod/router.ts';

export interface Emulator {
  /** The Hono app; `app.request()` works without a server. */
  app: Hono<EmulatorEnv>;
  /** Fault injection (also at `POST/DELETE /__emulator/faults`). */
  faults: Faults;
  /** Request counters (also at `GET/DELETE /__emulator/stats`). */
  stats: Stats;
  /** Ends long polls and flushes the state to disk. The app must not be used afterwards. */
  close(): Promise<void>;
  /** @internal Shared state, for startEmulator. */
  core: Core;
}

/**
 * Creates the emulator over a data dir (loading its state, if any).
 *
 * @example
 * const { app, close } = createEmulator({ dataDir: '/tmp/vod', log: () => {} });
 * const res = await app.request('http://127.0.0.1/cos/…', { method: 'PUT', body, headers });
 * await close();
 */
export function createEmulator(options: EmulatorOptions): Emulator {
  const core = new Core(resolveOptions(options));
  const app = new Hono<EmulatorEnv>();
  const log = core.options.log;

  app.use('*', async function logAndCors(c, next) {
    const started = performance.now();
    let cut = false;
    try {
      await next();
    } catch (error) {
      if (!(error instanceof ConnectionCut)) throw error;
      cut = true;
    }
    const ms = (performance.now() - started).toFixed(1);
    if (cut) {
      log(`${c.req.method} ${c.get('op') ?? '-'} cut ${ms}ms`);
      // Served by Node, the socket is already destroyed and this is never sent. Under app.request() the
      // caller gets a body that fails to read, the closest a Response comes to a dropped connection.
      c.res = nodeIncoming(c)
        ? new Response(null, { status: 500 })
        : new Response(new ReadableStream({ start: (ctl) => ctl.error(new TypeError('network error: connection cut by an injected fault')) }), { status: 500 });
      return;
    }
    const res = c.res;
    if (res.type !== 'error') {
      for (const [k, v] of Object.entries(corsHeaders(c.req.header('origin')))) res.headers.set(k, v);
      if (!res.headers.has('x-cos-request-id') && !c.req.path.startsWith('/__emulator/') && c.req.path !== '/') {
        res.headers.set('x-cos-request-id', newCosRequestId());
      }
    }
    log(`${c.req.method} ${c.get('op') ?? '-'} ${res.status} ${ms}ms`);
  });

  app.options('*', (c) => {
    c.set('op', 'Preflight');
    return preflight(c);
  });

  // Test control routes: always on, CORS for any origin (the browser tests drive faults and read stats).
  app.get('/__emulator/stats', (c) => {
    c.set('op', 'Control');
    return c.json(core.stats.snapshot());
  });
  app.delete('/__emulator/stats', (c) => {
    c.set('op', 'Control');
    core.stats.reset();
    return c.body(null, 204);
  });
  app.get('/__emulator/faults', (c) => {
    c.set('op', 'Control');
    return c.json(core.faults.list());
  });
  app.post('/__emulator/faults', async (c) => {
    c.set('op', 'Control');
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: 'the body must be a JSON fault rule' }, 400);
    }
    const rule = parseFaultRule(body);
    if (typeof rule === 'string') return c.json({ error: rule }, 400);
    core.faults.add(rule);
    return c.body(null, 204);
  });
  app.delete('/__emulator/faults', (c) => {
    c.set('op', 'Control');
    core.faults.reset();
    return c.body(null, 204);
  });

  app.post('/', createVodHandler(core));
  app.all('/cos/*', createCosHandler(core));
  app.on(['GET', 'HEAD'], '/media/:fileId/:file', createMediaHandler(core));

  app.notFound((c) => {
    c.set('op', 'NotFound');
    return c.json({ error: 'not found' }, 404);
  });
  app.onError((error, c) => {
    if (error instanceof ConnectionCut) throw error;
    log(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    return c.json({ error: 'internal error' }, 500);
  });

  return { app, faults: core.faults, stats: core.stats, close: () => core.close(), core };
}
