import { StoreError } from '../../domain/errors.js';
import type { SqliteDatabaseLike } from './types.js';

/** The schema version this release of incidentkit writes and reads. */
export const SQLITE_SCHEMA_VERSION = 2;

/** Table names of one store: `prefix` + name. */
interface SqliteTables {
  meta: string;
  incidents: string;
  timeline: string;
  timers: string;
  outbox: string;
  idempotency: string;
}

/** The default prefix of the table names. */
export const DEFAULT_PREFIX = 'incidentkit_';

export function sqliteTables(prefix: string): SqliteTables {
  return {
    meta: `${prefix}meta`,
    incidents: `${prefix}incidents`,
    timeline: `${prefix}timeline`,
    timers: `${prefix}timers`,
    outbox: `${prefix}outbox`,
    idempotency: `${prefix}idempotency`,
  };
}

/**
 * Migrations by the version they bring the schema to. Each runs once, in order, inside the
 * transaction that records its version. Never edit a released one: add the next.
 */
const MIGRATIONS: ReadonlyArray<(t: SqliteTables) => string> = [
  (t) => `
    CREATE TABLE ${t.incidents} (
      id TEXT PRIMARY KEY,
      version INTEGER NOT NULL,
      timeline_length INTEGER NOT NULL,
      number TEXT NOT NULL,
      status TEXT NOT NULL,
      priority TEXT,
      service TEXT NOT NULL,
      environment TEXT NOT NULL,
      tenant TEXT,
      major INTEGER NOT NULL,
      category TEXT NOT NULL,
      reported_at INTEGER NOT NULL,
      breached INTEGER NOT NULL,
      sla_due_at INTEGER,
      open_dedup_key TEXT,
      record TEXT NOT NULL
    ) STRICT;
    CREATE INDEX ${t.incidents}_status ON ${t.incidents} (status, id);
    CREATE INDEX ${t.incidents}_priority ON ${t.incidents} (priority, id);
    CREATE INDEX ${t.incidents}_service ON ${t.incidents} (service, id);
    CREATE INDEX ${t.incidents}_environment ON ${t.incidents} (environment, id);
    CREATE INDEX ${t.incidents}_tenant ON ${t.incidents} (tenant, id);
    CREATE INDEX ${t.incidents}_category ON ${t.incidents} (category, id);
    CREATE INDEX ${t.incidents}_major ON ${t.incidents} (major, id);
    CREATE INDEX ${t.incidents}_reported_at ON ${t.incidents} (reported_at);
    CREATE INDEX ${t.incidents}_breached ON ${t.incidents} (breached, id);
    CREATE INDEX ${t.incidents}_sla_due_at ON ${t.incidents} (sla_due_at) WHERE sla_due_at IS NOT NULL;
    CREATE UNIQUE INDEX ${t.incidents}_open_dedup_key ON ${t.incidents} (open_dedup_key)
      WHERE open_dedup_key IS NOT NULL;

    CREATE TABLE ${t.timeline} (
      incident_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      entry TEXT NOT NULL,
      PRIMARY KEY (incident_id, seq)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE ${t.timers} (
      id TEXT PRIMARY KEY,
      incident_id TEXT NOT NULL,
      name TEXT NOT NULL,
      due_at INTEGER NOT NULL,
      owner TEXT,
      lease_until INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX ${t.timers}_due_at ON ${t.timers} (due_at, id);
    CREATE INDEX ${t.timers}_incident ON ${t.timers} (incident_id);
    CREATE INDEX ${t.timers}_leased ON ${t.timers} (lease_until) WHERE owner IS NOT NULL;

    CREATE TABLE ${t.outbox} (
      id TEXT PRIMARY KEY,
      incident_id TEXT NOT NULL,
      channel TEXT NOT NULL,
      audience TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      available_at INTEGER NOT NULL,
      status TEXT NOT NULL DEFAULT 'pending',
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      delivered_at INTEGER,
      owner TEXT,
      lease_until INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX ${t.outbox}_pending ON ${t.outbox} (id) WHERE status = 'pending';
    CREATE INDEX ${t.outbox}_line ON ${t.outbox} (incident_id, channel, id) WHERE status = 'pending';
    CREATE INDEX ${t.outbox}_incident ON ${t.outbox} (incident_id, id);

    CREATE TABLE ${t.idempotency} (
      key TEXT PRIMARY KEY,
      fingerprint TEXT NOT NULL,
      incident_id TEXT NOT NULL,
      incident TEXT NOT NULL
    ) STRICT;

    INSERT INTO ${t.meta} (key, value) VALUES ('next_number', 0);
  `,
  // 2: outbox lanes (messages held for quiet hours queue apart from the main lane).
  (t) => `
    ALTER TABLE ${t.outbox} ADD COLUMN lane TEXT NOT NULL DEFAULT '';
    DROP INDEX ${t.outbox}_line;
    CREATE INDEX ${t.outbox}_line ON ${t.outbox} (incident_id, channel, lane, id) WHERE status = 'pending';
  `,
];

/**
 * Throws `StoreError` unless the tables of `tables` exist at {@link SQLITE_SCHEMA_VERSION}: what
 * a store made with `migrate: false` checks before its first statement.
 */
export function checkSqliteSchema(db: SqliteDatabaseLike, tables: SqliteTables): void {
  const exists = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`).get(tables.meta);
  const row =
    exists === undefined
      ? undefined
      : (db.prepare(`SELECT value FROM ${tables.meta} WHERE key = 'schema_version'`).get() as
          | { value: number }
          | undefined);
  if (row?.value === SQLITE_SCHEMA_VERSION) return;
  const found = row === undefined ? 'no incidentkit tables' : `schema version ${row.value}`;
  throw new StoreError(
    `The SQLite database has ${found} under "${tables.meta}", not version ${SQLITE_SCHEMA_VERSION}: run migrateSqlite(db) (or use migrate: true)${row !== undefined && row.value > SQLITE_SCHEMA_VERSION ? ', or upgrade incidentkit' : ''}`,
  );
}

/**
 * Brings the tables of `prefix` to {@link SQLITE_SCHEMA_VERSION} in one `BEGIN IMMEDIATE`
 * transaction, so that two processes opening the same file migrate once. Throws `StoreError`
 * if the file was written by a newer incidentkit.
 */
export function migrateSqlite(db: SqliteDatabaseLike, options: { tablePrefix?: string } = {}): void {
  const tables = sqliteTables(options.tablePrefix ?? DEFAULT_PREFIX);
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${tables.meta} (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT`);
    const row = db.prepare(`SELECT value FROM ${tables.meta} WHERE key = 'schema_version'`).get() as
      | { value: number }
      | undefined;
    const current = row?.value ?? 0;
    if (current > SQLITE_SCHEMA_VERSION) {
      throw new StoreError(
        `The SQLite tables "${tables.meta}" are at schema version ${current}, newer than this incidentkit (${SQLITE_SCHEMA_VERSION}); upgrade incidentkit`,
      );
    }
    for (let version = current + 1; version <= SQLITE_SCHEMA_VERSION; version++) {
      db.exec((MIGRATIONS[version - 1] as (t: SqliteTables) => string)(tables));
    }
    if (current < SQLITE_SCHEMA_VERSION) {
      db.prepare(
        `INSERT INTO ${tables.meta} (key, value) VALUES ('schema_version', ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ).run(SQLITE_SCHEMA_VERSION);
    }
  });
  run.immediate();
}
