/**
 * PostgreSQL helpers for test files. The server comes from the global setup (test/setup/postgres.ts).
 *
 * ```ts
 * describePg('postgresStore', () => {
 *   let pool: pg.Pool;
 *   let schema: string;
 *   beforeAll(async () => {
 *     pool = newPool();
 *     schema = await createTestSchema(pool);
 *   });
 *   afterAll(async () => {
 *     await dropSchema(pool, schema);
 *     await pool.end();
 *   });
 *   // ...
 * });
 * ```
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, inject } from 'vitest';
import type { PgProvided } from './setup/postgres.js';

export type PgAvailability = { url: string } | { url: null; reason: string };

/** The server's URL, or why there is none. */
export function pgAvailable(): PgAvailability {
  const provided: PgProvided | undefined = inject('pg');
  if (!provided) return { url: null, reason: 'the PostgreSQL global setup (test/setup/postgres.ts) did not run' };
  return provided.url === null ? { url: null, reason: provided.reason } : { url: provided.url };
}

/**
 * `describe` for suites that need PostgreSQL; without a server they are skipped with the reason (its first line; the
 * global setup prints all of it) in the title, never silently.
 */
export function describePg(name: string, fn: () => void): void {
  const available = pgAvailable();
  if (available.url === null) describe.skip(`${name} (skipped: ${available.reason.split('\n')[0]})`, fn);
  else describe(name, fn);
}

/** A pool on the test server; end it in `afterAll`. Throws without a server (use inside `describePg`). */
export function newPool(max = 5): pg.Pool {
  const available = pgAvailable();
  if (available.url === null) throw new Error(`no PostgreSQL test server: ${available.reason}`);
  return new pg.Pool({ connectionString: available.url, max });
}

/** A fresh schema name, `t_<16 hex>`: unique per call, so that test files and suites don't see each other's data. */
export function testSchemaName(): string {
  return `t_${randomBytes(8).toString('hex')}`;
}

/** Creates a fresh, empty schema and returns its name. */
export async function createTestSchema(pool: pg.Pool): Promise<string> {
  const schema = testSchemaName();
  await pool.query(`create schema ${quoteIdent(schema)}`);
  return schema;
}

/** Drops a schema and everything in it (no error if it is gone already). */
export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`drop schema if exists ${quoteIdent(schema)} cascade`);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
