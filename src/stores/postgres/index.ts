/**
 * The PostgreSQL adapter: `incidentkit/postgres`. An {@link IncidentStore} over your node-postgres
 * pool (`pg`, an optional peer dependency, ^8), for services that run several processes over one
 * database. incidentkit never imports `pg`: it uses the pool you pass, through the structural
 * {@link PgPoolLike} type.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createIncidentKit } from 'incidentkit';
 * import { postgresStore } from 'incidentkit/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const store = postgresStore(pool, { schema: 'incidentkit' });
 * await store.ready(); // optional: migrate now and fail fast, instead of on first use
 * const kit = createIncidentKit({ store });
 * // on shutdown: stop the kit, then `await store.close()` and `await pool.end()`
 * ```
 *
 * @packageDocumentation
 */
import { z } from 'zod';
import { invalidInput, parseInput } from '../../domain/errors.js';
import type { Incident } from '../../domain/incident.js';
import type {
  ClaimedOutbox,
  ClaimedTimer,
  ClaimOptions,
  Commit,
  IdempotencyRecord,
  IncidentQuery,
  IncidentStore,
  OutboxOutcome,
  OutboxRecord,
  Page,
  TimerRecord,
} from '../../ports/store.js';
import { ClaimSchema, InstantMsSchema, OutcomeSchema, TimelineOptionsSchema } from '../port-inputs.js';
import { selectIncidents } from '../sql/query.js';
import {
  type OutboxRow,
  outboxRecord,
  readEntry,
  readIncident,
  readPage,
  type TimerRow,
  timerRecord,
} from '../sql/rows.js';
import { commitPostgres, commitStatements } from './commit.js';
import { driverError, type Statement, statements } from './driver.js';
import {
  checkPostgresSchema,
  DEFAULT_POSTGRES_SCHEMA,
  migratePostgres,
  PostgresSchemaNameSchema,
  type PostgresTables,
  postgresTables,
} from './migrations.js';
import { type Unsubscribe, type WakeListener, wakeHub } from './notify.js';
import type { PgPoolLike } from './types.js';

export {
  DEFAULT_POSTGRES_SCHEMA,
  type MigratePostgresOptions,
  migratePostgres,
  POSTGRES_SCHEMA_VERSION,
} from './migrations.js';
export type { Unsubscribe, WakeListener } from './notify.js';
export type {
  PgNotificationLike,
  PgPoolClientLike,
  PgPoolLike,
  PgQueryConfig,
  PgQueryResultLike,
} from './types.js';

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions {
  /**
   * The schema holding the store's tables (default `'incidentkit'`): a letter or `_`, then
   * letters, digits or `_`, at most 63 characters, used double-quoted (so case-sensitive). Stores
   * in different schemas of one database are fully separate.
   */
  schema?: string;
  /**
   * Create or upgrade the tables on first use (default `true`): the first method called (or
   * {@link PostgresStore.ready}) runs {@link migratePostgres} once, and every method waits for it.
   * With `false`, the first use only checks that the schema is at
   * {@link POSTGRES_SCHEMA_VERSION}: run `migratePostgres` yourself, e.g. at deploy time.
   */
  migrate?: boolean;
  /**
   * LISTEN/NOTIFY wake-ups (default off). With `true` or `{ channel }`, a commit that adds timers
   * or outbox messages sends `NOTIFY` on the channel (by default the schema's name) with the
   * earliest instant they become due, and {@link PostgresStore.onWake} delivers these to listeners
   * in every process. Polling `nextDueAt` and the claims stays the source of truth; this only
   * lets an idle worker wake up early.
   */
  notify?: boolean | { channel?: string };
  /**
   * Use named prepared statements (default `true`): each is parsed and planned once per
   * connection, which about doubles commit throughput. Set `false` behind a connection pooler
   * that cannot keep them, e.g. PgBouncer in transaction mode before 1.21 (or without
   * `max_prepared_statements`).
   */
  prepare?: boolean;
}

const OptionsSchema = z.strictObject({
  schema: PostgresSchemaNameSchema.optional(),
  migrate: z.boolean().optional(),
  prepare: z.boolean().optional(),
  notify: z
    .union([
      z.boolean(),
      z.strictObject({
        channel: z
          .string()
          .regex(
            /^[A-Za-z_][A-Za-z0-9_.:-]{0,62}$/,
            'a channel name: a letter or "_", then [A-Za-z0-9_.:-], at most 63',
          )
          .optional(),
      }),
    ])
    .optional(),
});

/** An {@link IncidentStore} over PostgreSQL, with what only this adapter has. */
export interface PostgresStore extends IncidentStore {
  /** The schema of the store's tables. */
  readonly schema: string;
  /**
   * Resolves once the tables are ready: migrated (or, with `migrate: false`, checked). Every method
   * waits for it anyway; call it at startup to fail fast. A failure is not remembered: the next
   * call tries again.
   */
  ready(): Promise<void>;
  /**
   * Present with the `notify` option: subscribes `listener` to wake-ups (the kit's worker loop
   * does while it runs), called with the earliest due instant whenever a commit, in any process, adds
   * timers or outbox messages, and with `null` if the listening connection was lost (poll now).
   * Resolves once listening, with a function that unsubscribes. The first subscription holds one
   * connection of the pool until the last one ends or the store is closed; a lost connection is
   * re-established by the next use of the store. A throwing listener is ignored.
   */
  onWake?(listener: WakeListener): Promise<Unsubscribe>;
  /** Stops wake-ups and releases their connection. The pool is yours: it is not ended. */
  close(): Promise<void>;
}

const bySoonest = (a: TimerRecord, b: TimerRecord) => a.dueAt - b.dueAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The SQL of the reads, claims and settles of one schema. */
function readTexts(t: PostgresTables) {
  const timerColumns = 'id, incident_id, name, due_at';
  const outboxColumns =
    'id, incident_id, channel, audience, payload, created_at, available_at, status, attempts, last_error, delivered_at';
  /** A pending message `p` with no earlier pending message in its incident-and-channel line. */
  const lineHead = `p.status = 'pending' AND NOT EXISTS (
    SELECT 1 FROM ${t.outbox} AS e
    WHERE e.status = 'pending' AND e.incident_id = p.incident_id AND e.channel = p.channel AND e.id < p.id)`;
  return {
    load: `SELECT record FROM ${t.incidents} WHERE id = $1`,
    nextNumber: `SELECT nextval('${t.numbers}') AS n`,
    idempotent: `SELECT fingerprint, incident_id, incident FROM ${t.idempotency} WHERE key = $1`,
    timeline: `SELECT entry FROM ${t.timeline} WHERE incident_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    openByDedupKey: `SELECT id, record FROM ${t.incidents} WHERE open_dedup_key = $1 ORDER BY id LIMIT 1`,
    timers: `SELECT ${timerColumns} FROM ${t.timers} WHERE incident_id = $1 ORDER BY due_at, id`,
    claimTimers: `
      UPDATE ${t.timers} AS t SET owner = $3, lease_until = $4
      FROM (
        SELECT id FROM ${t.timers}
        WHERE due_at <= $1 AND (owner IS NULL OR lease_until <= $1)
        ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
      ) AS c
      WHERE t.id = c.id
      RETURNING ${timerColumns.replace(/(\w+)/g, 't.$1')}`,
    completeTimer: `DELETE FROM ${t.timers} WHERE id = $1 AND owner = $2`,
    claimOutbox: `
      UPDATE ${t.outbox} AS o SET owner = $3, lease_until = $4
      FROM (
        SELECT p.id FROM ${t.outbox} AS p
        WHERE p.available_at <= $1 AND (p.owner IS NULL OR p.lease_until <= $1) AND ${lineHead}
        ORDER BY p.id LIMIT $2 FOR UPDATE OF p SKIP LOCKED
      ) AS c
      WHERE o.id = c.id
      RETURNING ${outboxColumns.replace(/(\w+)/g, 'o.$1')}`,
    settleOutbox: `
      UPDATE ${t.outbox} SET attempts = attempts + 1, owner = NULL, lease_until = 0, status = $3,
        available_at = coalesce($4, available_at), last_error = coalesce($5, last_error),
        delivered_at = coalesce($6, delivered_at)
      WHERE id = $1 AND owner = $2 AND status = 'pending'`,
    // Timers: due, or the end of a lease that outlasts it. Messages: heads of line only.
    nextDueAt: `
      SELECT least(
        (SELECT min(due_at) FROM ${t.timers} WHERE due_at > $1 AND (owner IS NULL OR lease_until <= due_at)),
        (SELECT min(lease_until) FROM ${t.timers} WHERE owner IS NOT NULL AND lease_until > due_at AND lease_until > $1),
        (SELECT min(greatest(p.available_at, CASE WHEN p.owner IS NULL THEN p.available_at ELSE p.lease_until END))
          FROM ${t.outbox} AS p
          WHERE ${lineHead}
            AND greatest(p.available_at, CASE WHEN p.owner IS NULL THEN p.available_at ELSE p.lease_until END) > $1)
      ) AS at`,
    outbox: `SELECT ${outboxColumns} FROM ${t.outbox} WHERE incident_id = $1 ORDER BY id`,
  };
}

/**
 * An {@link IncidentStore} over a PostgreSQL pool, passing `runStoreConformance()`.
 *
 * - **Lazy migrations.** The factory is synchronous; the first method called (or
 *   {@link PostgresStore.ready}) migrates the schema once ({@link migratePostgres}: versioned,
 *   under an advisory lock, so many processes starting together migrate once), and every method
 *   waits for it.
 * - **Commits** are one READ COMMITTED transaction of four round trips on one connection: `BEGIN`;
 *   read and lock the incident (`SELECT ... FOR UPDATE`) and look up the idempotency key; one
 *   statement that writes the incident, entries, timers, outbox and key (multi-row, over arrays);
 *   `COMMIT`. The checks, their order and errors are the memory store's. Unique violations map to
 *   typed errors: a concurrent create or a dedup key held by another open incident (a partial
 *   unique index) or a reused idempotency key is a `ConcurrencyError`, a stored outbox id a
 *   `StoreError`; so are serialization failures and deadlocks (`ConcurrencyError`). Any other
 *   driver error is a `StoreError` with the driver's error as `cause`.
 * - **Claims** are one `UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`: concurrent
 *   workers never claim a row twice and never wait for each other.
 * - **Corrupt rows** (invalid JSON, a record that fails the schema, e.g. after a manual edit) make
 *   `load()` throw a `StoreError` whose `incidentId` names the incident; a query leaves them out of
 *   `items` and reports them in `errors`.
 * - The pool is yours: `close()` never ends it.
 *
 * @param pool A `pg.Pool` (or anything shaped like {@link PgPoolLike}). Size it for your
 *   concurrency: each commit and claim holds one connection for its duration, and
 *   {@link PostgresStore.onWake} holds one while anyone listens.
 * @throws `ValidationError` for bad options or something that is not a pool.
 */
export function postgresStore(pool: PgPoolLike, options: PostgresStoreOptions = {}): PostgresStore {
  const opts = parseInput(OptionsSchema, options, 'postgresStore options');
  if (typeof pool?.query !== 'function' || typeof pool.connect !== 'function') {
    throw invalidInput('postgresStore pool', [], 'Expected a pg.Pool: an object with query() and connect()');
  }
  const schema = opts.schema ?? DEFAULT_POSTGRES_SCHEMA;
  const tables = postgresTables(schema);
  const prepare = opts.prepare ?? true;
  const sql = statements(readTexts(tables), prepare);
  const notify = opts.notify ?? false;
  const channel = notify === false ? null : ((notify === true ? undefined : notify.channel) ?? schema);
  const target = { pool, tables, statements: commitStatements(tables, prepare), channel };
  const hub = channel === null ? null : wakeHub(pool, channel);

  let preparing: Promise<void> | undefined;
  let prepared = false;
  function ready(): Promise<void> {
    if (prepared) return Promise.resolve();
    preparing ??= (opts.migrate === false ? checkPostgresSchema(pool, schema) : migratePostgres(pool, { schema })).then(
      () => {
        prepared = true;
      },
      (error: unknown) => {
        preparing = undefined;
        throw error;
      },
    );
    return preparing;
  }

  async function rows(what: string, query: Statement, values: unknown[]): Promise<Record<string, unknown>[]> {
    if (!prepared) await ready();
    hub?.revive();
    try {
      return (await pool.query({ ...query, values })).rows;
    } catch (error) {
      throw driverError(what, error);
    }
  }

  return {
    contract: 'incidentkit.store/1',
    schema,
    ready,

    async load(id: string): Promise<Incident | null> {
      const [row] = await rows(`load of incident "${id}"`, sql.load, [id]);
      return row === undefined ? null : readIncident(id, row.record);
    },

    async nextNumber() {
      const [row] = await rows('nextNumber', sql.nextNumber, []);
      return Number(row?.n);
    },

    async commit(change: Commit) {
      if (!prepared) await ready();
      hub?.revive();
      await commitPostgres(target, change);
    },

    async idempotent(key: string): Promise<IdempotencyRecord | null> {
      const [row] = await rows(`idempotency key "${key}" look-up`, sql.idempotent, [key]);
      if (row === undefined) return null;
      return {
        key,
        fingerprint: String(row.fingerprint),
        incident: readIncident(String(row.incident_id), row.incident),
      };
    },

    async query(q: IncidentQuery): Promise<Page<Incident>> {
      const select = selectIncidents(q, tables.incidents, { param: (i) => `$${i}`, bool: (b) => b });
      // Not prepared: the text varies with the filters.
      const found = await rows('query', { text: select.sql }, select.params);
      return readPage(found as { id: string; record: unknown }[], select.limit, select.order);
    },

    async timeline(id, opts) {
      const options = parseInput(TimelineOptionsSchema, opts, 'timeline options');
      const found = await rows(`timeline of incident "${id}"`, sql.timeline, [
        id,
        options?.afterSeq ?? 0,
        options?.limit ?? null,
      ]);
      return found.map((row) => readEntry(id, row.entry));
    },

    async findOpenByDedupKey(key: string): Promise<Incident | null> {
      const [row] = await rows(`dedup key "${key}" look-up`, sql.openByDedupKey, [key]);
      return row === undefined ? null : readIncident(String(row.id), row.record);
    },

    async timers(incidentId: string): Promise<TimerRecord[]> {
      const found = await rows(`timers of incident "${incidentId}"`, sql.timers, [incidentId]);
      return (found as unknown as TimerRow[]).map(timerRecord);
    },

    async claimTimers(now: number, opts: ClaimOptions): Promise<ClaimedTimer[]> {
      const { limit, leaseMs, owner } = parseInput(ClaimSchema, { now, ...opts }, 'timer claim');
      if (limit === 0) return [];
      const leaseUntil = now + leaseMs;
      const found = await rows('timer claim', sql.claimTimers, [now, limit, owner, leaseUntil]);
      return (found as unknown as TimerRow[])
        .map((row) => ({ ...timerRecord(row), owner, leaseUntil }))
        .sort(bySoonest);
    },

    async completeTimer(id: string, owner: string) {
      await rows(`completion of timer "${id}"`, sql.completeTimer, [id, owner]);
    },

    async claimOutbox(now: number, opts: ClaimOptions): Promise<ClaimedOutbox[]> {
      const { limit, leaseMs, owner } = parseInput(ClaimSchema, { now, ...opts }, 'outbox claim');
      if (limit === 0) return [];
      const leaseUntil = now + leaseMs;
      const found = await rows('outbox claim', sql.claimOutbox, [now, limit, owner, leaseUntil]);
      return (found as unknown as OutboxRow[]).map((row) => ({ ...outboxRecord(row), owner, leaseUntil })).sort(byId);
    },

    async settleOutbox(id: string, owner: string, outcome: OutboxOutcome) {
      const result = parseInput(OutcomeSchema, outcome, 'outbox outcome');
      const values =
        result.type === 'delivered'
          ? [id, owner, 'delivered', null, null, result.at]
          : result.type === 'retry'
            ? [id, owner, 'pending', result.at, result.error, null]
            : [id, owner, 'dead', null, result.error, null];
      await rows(`settling of outbox message "${id}"`, sql.settleOutbox, values);
    },

    async nextDueAt(after: number) {
      parseInput(InstantMsSchema, after, 'nextDueAt instant');
      const [row] = await rows('nextDueAt', sql.nextDueAt, [after]);
      return row?.at == null ? null : Number(row.at);
    },

    async outbox(incidentId: string): Promise<OutboxRecord[]> {
      const found = await rows(`outbox of incident "${incidentId}"`, sql.outbox, [incidentId]);
      return (found as unknown as OutboxRow[]).map(outboxRecord);
    },

    ...(hub === null
      ? {}
      : {
          async onWake(listener: WakeListener) {
            if (typeof listener !== 'function') throw invalidInput('onWake listener', [], 'Expected a function');
            return hub.subscribe(listener);
          },
        }),

    async close() {
      await hub?.close();
    },
  };
}
