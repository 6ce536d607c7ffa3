/**
 * The media URLs VOD returns (`MediaUrl`, `CoverUrl`): `GET|HEAD /media/{FileId}/{file}` serves the stored
 * bytes with the Content-Type of the extension and Range support, so a `<video>` can seek. CORS allows any
 * origin. Fault op: `Media`.
 * @module
 */
import type { Core } from './core.ts';
import { cosErrorResponse, defaultCosCode } from './cos/common.ts';
import { serveBytes } from './cos/objects.ts';
import { ConnectionCut, CosError } from './errors.ts';
import { cutConnection, sleep, type Ctx } from './http.ts';
import { newCosRequestId } from './ids.ts';
import { fileName } from './vod/render.ts';

export function createMediaHandler(core: Core) {
  return async function media(c: Ctx): Promise<Response> {
    const requestId = newCosRequestId();
    c.set('op', 'Media');
    core.stats.op('Media');
    const url = new URL(c.req.url);
    try {
      const fault = core.faults.take('Media');
      if (fault?.type === 'status') {
        throw new CosError(fault.status, fault.code ?? defaultCosCode(fault.status), fault.message ?? 'Injected fault.', {
          headers: fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : undefined,
        });
      }
      if (fault?.type === 'delay') await sleep(fault.ms);
      if (fault?.type === 'cut') {
        cutConnection(c);
        throw new ConnectionCut();
      }
      // From the raw path: names are URL-encoded once (`encodeURIComponent`), decode them exactly once.
      const [, , rawId = '', rawName = ''] = url.pathname.split('/');
      let fileId: string;
      let name: string;
      try {
        fileId = decodeURIComponent(rawId);
        name = decodeURIComponent(rawName);
      } catch {
        throw new CosError(400, 'InvalidURI', "Couldn't parse the specified URI.");
      }
      const m = core.store.state.media[fileId];
      const source = !m
        ? undefined
        : name === fileName(m.mediaKey)
          ? { size: m.size, chunks: m.chunks, contentType: m.contentType, crc64: m.crc64, etag: `"${m.md5}"` }
          : m.cover && name === m.cover.name
            ? { size: m.cover.chunks.reduce((n, ch) => n + ch.size, 0), chunks: m.cover.chunks, contentType: m.cover.contentType }
            : undefined;
      if (!m || !source) throw new CosError(404, 'NoSuchKey', 'The specified key does not exist.');
      const response = serveBytes(core, c.req.method, c.req.header('range'), { ...source, lastModified: m.updateTime });
      response.headers.set('x-cos-request-id', requestId);
      return response;
    } catch (error) {
      if (error instanceof CosError) return cosErrorResponse(c, requestId, `${url.host}${url.pathname}`, error);
      throw error;
    }
  };
}
