/**
 * VOD API 3.0 on `POST /`: the action from `X-TC-Action`, TC3-HMAC-SHA256 verified like the cloud (scope from
 * `Credential=`, port stripped from host, ±5 min), a token bucket per action, parameter checks, then the
 * action. Every answer is HTTP 200 with `{"Response":{…,"RequestId"}}`; errors carry `Response.Error`.
 * @module
 */
import { VOD_ACTIONS, VOD_API_VERSION, verifyTc3, type VodAction } from '@vod-uploader/tencent';
import type { Core } from '../core.ts';
import { ConnectionCut, VodError } from '../errors.ts';
import { readSmallBody, sleep, type Ctx } from '../http.ts';
import { newRequestId } from '../ids.ts';
import { EventQueue } from './events.ts';
import { deleteMedia, describeMediaInfos, modifyMediaInfo, searchMedia } from './media.ts';
import { checkParams } from './params.ts';
import { createRateLimiter } from './rate-limit.ts';
import { mediaUrls, type MediaUrls } from './render.ts';
import { applyUpload, checkSubAppId, commitUpload } from './upload.ts';

/** API 3.0 with TC3 accepts bodies up to 10 MB. */
const MAX_BODY = 10 * 1024 * 1024;

function envelope(c: Ctx, requestId: string, response: Record<string, unknown>, status = 200, headers: Record<string, string> = {}): Response {
  const traceId = c.req.header('x-tc-traceid');
  return new Response(JSON.stringify({ Response: { ...response, RequestId: requestId } }), {
    status,
    headers: { 'Content-Type': 'application/json', ...(traceId ? { 'X-TC-TraceId': traceId } : {}), ...headers },
  });
}

export function vodErrorResponse(c: Ctx, requestId: string, code: string, message: string, status = 200, headers?: Record<string, string>): Response {
  return envelope(c, requestId, { Error: { Code: code, Message: message } }, status, headers);
}

const isAction = (name: string): name is VodAction => (VOD_ACTIONS as readonly string[]).includes(name);

export function createVodHandler(core: Core) {
  const events = new EventQueue(core);
  const limiter = createRateLimiter(core.options.rateLimit, () => core.nowMs());

  async function run(action: VodAction, params: Record<string, unknown>, urls: MediaUrls): Promise<Record<string, unknown>> {
    switch (action) {
      case 'ApplyUpload':
        return { ...(await applyUpload(core, params)) };
      case 'CommitUpload':
        return { ...(await commitUpload(core, events, params, urls)) };
      case 'DescribeMediaInfos':
        return { ...describeMediaInfos(core, params, urls) };
      case 'SearchMedia':
        return { ...searchMedia(core, params, urls) };
      case 'ModifyMediaInfo':
        return { ...(await modifyMediaInfo(core, params, urls)) };
      case 'DeleteMedia':
        return { ...(await deleteMedia(core, events, params)) };
      case 'PullEvents':
        checkSubAppId(core, params.SubAppId);
        return { ...(await events.pull(urls)) };
      case 'ConfirmEvents':
        checkSubAppId(core, params.SubAppId);
        return { ...(await events.confirm(params.EventHandles as string[])) };
    }
  }

  return async function vod(c: Ctx): Promise<Response> {
    const requestId = newRequestId();
    const fail = (e: VodError) => vodErrorResponse(c, requestId, e.code, e.message);
    const actionName = c.req.header('x-tc-action') ?? '';
    const op = actionName && isAction(actionName) ? actionName : actionName ? 'UnknownAction' : 'VOD';
    c.set('op', op);
    core.stats.op(op);
    try {
      const fault = isAction(actionName) ? core.faults.take(actionName) : undefined;
      let cutAfter: number | undefined;
      if (fault?.type === 'status') {
        const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {};
        return vodErrorResponse(c, requestId, fault.code ?? 'InternalError', fault.message ?? 'Injected fault.', fault.status, headers);
      }
      if (fault?.type === 'delay') await sleep(fault.ms);
      if (fault?.type === 'cut') cutAfter = fault.afterBytes ?? Math.floor(Number(c.req.header('content-length') ?? 0) / 2);

      const body = await readSmallBody(c, MAX_BODY, { cutAfter });
      if (body === 'too-large') throw new VodError('RequestSizeLimitExceeded', `The request body is larger than ${MAX_BODY} bytes.`);
      if (!actionName) throw new VodError('MissingParameter', 'The request is missing a required parameter `Action`.');
      const version = c.req.header('x-tc-version');
      if (!version) throw new VodError('MissingParameter', 'The request is missing a required parameter `Version`.');

      const url = new URL(c.req.url);
      const headers = new Headers(c.req.raw.headers);
      if (!headers.has('host')) headers.set('host', url.host);
      const auth = await verifyTc3({
        method: c.req.method,
        path: url.pathname,
        query: url.search.slice(1),
        headers,
        body,
        lookupSecret: (id) => (id === core.options.secretId ? core.options.secretKey : undefined),
        now: core.nowSeconds(),
      });
      if (!auth.ok) throw new VodError(auth.code, auth.message);

      if (!isAction(actionName)) throw new VodError('InvalidAction', `The action \`${actionName}\` does not exist or is not supported by the emulator.`);
      if (version !== VOD_API_VERSION) throw new VodError('NoSuchVersion', `The API version \`${version}\` does not exist; use ${VOD_API_VERSION}.`);
      if (c.req.method !== 'POST') throw new VodError('UnsupportedProtocol', 'The emulator accepts POST with a JSON body only.');
      if (!limiter.take(actionName)) {
        throw new VodError(
          'RequestLimitExceeded',
          `Your current request rate exceeds the frequency limit of ${core.options.rateLimit} requests per second for ${actionName}. Please reduce the frequency of calls.`,
        );
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
      } catch {
        throw new VodError('InvalidParameter', 'The request body is not valid JSON.');
      }
      const params = checkParams(actionName, parsed);
      const origin = core.publicUrl ?? url.origin;
      return envelope(c, requestId, await run(actionName, params, mediaUrls(origin)));
    } catch (error) {
      if (error instanceof VodError) return fail(error);
      if (error instanceof ConnectionCut) throw error;
      return fail(new VodError('InternalError', `Internal error: ${error instanceof Error ? error.message : String(error)}`));
    }
  };
}
