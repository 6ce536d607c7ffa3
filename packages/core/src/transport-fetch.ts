/**
 * The `fetch` transport for storage requests (see `createFetchTransport` in `transport.ts`, which loads this module
 * on first use): runtimes without XHR (workers, Deno, Bun; Node's default is `transport-node.ts`). It imports nothing
 * from the engine at run time: it is handed the clock and how to fail.
 * @module
 */
import type { Clock } from './clock.ts';
import type { Failures } from './errors.ts';
import type { FetchLike, Transport } from './transport.ts';

/** The `fetch` transport (what `createFetchTransport` resolves to). */
export function fetchTransport(fetchImpl: FetchLike | undefined, clock: Clock, { error, aborted }: Failures): Transport {
  return async (request) => {
    const { signal, timeout } = request;
    if (signal?.aborted) throw aborted(signal);
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = timeout ? clock.setTimeout(() => ((timedOut = true), controller.abort()), timeout) : undefined;
    try {
      const response = await (fetchImpl ?? globalThis.fetch)(request.url, {
        method: request.method,
        headers: Object.entries(request.headers).filter(([name]) => !/^(host|content-length)$/i.test(name)),
        body: request.body,
        signal: controller.signal,
      });
      const text = await response.text();
      if (response.ok) request.onProgress?.(request.body instanceof Blob ? request.body.size : request.body.byteLength);
      return { status: response.status, header: (name) => response.headers.get(name), text };
    } catch (cause) {
      if (signal?.aborted) throw aborted(signal);
      throw timedOut
        ? error('timeout', 'Storage request timed out.', { cause })
        : error('network', 'Storage request failed: network error.', { cause });
    } finally {
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  };
}
