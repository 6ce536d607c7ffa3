/**
 * Fault injection for tests: "the next N requests of op X (part N) fail / are delayed / lose their
 * connection". Rules are matched in the order they were added; each request takes at most one.
 * @module
 */

/** COS operations, as `op` names. */
export const COS_OPS = [
  'PutObject',
  'InitiateMultipartUpload',
  'UploadPart',
  'ListParts',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'HeadObject',
  'GetObject',
  'ListMultipartUploads',
] as const;
export type CosOp = (typeof COS_OPS)[number];

export type FaultAction =
  /**
   * Answer with this HTTP status at once. VOD actions answer with the cloud's error envelope (`code`, default
   * `InternalError`; use status 200 for a cloud-style error such as `RequestLimitExceeded`); COS operations and
   * media answer with a COS XML error (`code`, default from the status, e.g. 503 → `ServiceUnavailable`).
   */
  | { type: 'status'; status: number; code?: string; message?: string; retryAfter?: number }
  /** Wait this long, then handle the request normally. */
  | { type: 'delay'; ms: number }
  /** Read `afterBytes` of the body (default: half of Content-Length), then destroy the connection. */
  | { type: 'cut'; afterBytes?: number };

export interface FaultRule {
  /** A COS op (see {@link COS_OPS}), a VOD action name (`ApplyUpload`, …) or `Media` (media URLs). */
  op: string;
  /** Only UploadPart requests of this part number. */
  partNumber?: number;
  /** How many matching requests are affected; default 1. */
  times?: number;
  action: FaultAction;
}

export interface Faults {
  add(rule: FaultRule): void;
  /** Removes every rule. */
  reset(): void;
  /** Rules still pending, with their remaining `times`. */
  list(): FaultRule[];
  /** Takes the first rule matching this request (consuming one of its `times`). */
  take(op: string, partNumber?: number): FaultAction | undefined;
}

/** Validates a rule from JSON (the HTTP control route); returns an error message or the rule. */
export function parseFaultRule(input: unknown): FaultRule | string {
  if (!input || typeof input !== 'object') return 'a fault rule must be a JSON object';
  const r = input as Record<string, unknown>;
  if (typeof r.op !== 'string' || !r.op) return '`op` must be a non-empty string';
  if (r.partNumber !== undefined && !(Number.isInteger(r.partNumber) && (r.partNumber as number) >= 1)) return '`partNumber` must be a positive integer';
  if (r.times !== undefined && !(Number.isInteger(r.times) && (r.times as number) >= 1)) return '`times` must be a positive integer';
  const a = r.action as Record<string, unknown> | undefined;
  if (!a || typeof a !== 'object') return '`action` must be an object';
  let action: FaultAction;
  if (a.type === 'status') {
    if (!Number.isInteger(a.status) || (a.status as number) < 200 || (a.status as number) > 599) return '`action.status` must be an HTTP status';
    if (a.code !== undefined && typeof a.code !== 'string') return '`action.code` must be a string';
    if (a.message !== undefined && typeof a.message !== 'string') return '`action.message` must be a string';
    if (a.retryAfter !== undefined && !(typeof a.retryAfter === 'number' && a.retryAfter >= 0)) return '`action.retryAfter` must be a number of seconds';
    action = { type: 'status', status: a.status as number, code: a.code as string | undefined, message: a.message as string | undefined, retryAfter: a.retryAfter as number | undefined };
  } else if (a.type === 'delay') {
    if (!(typeof a.ms === 'number' && a.ms >= 0 && a.ms <= 600_000)) return '`action.ms` must be 0..600000';
    action = { type: 'delay', ms: a.ms };
  } else if (a.type === 'cut') {
    if (a.afterBytes !== undefined && !(Number.isInteger(a.afterBytes) && (a.afterBytes as number) >= 0)) return '`action.afterBytes` must be a non-negative integer';
    action = { type: 'cut', afterBytes: a.afterBytes as number | undefined };
  } else return '`action.type` must be status, delay or cut';
  return { op: r.op, partNumber: r.partNumber as number | undefined, times: r.times as number | undefined, action };
}

export function createFaults(): Faults {
  let rules: Array<FaultRule & { left: number }> = [];
  return {
    add(rule) {
      const checked = parseFaultRule(rule);
      if (typeof checked === 'string') throw new TypeError(checked);
      rules.push({ ...checked, left: checked.times ?? 1 });
    },
    reset() {
      rules = [];
    },
    list() {
      return rules.map(({ left, ...rule }) => ({ ...rule, times: left }));
    },
    take(op, partNumber) {
      const i = rules.findIndex((r) => r.op === op && (r.partNumber === undefined || r.partNumber === partNumber));
      if (i === -1) return undefined;
      const rule = rules[i]!;
      if (--rule.left <= 0) rules.splice(i, 1);
      return rule.action;
    },
  };
}
