import { z } from 'zod';
import { parseInput, StoreError } from '../../domain/errors.js';
import { driverError, inTransaction } from './driver.js';
import type { PgPoolClientLike, PgPoolLike } from './types.js';

/** The schema version this release of incidentkit writes and reads (rows of `schema_migrations`). */
export const POSTGRES_SCHEMA_VERSION = 2;

/** The default schema of {@link postgresStore} and {@link migratePostgres}. */
export const DEFAULT_POSTGRES_SCHEMA = 'incidentkit';

/**
 * A schema name: a letter or `_`, then letters, digits or `_`, at most 63 characters (PostgreSQL's
 * limit). It is always double-quoted, so it is case-sensitive.
 */
export const PostgresSchemaNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'a schema name: a letter or "_", then letters, digits or "_", at most 63');

/** Schema-qualified, quoted names of the tables and the sequence of one store. */
export interface PostgresTables {
  schema: string;
  migrations: string;
  incidents: string;
  timeline: string;
  timers: string;
  outbox: string;
  idempotency: string;
  numbers: string;
}

export function postgresTables(schema: string): PostgresTables {
  const q = `"${schema}"`;
  return {
    schema: q,
    migrations: `${q}.schema_migrations`,
    incidents: `${q}.incidents`,
    timeline: `${q}.timeline`,
    timers: `${q}.timers`,
    outbox: `${q}.outbox`,
    idempotency: `${q}.idempotency`,
    numbers: `${q}.incident_number`,
  };
}

/**
 * Migrations by the version they bring the schema to. Each runs once, in order, inside the
 * transaction that records its version. Never edit a released one: add the next.
 *
 * Every text column that is compared or sorted uses the "C" collation, so that ids order as
 * JavaScript strings do whatever the database's locale. Instants given by callers (`due_at`,
 * `available_at`, leases ...) are `double precision` milliseconds, exact for every JavaScript
 * number; instants derived from ISO text (`reported_at`, `sla_due_at`) are whole `bigint`
 * milliseconds. Records, entries and payloads are JSON text (`text`, not `jsonb`: jsonb cannot
 * hold the string "\u0000", which a JavaScript string may contain).
 */
const MIGRATIONS: ReadonlyArray<(t: PostgresTables) => string> = [
  (t) => `
    CREATE TABLE ${t.incidents} (
      id text COLLATE "C" NOT NULL,
      version integer NOT NULL,
      timeline_length integer NOT NULL,
      number text COLLATE "C" NOT NULL,
      status text COLLATE "C" NOT NULL,
      priority text COLLATE "C",
      service text COLLATE "C" NOT NULL,
      environment text COLLATE "C" NOT NULL,
      tenant text COLLATE "C",
      major boolean NOT NULL,
      category text COLLATE "C" NOT NULL,
      reported_at bigint NOT NULL,
      breached boolean NOT NULL,
      sla_due_at bigint,
      open_dedup_key text COLLATE "C",
      record text NOT NULL,
      CONSTRAINT incidents_pkey PRIMARY KEY (id)
    ) WITH (fillfactor = 90);
    CREATE INDEX incidents_status ON ${t.incidents} (status, id);
    CREATE INDEX incidents_priority ON ${t.incidents} (priority, id) WHERE priority IS NOT NULL;
    CREATE INDEX incidents_service ON ${t.incidents} (service, id);
    CREATE INDEX incidents_environment ON ${t.incidents} (environment, id);
    CREATE INDEX incidents_tenant ON ${t.incidents} (tenant, id) WHERE tenant IS NOT NULL;
    CREATE INDEX incidents_category ON ${t.incidents} (category, id);
    CREATE INDEX incidents_major ON ${t.incidents} (id) WHERE major;
    CREATE INDEX incidents_breached ON ${t.incidents} (id) WHERE breached;
    CREATE INDEX incidents_reported_at ON ${t.incidents} (reported_at);
    CREATE INDEX incidents_sla_due_at ON ${t.incidents} (sla_due_at) WHERE sla_due_at IS NOT NULL;
    CREATE UNIQUE INDEX incidents_open_dedup_key ON ${t.incidents} (open_dedup_key)
      WHERE open_dedup_key IS NOT NULL;

    CREATE TABLE ${t.timeline} (
      incident_id text COLLATE "C" NOT NULL,
      seq integer NOT NULL,
      entry text NOT NULL,
      CONSTRAINT timeline_pkey PRIMARY KEY (incident_id, seq)
    );

    CREATE TABLE ${t.timers} (
      id text COLLATE "C" NOT NULL,
      incident_id text COLLATE "C" NOT NULL,
      name text COLLATE "C" NOT NULL,
      due_at double precision NOT NULL,
      owner text COLLATE "C",
      lease_until double precision NOT NULL DEFAULT 0,
      CONSTRAINT timers_pkey PRIMARY KEY (id)
    );
    CREATE INDEX timers_due_at ON ${t.timers} (due_at, id);
    CREATE INDEX timers_incident ON ${t.timers} (incident_id);
    CREATE INDEX timers_leased ON ${t.timers} (lease_until) WHERE owner IS NOT NULL;

    CREATE TABLE ${t.outbox} (
      id text COLLATE "C" NOT NULL,
      incident_id text COLLATE "C" NOT NULL,
      channel text COLLATE "C" NOT NULL,
      audience text COLLATE "C" NOT NULL,
      payload text NOT NULL,
      created_at double precision NOT NULL,
      available_at double precision NOT NULL,
      status text COLLATE "C" NOT NULL DEFAULT 'pending'
        CONSTRAINT outbox_status CHECK (status IN ('pending', 'delivered', 'dead')),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      delivered_at double precision,
      owner text COLLATE "C",
      lease_until double precision NOT NULL DEFAULT 0,
      CONSTRAINT outbox_pkey PRIMARY KEY (id)
    );
    CREATE INDEX outbox_pending ON ${t.outbox} (id) WHERE status = 'pending';
    CREATE INDEX outbox_line ON ${t.outbox} (incident_id, channel, id) WHERE status = 'pending';
    CREATE INDEX outbox_incident ON ${t.outbox} (incident_id, id);

    CREATE TABLE ${t.idempotency} (
      key text COLLATE "C" NOT NULL,
      fingerprint text NOT NULL,
      incident_id text COLLATE "C" NOT NULL,
      incident text NOT NULL,
      CONSTRAINT idempotency_pkey PRIMARY KEY (key)
    );

    CREATE SEQUENCE ${t.numbers} AS bigint;
  `,
  // 2: outbox lanes (messages held for quiet hours queue apart from the main lane).
  (t) => `
    ALTER TABLE ${t.outbox} ADD COLUMN lane text COLLATE "C" NOT NULL DEFAULT '';
    DROP INDEX ${t.schema}.outbox_line;
    CREATE INDEX outbox_line ON ${t.outbox} (incident_id, channel, lane, id) WHERE status = 'pending';
  `,
];

function tooNew(schema: string, version: number): StoreError {
  return new StoreError(
    `The PostgreSQL schema "${schema}" is at version ${version}, newer than this incidentkit (${POSTGRES_SCHEMA_VERSION}); upgrade incidentkit`,
  );
}

async function appliedVersion(client: PgPoolClientLike, tables: PostgresTables): Promise<number> {
  const { rows } = await client.query({ text: `SELECT max(version) AS version FROM ${tables.migrations}` });
  return Number(rows[0]?.version ?? 0);
}

/** Options of {@link migratePostgres}. */
export interface MigratePostgresOptions {
  /** The schema to create or upgrade. Default `'incidentkit'`. */
  schema?: string;
}

const MigrateOptionsSchema = z.strictObject({ schema: PostgresSchemaNameSchema.optional() });

/**
 * Creates or upgrades the tables of a {@link postgresStore} to {@link POSTGRES_SCHEMA_VERSION},
 * and resolves with the version. Safe to call from many processes at once: it runs in one
 * transaction under a transaction-level advisory lock keyed on the schema name, so exactly one
 * caller applies each migration and the others wait, then find nothing to do. Each applied
 * version is a row of `<schema>.schema_migrations`. The schema is created if it does not exist
 * (the `CREATE` privilege on the database is needed only then).
 *
 * `postgresStore(pool)` calls this on first use unless you pass `migrate: false`; call it yourself
 * to migrate at deploy time with other credentials.
 *
 * Throws `ValidationError` for a bad schema name and `StoreError` when the database fails or was
 * migrated by a newer incidentkit.
 *
 * @example
 * ```ts
 * await migratePostgres(pool, { schema: 'incidents' });
 * ```
 */
export async function migratePostgres(pool: PgPoolLike, options: MigratePostgresOptions = {}): Promise<number> {
  const schema = parseInput(MigrateOptionsSchema, options, 'migratePostgres options').schema ?? DEFAULT_POSTGRES_SCHEMA;
  const tables = postgresTables(schema);
  return inTransaction(
    pool,
    async (client) => {
      await client.query({
        text: "SELECT pg_advisory_xact_lock(hashtextextended('incidentkit.migrate:' || $1, 0))",
        values: [schema],
      });
      const exists = await client.query({ text: 'SELECT 1 FROM pg_namespace WHERE nspname = $1', values: [schema] });
      if (exists.rows.length === 0) await client.query({ text: `CREATE SCHEMA ${tables.schema}` });
      await client.query({
        text: `CREATE TABLE IF NOT EXISTS ${tables.migrations} (
          version integer NOT NULL PRIMARY KEY,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`,
      });
      const current = await appliedVersion(client, tables);
      if (current > POSTGRES_SCHEMA_VERSION) throw tooNew(schema, current);
      for (let version = current + 1; version <= POSTGRES_SCHEMA_VERSION; version++) {
        await client.query({ text: (MIGRATIONS[version - 1] as (t: PostgresTables) => string)(tables) });
        await client.query({ text: `INSERT INTO ${tables.migrations} (version) VALUES ($1)`, values: [version] });
      }
      await client.query({ text: 'COMMIT' });
      return POSTGRES_SCHEMA_VERSION;
    },
    async (error) => driverError(`migration of schema "${schema}"`, error),
  );
}

/**
 * Checks, without changing anything, that the schema is at {@link POSTGRES_SCHEMA_VERSION}: what a
 * store created with `migrate: false` does on first use. Throws `StoreError` otherwise.
 */
export async function checkPostgresSchema(pool: PgPoolLike, schema: string): Promise<void> {
  const tables = postgresTables(schema);
  let version: number;
  try {
    const { rows } = await pool.query({
      text: `SELECT CASE WHEN to_regclass($1) IS NULL THEN -1 ELSE 0 END AS missing`,
      values: [`${tables.migrations}`],
    });
    if (Number(rows[0]?.missing) < 0) version = 0;
    else {
      const result = await pool.query({ text: `SELECT max(version) AS version FROM ${tables.migrations}` });
      version = Number(result.rows[0]?.version ?? 0);
    }
  } catch (error) {
    throw driverError(`schema check of "${schema}"`, error);
  }
  if (version > POSTGRES_SCHEMA_VERSION) throw tooNew(schema, version);
  if (version < POSTGRES_SCHEMA_VERSION) {
    throw new StoreError(
      `The PostgreSQL schema "${schema}" is at version ${version}, not ${POSTGRES_SCHEMA_VERSION}; run migratePostgres(pool, { schema: '${schema}' }) or create the store with migrate: true`,
    );
  }
}
