/** Smoke test of the PostgreSQL test server (test/setup/postgres.ts) and the helpers in test/pg.ts. */
import type pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestSchema, describePg, dropSchema, newPool } from '../pg.js';

describePg('PostgreSQL test server', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = newPool(2);
  });
  afterAll(async () => {
    await pool.end();
  });

  test('answers select version()', async () => {
    const { rows } = await pool.query<{ version: string }>('select version()');
    expect(rows[0]?.version).toContain('PostgreSQL');
  });

  test('creates and drops a fresh schema per call', async () => {
    const [first, second] = [await createTestSchema(pool), await createTestSchema(pool)];
    expect(first).toMatch(/^t_[0-9a-f]{16}$/);
    expect(second).not.toBe(first);
    await pool.query(`create table "${first}".probe (id int primary key)`);
    await pool.query(`insert into "${first}".probe values (1)`);
    const exists = 'select count(*)::int as n from information_schema.schemata where schema_name = any($1)';
    expect((await pool.query<{ n: number }>(exists, [[first, second]])).rows[0]?.n).toBe(2);
    await dropSchema(pool, first);
    await dropSchema(pool, second);
    await dropSchema(pool, second); // idempotent
    expect((await pool.query<{ n: number }>(exists, [[first, second]])).rows[0]?.n).toBe(0);
  });
});
