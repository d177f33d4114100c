/**
 * The SQLite adapter: `incidentkit/sqlite`. An {@link IncidentStore} over your better-sqlite3
 * `Database` (an optional peer dependency, ^12), for single-node services, desktop tools and
 * demos that must keep their incidents across restarts.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * import { createIncidentKit } from 'incidentkit';
 * import { sqliteStore } from 'incidentkit/sqlite';
 *
 * const db = new Database('incidents.db');
 * const kit = createIncidentKit({ store: sqliteStore(db) });
 * ```
 *
 * @packageDocumentation
 */
import { z } from 'zod';
import { IncidentKitError, parseInput, StoreError } from '../../domain/errors.js';
import { openDedupKey } from '../../domain/incident.js';
import type {
  ClaimedOutbox,
  ClaimedTimer,
  ClaimOptions,
  Commit,
  IdempotencyRecord,
  IncidentStore,
  OutboxOutcome,
  OutboxRecord,
  TimerRecord,
} from '../../ports/store.js';
import { checkVersion, dedupKeyTaken, importCommit, readCommitHeader } from '../commit-input.js';
import { bySoonest, claimArgs, InstantMsSchema, OutcomeSchema, TimelineOptionsSchema } from '../port-inputs.js';
import { selectIncidents } from '../sql/query.js';
import {
  checkIncidentForWrite,
  INCIDENT_COLUMNS,
  incidentColumnValues,
  type OutboxRow,
  outboxRecord,
  readClaimedOutbox,
  readEntry,
  readIncident,
  readPage,
  type TimerRow,
  timerRecord,
} from '../sql/rows.js';
import { columnList, OUTBOX_COLUMNS, outboxLineHead, TIMER_COLUMNS } from '../sql/statements.js';
import { checkSqliteSchema, DEFAULT_PREFIX, migrateSqlite, sqliteTables } from './migrations.js';
import type { SqliteDatabaseLike, SqliteStatementLike } from './types.js';

export { migrateSqlite, SQLITE_SCHEMA_VERSION } from './migrations.js';
export type { SqliteDatabaseLike, SqliteStatementLike, SqliteTransactionLike } from './types.js';

const OptionsSchema = z.strictObject({
  tablePrefix: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'Use letters, digits and underscores, not starting with a digit')
    .max(40)
    .optional(),
  migrate: z.boolean().optional(),
  wal: z.boolean().optional(),
  busyTimeoutMs: z.number().int().min(0).optional(),
});

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /** Prefix of the store's table names. Default `incidentkit_` (`incidentkit_incidents`, ...). */
  tablePrefix?: string;
  /**
   * Create or upgrade the tables when the store is made (default `true`). With `false`, call
   * {@link migrateSqlite} yourself, e.g. from your own migration tool.
   */
  migrate?: boolean;
  /**
   * Switch a file database to write-ahead logging (default `true`): readers never wait for the
   * writer. In-memory databases ignore it.
   */
  wal?: boolean;
  /** How long a write waits for another connection's lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
}

const bool = (value: boolean) => (value ? 1 : 0);

function sqlError(error: unknown, what: string): unknown {
  if (IncidentKitError.isInstance(error)) return error;
  return new StoreError(`SQLite ${what} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

/**
 * An {@link IncidentStore} over a better-sqlite3 `Database`, passing `runStoreConformance()`.
 *
 * - Tables are created or upgraded when the store is made (see {@link SqliteStoreOptions.migrate});
 *   their schema version is kept in `<prefix>meta`, and a file written by a newer incidentkit is
 *   refused with a `StoreError`.
 * - Each commit is one `BEGIN IMMEDIATE` transaction: several processes may share the file.
 * - Every query filter has its own indexed column; the full record is kept as JSON.
 * - A stored row that cannot be read (invalid JSON, a record that fails the schema) throws a
 *   `StoreError` naming the incident from `load()`, and is reported in `errors` of a query's page
 *   without failing the page.
 * - The database stays yours: `close()` does not close it.
 *
 * @param db A better-sqlite3 `Database` (file or `:memory:`).
 */
export function sqliteStore(db: SqliteDatabaseLike, options: SqliteStoreOptions = {}): IncidentStore {
  const opts = parseInput(OptionsSchema, options, 'sqliteStore options');
  const tablePrefix = opts.tablePrefix ?? DEFAULT_PREFIX;
  const t = sqliteTables(tablePrefix);
  guard('setup', () => {
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    if ((opts.wal ?? true) && !db.memory) db.pragma('journal_mode = WAL');
    if (opts.migrate ?? true) migrateSqlite(db, { tablePrefix });
  });
  // Prepared on first use, so that a store made with `migrate: false` can wait for its tables.
  let prepared: ReturnType<typeof prepareAll> | undefined;
  const sql = () => {
    if (prepared === undefined) {
      checkSqliteSchema(db, t);
      prepared = prepareAll(db, t);
    }
    return prepared;
  };
  return storeOver(t, sql);
}

type Statements = ReturnType<typeof prepareStatements>;

/** The statements and transactions of a store, prepared once. */
function prepareAll(db: SqliteDatabaseLike, t: ReturnType<typeof sqliteTables>) {
  const stmts = prepareStatements(db, t);
  const queries = new Map<string, SqliteStatementLike>();
  return {
    stmts,
    /** The statement of a query's SQL text; the filters combine into a few dozen texts at most. */
    query(text: string): SqliteStatementLike {
      let statement = queries.get(text);
      if (statement === undefined) {
        if (queries.size >= 256) queries.clear();
        statement = db.prepare(text);
        queries.set(text, statement);
      }
      return statement;
    },
    commit: db.transaction((change: Commit) => commitIn(stmts, change)),
    claimTimers: db.transaction((now: number, limit: number, leaseUntil: number, owner: string) =>
      stmts.claimTimers.all(owner, leaseUntil, now, now, limit),
    ),
    claimOutbox: db.transaction((now: number, limit: number, leaseUntil: number, owner: string) =>
      stmts.claimOutbox.all(owner, leaseUntil, now, now, limit),
    ),
  };
}

/** The body of a commit, inside its `BEGIN IMMEDIATE` transaction. */
function commitIn(stmts: Statements, change: Commit): void {
  const header = readCommitHeader(change);
  const { id, idempotency } = header;
  const current = stmts.version.get(id) as { version: number; timeline_length: number } | undefined;
  const actual = current === undefined ? null : current.version;
  checkVersion(header, actual, idempotency !== undefined && stmts.idempotencyExists.get(idempotency.key) !== undefined);
  const timelineLength = current?.timeline_length ?? 0;
  const imported = importCommit(change, {
    lastEntry: undefined,
    timelineLength,
    outboxIdTaken: (messageId) => stmts.outboxExists.get(messageId) !== undefined,
  });
  const { incident, entries, timers, outbox } = imported;
  checkIncidentForWrite(incident);
  const dedupKey = openDedupKey(incident);
  if (dedupKey !== null) {
    const holder = stmts.openHolder.get(dedupKey, id) as { id: string } | undefined;
    if (holder !== undefined) throw dedupKeyTaken(header, actual, holder.id, dedupKey);
  }
  const values = incidentColumnValues(incident, timelineLength + entries.length, bool);
  if (current === undefined) stmts.insertIncident.run(id, ...values);
  else stmts.updateIncident.run(...values, id);
  for (const entry of entries) stmts.insertEntry.run(id, entry.seq, JSON.stringify(entry));
  if (timers.fired !== undefined) stmts.deleteTimer.run(timers.fired);
  for (const cancelled of timers.cancel) stmts.deleteTimer.run(cancelled);
  for (const timer of timers.set) stmts.upsertTimer.run(timer.id, id, timer.name, timer.dueAt);
  for (const m of outbox) {
    stmts.insertOutbox.run(
      m.id,
      id,
      m.channel,
      m.audience,
      JSON.stringify(m.payload),
      m.createdAt,
      m.availableAt,
      m.lane ?? '',
    );
  }
  if (idempotency !== undefined) {
    stmts.insertIdempotency.run(idempotency.key, idempotency.fingerprint, id, JSON.stringify(incident));
  }
}

function storeOver(t: ReturnType<typeof sqliteTables>, sql: () => ReturnType<typeof prepareAll>): IncidentStore {
  return {
    contract: 'incidentkit.store/2',

    async load(id) {
      const row = guard('load', () => sql().stmts.load.get(id) as { record: unknown } | undefined);
      return row === undefined ? null : readIncident(id, row.record);
    },

    async nextNumber() {
      return guard('nextNumber', () => (sql().stmts.nextNumber.get() as { value: number }).value);
    },

    async commit(change) {
      guard('commit', () => sql().commit.immediate(change));
    },

    async idempotent(key): Promise<IdempotencyRecord | null> {
      const row = guard(
        'idempotent',
        () =>
          sql().stmts.idempotent.get(key) as { fingerprint: string; incident_id: string; incident: string } | undefined,
      );
      if (row === undefined) return null;
      return { key, fingerprint: row.fingerprint, incident: readIncident(row.incident_id, row.incident) };
    },

    async query(q) {
      const select = selectIncidents(q, t.incidents, { param: () => '?', bool });
      const rows = guard(
        'query',
        () =>
          sql()
            .query(select.sql)
            .all(...select.params) as { id: string; record: string }[],
      );
      return readPage(rows, select.limit, select.order);
    },

    async timeline(id, timelineOptions) {
      const o = parseInput(TimelineOptionsSchema, timelineOptions, 'timeline options');
      const rows = guard(
        'timeline',
        () => sql().stmts.timeline.all(id, o?.afterSeq ?? 0, o?.limit ?? -1) as { entry: string }[],
      );
      return rows.map((row) => readEntry(id, row.entry));
    },

    async findOpenByDedupKey(key) {
      const row = guard(
        'findOpenByDedupKey',
        () => sql().stmts.openByKey.get(key) as { id: string; record: string } | undefined,
      );
      return row === undefined ? null : readIncident(row.id, row.record);
    },

    async timers(incidentId): Promise<TimerRecord[]> {
      return guard('timers', () => (sql().stmts.timers.all(incidentId) as TimerRow[]).map(timerRecord));
    },

    async claimTimers(now: number, claim: ClaimOptions): Promise<ClaimedTimer[]> {
      const { limit, owner, leaseUntil } = claimArgs(now, claim, 'timer claim');
      if (limit === 0) return [];
      const rows = guard('claimTimers', () => sql().claimTimers.immediate(now, limit, leaseUntil, owner) as TimerRow[]);
      return rows.map((row) => ({ ...timerRecord(row), owner, leaseUntil })).sort(bySoonest);
    },

    async completeTimer(id, owner) {
      guard('completeTimer', () => sql().stmts.completeTimer.run(id, owner));
    },

    async claimOutbox(now: number, claim: ClaimOptions): Promise<ClaimedOutbox[]> {
      const { limit, owner, leaseUntil } = claimArgs(now, claim, 'outbox claim');
      if (limit === 0) return [];
      const rows = guard(
        'claimOutbox',
        () => sql().claimOutbox.immediate(now, limit, leaseUntil, owner) as OutboxRow[],
      );
      const { claimed, unreadable } = readClaimedOutbox(rows, owner, leaseUntil);
      for (const { id, error } of unreadable) {
        guard('claimOutbox', () => sql().stmts.settleDead.run(error.message, id, owner));
      }
      return claimed;
    },

    async settleOutbox(id, owner, outcome: OutboxOutcome) {
      const result = parseInput(OutcomeSchema, outcome, 'outbox outcome');
      guard('settleOutbox', () => {
        if (result.type === 'delivered') sql().stmts.settleDelivered.run(result.at, id, owner);
        else if (result.type === 'retry') sql().stmts.settleRetry.run(result.at, result.error, id, owner);
        else if (result.type === 'deferred') sql().stmts.settleDeferred.run(result.at, id, owner);
        else sql().stmts.settleDead.run(result.error, id, owner);
      });
    },

    async nextDueAt(after: number) {
      parseInput(InstantMsSchema, after, 'nextDueAt instant');
      const row = guard('nextDueAt', () => sql().stmts.nextDueAt.get(after, after, after) as { at: number | null });
      return row.at;
    },

    async outbox(incidentId): Promise<OutboxRecord[]> {
      return guard('outbox', () => (sql().stmts.outbox.all(incidentId) as OutboxRow[]).map(outboxRecord));
    },

    async close() {},
  };
}

/** Runs a synchronous database call, turning driver errors into `StoreError`. */
function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw sqlError(error, what);
  }
}

/** Every statement of the store, prepared once. */
function prepareStatements(db: SqliteDatabaseLike, t: ReturnType<typeof sqliteTables>) {
  const p = (sql: string) => db.prepare(sql);
  const columns = INCIDENT_COLUMNS.join(', ');
  const timerColumns = columnList(TIMER_COLUMNS);
  const outboxColumns = columnList(OUTBOX_COLUMNS);
  /** A leased row becomes claimable when its lease ends. */
  const claimableAt = (due: string) =>
    `CASE WHEN owner IS NOT NULL AND lease_until > ${due} THEN lease_until ELSE ${due} END`;
  /** Only the earliest pending message of an incident and channel may be claimed. */
  const lineHead = (o: string) => outboxLineHead(t.outbox, o);
  return {
    version: p(`SELECT version, timeline_length FROM ${t.incidents} WHERE id = ?`),
    load: p(`SELECT record FROM ${t.incidents} WHERE id = ?`),
    nextNumber: p(`UPDATE ${t.meta} SET value = value + 1 WHERE key = 'next_number' RETURNING value`),
    idempotencyExists: p(`SELECT 1 FROM ${t.idempotency} WHERE key = ?`),
    idempotent: p(`SELECT fingerprint, incident_id, incident FROM ${t.idempotency} WHERE key = ?`),
    insertIdempotency: p(`INSERT INTO ${t.idempotency} (key, fingerprint, incident_id, incident) VALUES (?, ?, ?, ?)`),
    outboxExists: p(`SELECT 1 FROM ${t.outbox} WHERE id = ?`),
    openHolder: p(`SELECT id FROM ${t.incidents} WHERE open_dedup_key = ? AND id <> ?`),
    openByKey: p(`SELECT id, record FROM ${t.incidents} WHERE open_dedup_key = ?`),
    insertIncident: p(
      `INSERT INTO ${t.incidents} (id, ${columns}) VALUES (?, ${INCIDENT_COLUMNS.map(() => '?').join(', ')})`,
    ),
    updateIncident: p(`UPDATE ${t.incidents} SET ${INCIDENT_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`),
    insertEntry: p(`INSERT INTO ${t.timeline} (incident_id, seq, entry) VALUES (?, ?, ?)`),
    timeline: p(`SELECT entry FROM ${t.timeline} WHERE incident_id = ? AND seq > ? ORDER BY seq LIMIT ?`),
    deleteTimer: p(`DELETE FROM ${t.timers} WHERE id = ?`),
    upsertTimer: p(
      `INSERT INTO ${t.timers} (${timerColumns}, owner, lease_until) VALUES (?, ?, ?, ?, NULL, 0)
       ON CONFLICT (id) DO UPDATE SET incident_id = excluded.incident_id, name = excluded.name,
         due_at = excluded.due_at, owner = NULL, lease_until = 0`,
    ),
    timers: p(`SELECT ${timerColumns} FROM ${t.timers} WHERE incident_id = ? ORDER BY due_at, id`),
    claimTimers: p(
      `UPDATE ${t.timers} SET owner = ?, lease_until = ? WHERE id IN (
         SELECT id FROM ${t.timers} WHERE due_at <= ? AND (owner IS NULL OR lease_until <= ?)
         ORDER BY due_at, id LIMIT ?)
       RETURNING ${timerColumns}`,
    ),
    completeTimer: p(`DELETE FROM ${t.timers} WHERE id = ? AND owner = ?`),
    insertOutbox: p(
      `INSERT INTO ${t.outbox} (id, incident_id, channel, audience, payload, created_at, available_at, lane)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    outbox: p(`SELECT ${outboxColumns} FROM ${t.outbox} WHERE incident_id = ? ORDER BY id`),
    claimOutbox: p(
      `UPDATE ${t.outbox} SET owner = ?, lease_until = ? WHERE id IN (
         SELECT o.id FROM ${t.outbox} o WHERE o.status = 'pending' AND o.available_at <= ?
           AND (o.owner IS NULL OR o.lease_until <= ?) AND ${lineHead('o')}
         ORDER BY o.id LIMIT ?)
       RETURNING ${outboxColumns}`,
    ),
    settleDelivered: p(
      `UPDATE ${t.outbox} SET status = 'delivered', delivered_at = ?, attempts = attempts + 1, owner = NULL,
         lease_until = 0 WHERE id = ? AND status = 'pending' AND owner = ?`,
    ),
    settleRetry: p(
      `UPDATE ${t.outbox} SET available_at = ?, last_error = ?, attempts = attempts + 1, owner = NULL,
         lease_until = 0 WHERE id = ? AND status = 'pending' AND owner = ?`,
    ),
    // Not an attempt: `attempts` and `last_error` stay as they are.
    settleDeferred: p(
      `UPDATE ${t.outbox} SET available_at = ?, owner = NULL, lease_until = 0
       WHERE id = ? AND status = 'pending' AND owner = ?`,
    ),
    settleDead: p(
      `UPDATE ${t.outbox} SET status = 'dead', last_error = ?, attempts = attempts + 1, owner = NULL,
         lease_until = 0 WHERE id = ? AND status = 'pending' AND owner = ?`,
    ),
    nextDueAt: p(
      `SELECT MIN(at) AS at FROM (
         SELECT MIN(due_at) AS at FROM ${t.timers} WHERE due_at > ? AND (owner IS NULL OR lease_until <= due_at)
         UNION ALL
         SELECT MIN(lease_until) FROM ${t.timers} WHERE owner IS NOT NULL AND lease_until > due_at AND lease_until > ?
         UNION ALL
         SELECT MIN(${claimableAt('o.available_at')}) FROM ${t.outbox} o
           WHERE o.status = 'pending' AND ${lineHead('o')} AND ${claimableAt('o.available_at')} > ?)`,
    ),
  };
}
