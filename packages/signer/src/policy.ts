/**
 * The server's upload policy: sizes, accepted types, which ApplyUpload options a client may set, server-side
 * defaults and forced values, and the part plan (single PUT or multipart, part size within COS's bounds).
 * @module
 */
import { SignerError } from './errors.ts';
import { AUDIO_TYPES, IMAGE_TYPES, VIDEO_TYPES } from './media-type.ts';
import { DEFAULT_NAME_BYTES, safeMediaName } from './names.ts';
import { integer, object, string, type Json } from './validate.ts';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** COS: parts are 1 MiB–5 GiB (the last may be smaller), at most 10,000 of them; one PUT is at most 5 GiB. */
export const MIN_PART_SIZE = MiB;
export const MAX_PART_SIZE = 5 * GiB;
export const MAX_PARTS = 10_000;
export const MAX_SINGLE_SIZE = 5 * GiB;

/** The ApplyUpload options a request may carry (`options` in `POST /uploads`). */
export interface UploadOptions {
  mediaName?: string;
  procedure?: string;
  classId?: number;
  /** ISO 8601, in the future. */
  expireTime?: string;
  sourceContext?: string;
  sessionContext?: string;
  storageRegion?: string;
  subAppId?: number;
}

export type UploadOption = keyof UploadOptions;

export const UPLOAD_OPTIONS: readonly UploadOption[] = [
  'mediaName', 'procedure', 'classId', 'expireTime', 'sourceContext', 'sessionContext', 'storageRegion', 'subAppId',
];

export interface UploadPolicy {
  /** Largest media file, bytes. Default 20 GiB. */
  maxSize: number;
  /** Largest cover image, bytes. Default 10 MiB. */
  maxCoverSize: number;
  /** Accepted media types (extensions). Default: every video and audio type VOD takes. */
  mediaTypes: readonly string[];
  /** Accepted cover types. Default: bmp, gif, jpeg, jpg, png, webp. */
  coverTypes: readonly string[];
  /**
   * Options a client may set. Default `['mediaName', 'classId', 'expireTime']`: procedure (cost), storage region
   * (location, cost), contexts (hosts often trust them in event handlers) and sub-application (tenancy) are the
   * server's unless you allow them.
   */
  clientOptions: readonly UploadOption[];
  /** Values used when the client sets none. */
  defaults: UploadOptions;
  /** Values that always win over the client's (e.g. a forced `procedure`). */
  forced: UploadOptions;
  /** Files up to this size go up in one PUT. Default 8 MiB (≤ 5 GiB). */
  singleThreshold: number;
  /** Part size when the client states no preference. Default 8 MiB. */
  defaultPartSize: number;
  /** Whether progressive uploads (`stream: true`, size unknown) are allowed. Default true. */
  allowStream: boolean;
  /** Cap of media names, UTF-8 bytes. Default 120. */
  maxNameBytes: number;
}

export const DEFAULT_POLICY: UploadPolicy = {
  maxSize: 20 * GiB,
  maxCoverSize: 10 * MiB,
  mediaTypes: [...VIDEO_TYPES, ...AUDIO_TYPES],
  coverTypes: [...IMAGE_TYPES],
  clientOptions: ['mediaName', 'classId', 'expireTime'],
  defaults: {},
  forced: {},
  singleThreshold: 8 * MiB,
  defaultPartSize: 8 * MiB,
  allowStream: true,
  maxNameBytes: DEFAULT_NAME_BYTES,
};

/** Limits an `authorize` hook may set for a scope. They only narrow the server policy. */
export interface ScopeLimits {
  maxSize?: number;
  maxCoverSize?: number;
  mediaTypes?: readonly string[];
  clientOptions?: readonly UploadOption[];
  allowStream?: boolean;
}

/** The server policy narrowed by a scope's limits. */
export function effectivePolicy(policy: UploadPolicy, limits: ScopeLimits | undefined): UploadPolicy {
  if (!limits) return policy;
  return {
    ...policy,
    maxSize: Math.min(policy.maxSize, limits.maxSize ?? Infinity),
    maxCoverSize: Math.min(policy.maxCoverSize, limits.maxCoverSize ?? Infinity),
    mediaTypes: limits.mediaTypes ? policy.mediaTypes.filter((t) => limits.mediaTypes!.includes(t)) : policy.mediaTypes,
    clientOptions: limits.clientOptions ? policy.clientOptions.filter((o) => limits.clientOptions!.includes(o)) : policy.clientOptions,
    allowStream: policy.allowStream && (limits.allowStream ?? true),
  };
}

/** Checks a policy's numbers once, at start-up. */
export function checkPolicy(policy: UploadPolicy): void {
  const bad = (what: string) => {
    throw new TypeError(`createSigner: policy.${what}`);
  };
  if (!(policy.maxSize >= 1) || policy.maxSize > MAX_PART_SIZE * MAX_PARTS) bad('maxSize must be 1 B … 48.8 TiB');
  if (!(policy.maxCoverSize >= 1) || policy.maxCoverSize > MAX_SINGLE_SIZE) bad('maxCoverSize must be 1 B … 5 GiB');
  if (!(policy.singleThreshold >= 0) || policy.singleThreshold > MAX_SINGLE_SIZE) bad('singleThreshold must be 0 … 5 GiB');
  if (!(policy.defaultPartSize >= MIN_PART_SIZE && policy.defaultPartSize <= MAX_PART_SIZE)) bad('defaultPartSize must be 1 MiB … 5 GiB');
  for (const o of policy.clientOptions) if (!UPLOAD_OPTIONS.includes(o)) bad(`clientOptions has an unknown option "${o}"`);
  resolveOptions(undefined, policy, {}, 'policy.defaults', policy.defaults);
  resolveOptions(undefined, policy, {}, 'policy.forced', policy.forced);
}

// ---------------------------------------------------------------------------------------------------------
// Options

/** Validates one option value; returns it normalized. */
function optionValue(name: UploadOption, value: unknown, path: string, maxNameBytes: number): string | number {
  switch (name) {
    case 'mediaName': {
      const raw = string(value, path, { min: 1, max: 1000 });
      const clean = safeMediaName(raw, maxNameBytes);
      if (!clean) throw new SignerError('invalid_request', `${path} has no usable characters.`);
      return clean;
    }
    case 'procedure':
      return string(value, path, { min: 1, max: 128, pattern: /^[^\u0000-\u001f\u007f]+$/, patternText: 'a task-flow name without control characters' });
    case 'classId':
      return integer(value, path, { min: 0, max: 2 ** 31 - 1 });
    case 'expireTime': {
      const text = string(value, path, { min: 1, max: 40, pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, patternText: 'an ISO 8601 time like 2030-01-01T00:00:00Z' });
      const t = Date.parse(text);
      if (!Number.isFinite(t)) throw new SignerError('invalid_request', `${path} is not a valid time.`);
      if (t <= Date.now()) throw new SignerError('invalid_request', `${path} must be in the future.`);
      return text;
    }
    case 'sourceContext':
      return string(value, path, { max: 250 });
    case 'sessionContext':
      return string(value, path, { max: 1000 });
    case 'storageRegion':
      return string(value, path, { min: 1, max: 32, pattern: /^[a-z]{2,8}(-[a-z]+)+(-\d+)?$/, patternText: 'a region like ap-chongqing' });
    case 'subAppId':
      return integer(value, path, { min: 1, max: 2 ** 32 - 1 });
  }
}

/**
 * The options of one upload: the server's `forced` values, then what the scope forces, then the client's (each
 * only if the policy lets a client set it: else `policy_option`), then the server's `defaults`.
 */
export function resolveOptions(
  client: unknown,
  policy: UploadPolicy,
  scopeForced: UploadOptions,
  path = 'options',
  defaults: UploadOptions = policy.defaults,
): UploadOptions {
  const out: Record<string, string | number> = {};
  const put = (source: Record<string, unknown>, where: string) => {
    for (const [name, value] of Object.entries(source)) {
      if (value === undefined) continue;
      // Validated even when a higher layer already set it: a malformed value is an error either way.
      const v = optionValue(name as UploadOption, value, `${where}.${name}`, policy.maxNameBytes);
      if (!(name in out)) out[name] = v;
    }
  };
  const checkNames = (source: object, where: string) => object(source, where, UPLOAD_OPTIONS);
  put(checkNames(policy.forced, 'policy.forced'), 'policy.forced');
  put(checkNames(scopeForced, 'authorize().options'), 'authorize().options');
  if (client !== undefined) {
    const c: Json = object(client, path, UPLOAD_OPTIONS);
    for (const name of Object.keys(c)) {
      if (c[name] === undefined) continue;
      if (!policy.clientOptions.includes(name as UploadOption)) {
        throw new SignerError('policy_option', `${path}.${name} may not be set by clients on this server.`);
      }
    }
    put(c, path);
  }
  put(checkNames(defaults, 'policy.defaults'), 'policy.defaults');
  return out as UploadOptions;
}

// ---------------------------------------------------------------------------------------------------------
// Part plan

export interface UploadPlan {
  strategy: 'single' | 'multipart';
  /** Bytes per part (the whole file for `single`). */
  partSize: number;
  /** Number of parts (1 for `single`), null for a stream of unknown size. */
  partCount: number | null;
  /** Highest part number a client may sign: partCount, or for a stream the 10,000 cap narrowed by maxSize. */
  maxPart: number;
}

/**
 * Single PUT when `size ≤ singleThreshold`, else multipart. The client's part size preference is clamped to
 * [1 MiB, 5 GiB]; with none, the policy's default. Then it is raised (to a whole MiB) until the file fits in
 * 10,000 parts. A stream (size unknown) is always multipart with a fixed part size.
 */
export function planUpload(size: number | undefined, preference: number | undefined, policy: UploadPolicy): UploadPlan {
  let partSize = Math.min(MAX_PART_SIZE, Math.max(MIN_PART_SIZE, preference ?? policy.defaultPartSize));
  if (size === undefined) {
    const maxPart = Math.min(MAX_PARTS, Math.ceil(policy.maxSize / partSize));
    return { strategy: 'multipart', partSize, partCount: null, maxPart };
  }
  if (size <= policy.singleThreshold) return { strategy: 'single', partSize: size, partCount: 1, maxPart: 1 };
  if (Math.ceil(size / partSize) > MAX_PARTS) partSize = Math.ceil(size / MAX_PARTS / MiB) * MiB;
  if (partSize > MAX_PART_SIZE) throw new SignerError('policy_size', 'The file is larger than 10,000 parts of 5 GiB.');
  const partCount = Math.ceil(size / partSize);
  return { strategy: 'multipart', partSize, partCount, maxPart: partCount };
}

/** The byte count of part `n` (1-based) of a planned known-size upload. */
export function partBytes(n: number, size: number, partSize: number, partCount: number): number {
  return n < partCount ? partSize : size - partSize * (partCount - 1);
}
