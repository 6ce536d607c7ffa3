/**
 * The `fetch` transport for storage requests (see `createFetchTransport` in `transport.ts`, which loads this module
 * on first use): runtimes without XHR (workers, Deno, Bun; Node's default is `transport-node.ts`). It imports nothing
 * from the engine at run time but `clock.ts` and `errors.ts` (which the other chunks loaded on demand share).
 * @module
 */
import { type Clock, abortReason, systemClock } from './clock.ts';
import { ErrorCode, UploadError } from './errors.ts';
import type { FetchLike, Transport } from './transport.ts';

/** The `fetch` transport (what `createFetchTransport` resolves to). */
export function fetchTransport(fetchImpl?: FetchLike, clock: Clock = systemClock): Transport {
  return async (request) => {
    const { signal, timeout } = request;
    if (signal?.aborted) throw abortReason(signal);
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
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      if (timedOut) throw new UploadError(ErrorCode.TIMEOUT, 'Storage request timed out.', { cause: error });
      throw new UploadError(ErrorCode.NETWORK, 'Storage request failed: network error.', { cause: error });
    } finally {
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  };
}
