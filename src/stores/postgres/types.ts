/**
 * The parts of node-postgres (`pg` ^8) that {@link postgresStore} uses, declared structurally so
 * that incidentkit has no runtime import of `pg` and its users don't need `@types/pg`: pass your
 * `new pg.Pool(...)`. Another driver or a wrapper works if it behaves like `pg` for these calls.
 *
 * @module
 */

/**
 * One statement: `text` with `$1`-style placeholders bound to `values`. With a `name`, `pg`
 * prepares the statement on each connection the first time and reuses it (a driver without
 * prepared statements may ignore the name).
 */
export interface PgQueryConfig {
  text: string;
  values?: unknown[];
  name?: string;
}

/** What a query returns. Rows are plain objects keyed by column name, typed as `pg` parses them. */
export interface PgQueryResultLike {
  rows: Record<string, unknown>[];
  rowCount?: number | null;
}

/** A notification delivered to a `LISTEN`ing connection (`pg`'s `Notification`). */
export interface PgNotificationLike {
  channel: string;
  payload?: string | undefined;
}

/**
 * A connection checked out of the pool (`pg.PoolClient`). `on` and `removeListener` are only
 * needed for {@link PostgresStore.onWake} (LISTEN/NOTIFY).
 */
export interface PgPoolClientLike {
  query(config: PgQueryConfig): Promise<PgQueryResultLike>;
  /** Returns the connection to the pool; with an error (or `true`), the pool discards it. */
  release(err?: Error | boolean): void;
  on?(event: 'notification', listener: (message: PgNotificationLike) => void): unknown;
  on?(event: 'error', listener: (err: Error) => void): unknown;
  removeListener?(event: 'notification', listener: (message: PgNotificationLike) => void): unknown;
  removeListener?(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * The part of a `pg.Pool` that {@link postgresStore} uses: one-off queries, and `connect()` for
 * transactions and the optional `LISTEN` connection. The pool is yours: the store never ends it.
 */
export interface PgPoolLike {
  query(config: PgQueryConfig): Promise<PgQueryResultLike>;
  connect(): Promise<PgPoolClientLike>;
}
