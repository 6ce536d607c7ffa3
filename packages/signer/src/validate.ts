/**
 * Strict readers for untrusted JSON: every field is checked for type and bounds, unknown fields are refused,
 * and every failure is an `invalid_request` naming the field. Small enough not to need a schema library.
 * @module
 */
import { SignerError } from './errors.ts';

export type Json = Record<string, unknown>;

function fail(path: string, what: string): never {
  throw new SignerError('invalid_request', `${path} ${what}.`);
}

/** A plain object with only the `allowed` keys. */
export function object(value: unknown, path: string, allowed: readonly string[]): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, 'must be an object');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${path}.${key.slice(0, 40)}`, 'is not a known field');
  }
  return value as Json;
}

export interface StringRule {
  min?: number;
  /** Maximum length in UTF-16 units. */
  max: number;
  pattern?: RegExp;
  /** Said in the message when the pattern does not match. */
  patternText?: string;
}

export function string(value: unknown, path: string, rule: StringRule): string {
  if (typeof value !== 'string') fail(path, 'must be a string');
  if (value.length < (rule.min ?? 0)) fail(path, rule.min === 1 ? 'must not be empty' : `must have at least ${rule.min} characters`);
  if (value.length > rule.max) fail(path, `must have at most ${rule.max} characters`);
  if (rule.pattern && !rule.pattern.test(value)) fail(path, `must be ${rule.patternText ?? `like ${rule.pattern.source}`}`);
  return value;
}

export function optionalString(value: unknown, path: string, rule: StringRule): string | undefined {
  return value === undefined ? undefined : string(value, path, rule);
}

export interface IntegerRule {
  min: number;
  max: number;
}

export function integer(value: unknown, path: string, rule: IntegerRule): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(path, 'must be an integer');
  if (value < rule.min || value > rule.max) fail(path, `must be between ${rule.min} and ${rule.max}`);
  return value;
}

export function optionalInteger(value: unknown, path: string, rule: IntegerRule): number | undefined {
  return value === undefined ? undefined : integer(value, path, rule);
}

export function array(value: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(value)) fail(path, 'must be an array');
  if (value.length > max) fail(path, `must have at most ${max} items`);
  return value;
}

/** 40 lower-case hex characters. */
export const SHA1_HEX = /^[0-9a-f]{40}$/;
/** Base64 of 16 bytes (an MD5 digest). */
export const MD5_BASE64 = /^[A-Za-z0-9+/]{22}==$/;
