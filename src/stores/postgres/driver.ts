import { createHash } from 'node:crypto';
import { IncidentKitError, StoreError } from '../../domain/errors.js';
import type { PgPoolClientLike, PgPoolLike } from './types.js';

// Small helpers around the driver: errors by SQLSTATE, connections that are always released.

/** The SQLSTATE of a PostgreSQL error (`pg`'s `DatabaseError.code`), if `error` is one. */
export function sqlState(error: unknown): string | undefined {
  if (IncidentKitError.isInstance(error)) return undefined;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The constraint (or unique index) a PostgreSQL error names, if any. */
export function constraintOf(error: unknown): string | undefined {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}

/** `error` as a `StoreError` about `what`, with the driver's error as `cause`; our own errors pass through. */
export function driverError(what: string, error: unknown): IncidentKitError {
  if (IncidentKitError.isInstance(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const state = sqlState(error);
  return new StoreError(`PostgreSQL ${what} failed${state === undefined ? '' : ` (${state})`}: ${detail}`, {
    cause: error,
  });
}

/** A statement of fixed text; with a `name`, `pg` prepares it once per connection and reuses the plan. */
export interface Statement {
  text: string;
  name?: string;
}

/**
 * `text` as a {@link Statement}, named after a hash of its text when `prepare` (so that stores of
 * different schemas, whose texts differ, never share a name on a connection).
 */
export function statement(text: string, prepare: boolean): Statement {
  if (!prepare) return { text };
  return { text, name: `incidentkit_${createHash('sha256').update(text).digest('hex').slice(0, 32)}` };
}

/** Every text of `texts` as a {@link Statement}. */
export function statements<K extends string>(texts: Record<K, string>, prepare: boolean): Record<K, Statement> {
  const out = {} as Record<K, Statement>;
  for (const key of Object.keys(texts) as K[]) out[key] = statement(texts[key], prepare);
  return out;
}

/** A connection of the pool, or a `StoreError` saying why there is none. */
export async function checkout(pool: PgPoolLike): Promise<PgPoolClientLike> {
  try {
    return await pool.connect();
  } catch (error) {
    throw driverError('connect', error);
  }
}

/**
 * Rolls back the open transaction of `client` after `error`. Resolves with the error to release
 * the connection with (so that the pool discards it) when the connection itself is broken.
 */
export async function rollback(client: PgPoolClientLike): Promise<Error | undefined> {
  try {
    await client.query({ text: 'ROLLBACK' });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Runs `work` in one transaction on one connection: `BEGIN` (READ COMMITTED, whatever the
 * database's default), then `work`, which ends with `COMMIT`; `ROLLBACK` on any error, and the
 * connection is always released. `recover` may turn an error into a typed one, with the
 * connection still usable (after the rollback) for a look-up; it does not run if the connection broke.
 */
export async function inTransaction<T>(
  pool: PgPoolLike,
  work: (client: PgPoolClientLike) => Promise<T>,
  recover: (error: unknown, client: PgPoolClientLike | null) => Promise<unknown>,
): Promise<T> {
  const client = await checkout(pool);
  let broken: Error | undefined;
  try {
    await client.query({ text: 'BEGIN ISOLATION LEVEL READ COMMITTED' });
    return await work(client);
  } catch (error) {
    broken = await rollback(client);
    throw await recover(error, broken === undefined ? client : null);
  } finally {
    client.release(broken);
  }
}
