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
import { bySoonest, claimArgs, InstantMsSchema, OutcomeSchema, TimelineOptionsSchema } from '../port-inputs.js';
import { selectIncidents } from '../sql/query.js';
import {
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
import { hasNul, nulFreeQuery, storableText } from './text.js';
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
   *
   * Costs to weigh: PostgreSQL takes a lock that is global to the whole cluster (every database
   * of the server) at the COMMIT of each transaction that sent a `NOTIFY`, to queue notifications
   * in commit order. Notifying commits (most of the kit's commits add messages) therefore
   * serialize at COMMIT, with each other and with other applications' notifying transactions on
   * the server: under a heavy write load, measure before turning this on. Listening (see
   * {@link PostgresStore.onWake}) needs a session connection: LISTEN does not work through
   * PgBouncer in transaction (or statement) mode; give the pool a direct or session-mode URL.
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
   * Resolves once listening, with a function that ends this subscription (each call is its own
   * subscription, even for a listener already subscribed). A throwing listener is ignored.
   *
   * The first subscription holds one connection of the pool, a session connection (not PgBouncer
   * in transaction mode, see {@link PostgresStoreOptions.notify}), until the last one ends or the
   * store is closed. Once listening, a lost connection is re-established by the next use of the
   * store, and subscriptions stay. If listening cannot start (no connection, LISTEN refused), the
   * promise rejects with a `StoreError` and nothing stays subscribed: call `onWake` again later
   * (the kit's worker retries while it runs).
   */
  onWake?(listener: WakeListener): Promise<Unsubscribe>;
  /** Stops wake-ups and releases their connection. The pool is yours: it is not ended. */
  close(): Promise<void>;
}

/** The SQL of the reads, claims and settles of one schema. */
function readTexts(t: PostgresTables) {
  const timerColumns = columnList(TIMER_COLUMNS);
  const outboxColumns = columnList(OUTBOX_COLUMNS);
  /** A pending message `p` with no earlier pending message in its incident-and-channel line. */
  const lineHead = `p.status = 'pending' AND ${outboxLineHead(t.outbox, 'p')}`;
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
      RETURNING ${columnList(TIMER_COLUMNS, 't')}`,
    completeTimer: `DELETE FROM ${t.timers} WHERE id = $1 AND owner = $2`,
    claimOutbox: `
      UPDATE ${t.outbox} AS o SET owner = $3, lease_until = $4
      FROM (
        SELECT p.id FROM ${t.outbox} AS p
        WHERE p.available_at <= $1 AND (p.owner IS NULL OR p.lease_until <= $1) AND ${lineHead}
        ORDER BY p.id LIMIT $2 FOR UPDATE OF p SKIP LOCKED
      ) AS c
      WHERE o.id = c.id
      RETURNING ${columnList(OUTBOX_COLUMNS, 'o')}`,
    // $7 is 1 for an attempt (delivered, retry, dead) and 0 for a deferral.
    settleOutbox: `
      UPDATE ${t.outbox} SET attempts = attempts + $7, owner = NULL, lease_until = 0, status = $3,
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
 *   `items` and reports them in `errors`. A claimed outbox message whose payload cannot be read is
 *   settled `dead` with the error as `lastError`, and the claim returns the others. A commit
 *   whose incident fails the schema is refused (`StoreError`, nothing written).
 * - **U+0000**, which PostgreSQL `text` cannot hold: a commit that would store it in a column (an
 *   id, a filter field, a dedup or idempotency key, a timer name, a channel...) is refused with a
 *   `StoreError` before its transaction; look-ups by a value holding it find nothing, as in the
 *   other stores; in free text (error messages, claim owners) it is stored as U+FFFD. Records,
 *   entries and payloads are JSON text, where it is escaped.
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

  /** The answer of a look-up that needs no query, once the tables are ready, as for any call. */
  async function nothing<T>(value: T): Promise<T> {
    if (!prepared) await ready();
    return value;
  }

  return {
    contract: 'incidentkit.store/2',
    schema,
    ready,

    // A string holding U+0000 is no stored id or key (PostgreSQL text cannot hold one): look-ups by
    // it find nothing, as in the other stores, without asking the database (which would refuse it).
    async load(id: string): Promise<Incident | null> {
      if (hasNul(id)) return nothing(null);
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
      if (hasNul(key)) return nothing(null);
      const [row] = await rows(`idempotency key "${key}" look-up`, sql.idempotent, [key]);
      if (row === undefined) return null;
      return {
        key,
        fingerprint: String(row.fingerprint),
        incident: readIncident(String(row.incident_id), row.incident),
      };
    },

    async query(q: IncidentQuery): Promise<Page<Incident>> {
      const query = nulFreeQuery(q);
      if (query === 'none') return nothing({ items: [], nextCursor: null });
      const select = selectIncidents(query, tables.incidents, { param: (i) => `$${i}`, bool: (b) => b });
      // Not prepared: the text varies with the filters.
      const found = await rows('query', { text: select.sql }, select.params);
      return readPage(found as { id: string; record: unknown }[], select.limit, select.order);
    },

    async timeline(id, opts) {
      const options = parseInput(TimelineOptionsSchema, opts, 'timeline options');
      if (hasNul(id)) return nothing([]);
      const found = await rows(`timeline of incident "${id}"`, sql.timeline, [
        id,
        options?.afterSeq ?? 0,
        options?.limit ?? null,
      ]);
      return found.map((row) => readEntry(id, row.entry));
    },

    async findOpenByDedupKey(key: string): Promise<Incident | null> {
      if (hasNul(key)) return nothing(null);
      const [row] = await rows(`dedup key "${key}" look-up`, sql.openByDedupKey, [key]);
      return row === undefined ? null : readIncident(String(row.id), row.record);
    },

    async timers(incidentId: string): Promise<TimerRecord[]> {
      if (hasNul(incidentId)) return nothing([]);
      const found = await rows(`timers of incident "${incidentId}"`, sql.timers, [incidentId]);
      return (found as unknown as TimerRow[]).map(timerRecord);
    },

    // Owners are free text, stored with U+FFFD for U+0000 (by claims, and so when completing and
    // settling): the claim returns the owner as given.
    async claimTimers(now: number, opts: ClaimOptions): Promise<ClaimedTimer[]> {
      const { limit, owner, leaseUntil } = claimArgs(now, opts, 'timer claim');
      if (limit === 0) return [];
      const found = await rows('timer claim', sql.claimTimers, [now, limit, storableText(owner), leaseUntil]);
      return (found as unknown as TimerRow[])
        .map((row) => ({ ...timerRecord(row), owner, leaseUntil }))
        .sort(bySoonest);
    },

    async completeTimer(id: string, owner: string) {
      if (hasNul(id)) return nothing(undefined);
      await rows(`completion of timer "${id}"`, sql.completeTimer, [id, storableText(owner)]);
    },

    async claimOutbox(now: number, opts: ClaimOptions): Promise<ClaimedOutbox[]> {
      const { limit, owner, leaseUntil } = claimArgs(now, opts, 'outbox claim');
      if (limit === 0) return [];
      const stored = storableText(owner);
      const found = await rows('outbox claim', sql.claimOutbox, [now, limit, stored, leaseUntil]);
      // A message whose payload cannot be read would block its line forever: it goes dead.
      const { claimed, unreadable } = readClaimedOutbox(found as unknown as OutboxRow[], owner, leaseUntil);
      for (const { id, error } of unreadable) {
        await rows(`settling of unreadable outbox message "${id}"`, sql.settleOutbox, [
          id,
          stored,
          'dead',
          null,
          storableText(error.message),
          null,
          1,
        ]);
      }
      return claimed;
    },

    async settleOutbox(id: string, owner: string, outcome: OutboxOutcome) {
      const result = parseInput(OutcomeSchema, outcome, 'outbox outcome');
      if (hasNul(id)) return nothing(undefined);
      const stored = storableText(owner);
      const values =
        result.type === 'delivered'
          ? [id, stored, 'delivered', null, null, result.at, 1]
          : result.type === 'retry'
            ? [id, stored, 'pending', result.at, storableText(result.error), null, 1]
            : result.type === 'deferred'
              ? [id, stored, 'pending', result.at, null, null, 0]
              : [id, stored, 'dead', null, storableText(result.error), null, 1];
      await rows(`settling of outbox message "${id}"`, sql.settleOutbox, values);
    },

    async nextDueAt(after: number) {
      parseInput(InstantMsSchema, after, 'nextDueAt instant');
      const [row] = await rows('nextDueAt', sql.nextDueAt, [after]);
      return row?.at == null ? null : Number(row.at);
    },

    async outbox(incidentId: string): Promise<OutboxRecord[]> {
      if (hasNul(incidentId)) return nothing([]);
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
