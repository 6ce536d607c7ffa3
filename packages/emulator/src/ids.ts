/**
 * Identifiers the emulator hands out: request ids, FileIds, session keys, upload ids, credentials. All random
 * parts come from `node:crypto`; nothing here looks like a real Tencent key (no `AKID…`).
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** A RequestId as VOD sends it: a UUID. */
export const newRequestId = (): string => randomUUID();

/** Random lower-case hex of `bytes` bytes. */
export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A COS request id (`x-cos-request-id`): base64 of random bytes, like the cloud's. */
export const newCosRequestId = (): string => randomBytes(18).toString('base64');

/**
 * The first FileId of a new data dir: 19 digits like the cloud's (`5285890784273533167`), random in the low
 * digits so that two data dirs rarely share ids. FileIds are this plus a counter, so they sort by creation.
 */
export function newFileIdBase(): string {
  return (5285890000000000000n + (BigInt(`0x${randomHex(6)}`) % 1_000_000_000n) * 1_000_000n).toString();
}

/** The `sequence`-th FileId of a data dir. */
export function fileIdAt(base: string, sequence: number): string {
  return (BigInt(base) + BigInt(sequence)).toString();
}
