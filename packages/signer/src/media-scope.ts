/**
 * Who may see which media. VOD has no owner field, so the signer marks what it uploads: after CommitUpload
 * it adds a reserved tag derived from the session's scope (`vu-` + 13 base32 characters of SHA-256(scope)),
 * and `vu-proc` when the upload asked for a task flow. Scoped media routes search by that tag (SearchMedia
 * `Tags`, so paging stays exact) and answer `404 not_found` for any media without it. Clients can neither
 * add nor remove reserved tags (`PATCH` refuses them) and never see them in a Video's `tags`.
 *
 * Why a tag and not `SourceContext`: SearchMedia cannot filter on SourceContext (a scoped list would have to
 * scan the whole account), and hosts already use SourceContext for their own ids (events echo it).
 * @module
 */
import { sha256Hex } from '@vod-uploader/tencent';
import { SignerError } from './errors.ts';
import type { Authorization, Runtime } from './runtime.ts';
import type { SessionData } from './session.ts';
import { call } from './upstream.ts';

/** Every reserved tag starts with this; clients may not use it. */
export const RESERVED_TAG_PREFIX = 'vu-';
/** Marks media whose upload asked for a task flow (`Procedure`): not ready before its first output. */
export const PROCEDURE_TAG = 'vu-proc';
/** VOD's cap of tags per media file. */
export const MAX_TAGS = 16;
/** VOD's cap of one tag's length. */
export const MAX_TAG_LENGTH = 32;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** The reserved tag of a scope: 16 characters (SearchMedia's tag cap), 65 bits of SHA-256(scope). */
export async function scopeTag(scope: string): Promise<string> {
  const hex = await sha256Hex(`vod-uploader scope\n${scope}`);
  let bits = 0;
  let value = 0;
  let out = RESERVED_TAG_PREFIX;
  for (let i = 0; out.length < 16; i += 2) {
    value = (value << 8) | parseInt(hex.slice(i, i + 2), 16);
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      bits -= 5;
      out += BASE32[(value >>> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

export const isReservedTag = (tag: string): boolean => tag.startsWith(RESERVED_TAG_PREFIX);

/** The media grant of a caller, checked for a read or a write: `forbidden` when it has none. */
export function requireMedia(auth: Authorization, need: 'read' | 'write'): 'own' | 'all' {
  const grant = auth.media;
  if (grant === undefined || grant === false) {
    throw new SignerError('forbidden', 'Media management is not enabled for this caller.');
  }
  if (grant !== true && grant !== 'read' && grant !== 'all') throw new SignerError('internal', 'authorize() returned an unknown media grant.');
  if (need === 'write' && grant === 'read') throw new SignerError('forbidden', 'This caller may only read media.');
  return grant === 'all' ? 'all' : 'own';
}

/** The reserved tags a completed session's media gets. */
export async function sessionTags(session: SessionData): Promise<string[]> {
  const tags = [await scopeTag(session.scope)];
  if (session.proc) tags.push(PROCEDURE_TAG);
  return tags;
}

/** Adds the reserved tags to a committed media file (idempotent: VOD ignores tags it already has). */
export async function stampMedia(rt: Runtime, fileId: string, tags: string[], subAppId: number | undefined): Promise<void> {
  await call('ModifyMediaInfo', () => rt.vod.modifyMediaInfo({ FileId: fileId, AddTags: tags, SubAppId: subAppId }), rt.options.retry);
}
