/**
 * Options of the emulator and their defaults. The default credentials are obviously fake test values.
 * @module
 */

/** The emulator's default (fake, public) API credentials. */
export const DEFAULT_SECRET_ID = 'emulator-secret-id';
export const DEFAULT_SECRET_KEY = 'emulator-secret-key';
export const DEFAULT_APP_ID = '1250000000';
export const DEFAULT_REGION = 'ap-guangzhou';
/** Lifetime of the temporary COS credentials ApplyUpload issues, in seconds. */
export const DEFAULT_CREDENTIAL_TTL = 3600;
/** VOD API requests per second per action, as the cloud's limit for the upload actions. */
export const DEFAULT_RATE_LIMIT = 100;
/** How long PullEvents waits for an event when none is queued, as the cloud's. */
export const DEFAULT_PULL_WAIT_MS = 5000;
/** How long a pulled event waits for ConfirmEvents before it is delivered again, as the cloud's. */
export const DEFAULT_REDELIVERY_MS = 30_000;
/** How long a task flow (`Procedure`) runs after CommitUpload before its output is there. */
export const DEFAULT_PROCEDURE_MS = 3000;

export interface EmulatorOptions {
  /** Where state and bytes are kept; created if missing; reloaded on the next start. */
  dataDir: string;
  /** The permanent API key pair the VOD API accepts. */
  secretId?: string;
  secretKey?: string;
  /** The APPID: bucket suffix (`name-APPID`) and the SubAppId accepted besides none. */
  appId?: string;
  /** Default storage region (ApplyUpload `StorageRegion` overrides it). */
  region?: string;
  /** Seconds a temporary credential lives (`ExpiredTime` = now + this). */
  credentialTtl?: number;
  /** VOD API requests per second per action (token bucket); 0 disables the limit. */
  rateLimit?: number;
  /** One line per request (method, op, status, ms); defaults to stderr. Never receives secrets. */
  log?: (line: string) => void;
  /** PullEvents long-poll wait when nothing is queued (ms). */
  pullEventsWaitMs?: number;
  /** Unconfirmed events are delivered again after this long (ms). */
  eventRedeliveryMs?: number;
  /** A task flow given at upload (`Procedure`) finishes this long after CommitUpload (ms); 0 = at once. */
  procedureMs?: number;
  /**
   * Origin of the MediaUrl/CoverUrl the emulator returns (`http://127.0.0.1:PORT`). Default: the origin of the
   * request (startEmulator sets its own URL).
   */
  publicUrl?: string;
  /** Clock in ms (like `Date.now`); tests move it to expire signatures and credentials. */
  clock?: () => number;
}

export interface ResolvedOptions {
  dataDir: string;
  secretId: string;
  secretKey: string;
  appId: string;
  region: string;
  credentialTtl: number;
  rateLimit: number;
  log: (line: string) => void;
  pullEventsWaitMs: number;
  eventRedeliveryMs: number;
  procedureMs: number;
  publicUrl: string | undefined;
  clock: () => number;
}

const positive = (name: string, v: number | undefined, fallback: number, allowZero = false): number => {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) throw new RangeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`);
  return v;
};

export function resolveOptions(o: EmulatorOptions): ResolvedOptions {
  if (!o.dataDir) throw new TypeError('dataDir is required');
  const appId = o.appId ?? DEFAULT_APP_ID;
  if (!/^\d{1,12}$/.test(appId)) throw new RangeError('appId must be digits');
  const region = o.region ?? DEFAULT_REGION;
  if (!/^[a-z]+(-[a-z0-9]+)+$/.test(region)) throw new RangeError('region must look like ap-guangzhou');
  return {
    dataDir: o.dataDir,
    secretId: o.secretId ?? DEFAULT_SECRET_ID,
    secretKey: o.secretKey ?? DEFAULT_SECRET_KEY,
    appId,
    region,
    credentialTtl: positive('credentialTtl', o.credentialTtl, DEFAULT_CREDENTIAL_TTL),
    rateLimit: positive('rateLimit', o.rateLimit, DEFAULT_RATE_LIMIT, true),
    log: o.log ?? ((line) => process.stderr.write(`${line}\n`)),
    pullEventsWaitMs: positive('pullEventsWaitMs', o.pullEventsWaitMs, DEFAULT_PULL_WAIT_MS, true),
    eventRedeliveryMs: positive('eventRedeliveryMs', o.eventRedeliveryMs, DEFAULT_REDELIVERY_MS),
    procedureMs: positive('procedureMs', o.procedureMs, DEFAULT_PROCEDURE_MS, true),
    publicUrl: o.publicUrl?.replace(/\/+$/, ''),
    clock: o.clock ?? Date.now,
  };
}
