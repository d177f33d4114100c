import { StoreError } from '../domain/errors.js';
import { findNotJson, isPlainObject } from '../domain/json.js';

// ---------------------------------------------------------------------------------------------
// Plain-data copies. Stored records are never mutated in place and never handed out, so they
// may share sub-objects with each other (e.g. an outbox payload and the timeline entry it is
// about) without any caller being able to tell.
// ---------------------------------------------------------------------------------------------

export type AnyRecord = Record<string, unknown>;

class NotJsonError extends Error {}

/**
 * Copies caller data into the store, checking that it is plain JSON data. Object spread keeps
 * V8's fast (compact) object layout even for records with many properties, which keyed
 * assignment would turn into dictionaries. Properties whose value is `undefined` are dropped and
 * `undefined` array items become `null`, as JSON (and every SQL adapter) would do.
 */
function importValue(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      throw new NotJsonError();
    case 'object':
      if (value === null) return null;
      return Array.isArray(value) ? importArray(value) : importObject(value);
    default:
      throw new NotJsonError();
  }
}

function importArray(source: unknown[]): unknown[] {
  const out: unknown[] = [];
  const n = source.length;
  for (let i = 0; i < n; i++) {
    const item = source[i];
    out.push(item === undefined ? null : importValue(item));
  }
  return out;
}

function importObject(source: object): AnyRecord {
  if (!isPlainObject(source)) throw new NotJsonError();
  const out: AnyRecord = { ...source };
  let sawUndefined = false;
  for (const key in out) {
    const item = out[key];
    switch (typeof item) {
      case 'string':
      case 'boolean':
        break;
      case 'number':
        if (!Number.isFinite(item)) throw new NotJsonError();
        break;
      case 'object':
        if (item !== null) out[key] = Array.isArray(item) ? importArray(item) : importObject(item);
        break;
      case 'undefined':
        sawUndefined = true;
        break;
      default:
        throw new NotJsonError();
    }
  }
  if (!sawUndefined) return out;
  const compact: AnyRecord = {};
  for (const key in out) if (out[key] !== undefined) compact[key] = out[key];
  return { ...compact };
}

/** Copies stored data out of the store (already known to be plain JSON data). */
export function copy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  return (Array.isArray(value) ? copyArray(value) : copyObject(value as object)) as T;
}

export function copyArray(source: unknown[]): unknown[] {
  const out = source.slice();
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const item = out[i];
    if (typeof item === 'object' && item !== null) {
      out[i] = Array.isArray(item) ? copyArray(item) : copyObject(item);
    }
  }
  return out;
}

export function copyObject(source: object): AnyRecord {
  const out: AnyRecord = { ...source };
  for (const key in out) {
    const item = out[key];
    if (typeof item === 'object' && item !== null) {
      out[key] = Array.isArray(item) ? copyArray(item) : copyObject(item);
    }
  }
  return out;
}

/** Structural equality of plain JSON data (used to share equal sub-records). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as AnyRecord;
  const rb = b as AnyRecord;
  let count = 0;
  for (const key in ra) {
    if (ra[key] === undefined) continue;
    count++;
    if (!Object.hasOwn(rb, key) || !jsonEqual(ra[key], rb[key])) return false;
  }
  for (const key in rb) if (rb[key] !== undefined) count--;
  return count === 0;
}

/** Slow path for the error message: where is the first value that is not plain JSON data? */
export function importRecord<T>(value: unknown, what: string): T {
  try {
    return importValue(value) as T;
  } catch (cause) {
    const where = findNotJson(value, what) ?? `${what} is not plain JSON data`;
    throw new StoreError(`Cannot store ${what}: records must be plain JSON data, but ${where}`, { cause });
  }
}
