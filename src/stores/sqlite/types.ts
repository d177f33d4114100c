/**
 * A prepared statement: the part of better-sqlite3's `Statement` that {@link sqliteStore} uses.
 */
export interface SqliteStatementLike {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** A function wrapped in a transaction by better-sqlite3's `db.transaction(fn)`. */
export interface SqliteTransactionLike {
  /** Runs in `BEGIN IMMEDIATE`: takes the write lock first, so concurrent writers wait, never deadlock. */
  // biome-ignore lint/suspicious/noExplicitAny: better-sqlite3 passes the wrapped function's arguments through.
  immediate(...args: any[]): unknown;
}

/**
 * The part of a better-sqlite3 `Database` (^12) that {@link sqliteStore} uses. Declared here so
 * that incidentkit does not depend on better-sqlite3's types: pass your `new Database(file)`.
 */
export interface SqliteDatabaseLike {
  /** True for an in-memory database. */
  readonly memory: boolean;
  prepare(sql: string): SqliteStatementLike;
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: better-sqlite3 passes the wrapped function's arguments through.
  transaction(fn: (...args: any[]) => unknown): SqliteTransactionLike;
}
