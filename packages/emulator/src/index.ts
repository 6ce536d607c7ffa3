/**
 * `@vod-uploader/emulator` — a local Tencent Cloud VOD + COS that the official SDKs accept as the cloud:
 * VOD API 3.0 (TC3-verified), the COS XML API (q-sign-verified against the temporary credentials it issues),
 * media served back with Range support, an event queue, disk storage that survives restarts, and fault
 * injection for tests.
 * @module
 */
export { createEmulator, type Emulator } from './app.ts';
export { startEmulator, type EmulatorInfo, type RunningEmulator, type StartOptions } from './server.ts';
export {
  DEFAULT_APP_ID,
  DEFAULT_CREDENTIAL_TTL,
  DEFAULT_PULL_WAIT_MS,
  DEFAULT_RATE_LIMIT,
  DEFAULT_REDELIVERY_MS,
  DEFAULT_REGION,
  DEFAULT_SECRET_ID,
  DEFAULT_SECRET_KEY,
  type EmulatorOptions,
} from './options.ts';
export { COS_OPS, parseFaultRule, type CosOp, type FaultAction, type FaultRule, type Faults } from './faults.ts';
export type { Stats, StatsSnapshot } from './stats.ts';
export { crc64, crc64Combine } from './crc64.ts';
