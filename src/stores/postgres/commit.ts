import { ConcurrencyError, IncidentKitError, StoreError } from '../../domain/errors.js';
import { openDedupKey } from '../../domain/incident.js';
import type { Commit, IdempotencyKey, TimerRecord } from '../../ports/store.js';
import {
  type CommitHeader,
  checkVersion,
  dedupKeyTaken,
  type ImportedCommit,
  importCommit,
  readCommitHeader,
} from '../commit-input.js';
import { checkIncidentForWrite, INCIDENT_COLUMNS, incidentColumnValues } from '../sql/rows.js';
import { constraintOf, driverError, inTransaction, type Statement, sqlState, statements } from './driver.js';
import type { PostgresTables } from './migrations.js';
import { checkCommitText, hasNul } from './text.js';
import type { PgPoolClientLike, PgPoolLike } from './types.js';

// `IncidentStore.commit` in four round trips: BEGIN; read and lock the incident (and look up the
// idempotency key); one statement that writes everything (data-modifying CTEs over arrays);
// COMMIT. The checks are the other stores' (stores/commit-input.ts, checkIncidentForWrite), in the
// same order, with the same errors.

/** The SQL of a commit for one schema, built once per store. */
export type CommitStatements = Record<'read' | 'create' | 'update', Statement>;

const ID_AND_COLUMNS = ['id', ...INCIDENT_COLUMNS] as const;
/** Placeholder of the record column: it is also the incident stored with an idempotency key. */
const RECORD = `$${ID_AND_COLUMNS.indexOf('record') + 1}`;

export function commitStatements(t: PostgresTables, prepare: boolean): CommitStatements {
  const n = ID_AND_COLUMNS.length;
  const p = (i: number) => `$${n + i}`;
  // Parameters after the incident's: entries (seq, json), timers to delete, timers to set
  // (id, name, due), outbox (id, channel, audience, payload, created, available), idempotency,
  // outbox lanes.
  const rest = `
    w_entries AS (
      INSERT INTO ${t.timeline} (incident_id, seq, entry)
      SELECT $1::text, e.seq, e.entry FROM unnest(${p(1)}::integer[], ${p(2)}::text[]) AS e (seq, entry)
    ),
    w_deleted AS (
      DELETE FROM ${t.timers} WHERE id = ANY (${p(3)}::text[])
    ),
    w_timers AS (
      INSERT INTO ${t.timers} (id, incident_id, name, due_at)
      SELECT s.id, $1::text, s.name, s.due_at
      FROM unnest(${p(4)}::text[], ${p(5)}::text[], ${p(6)}::double precision[]) AS s (id, name, due_at)
      ON CONFLICT (id) DO UPDATE SET incident_id = excluded.incident_id, name = excluded.name,
        due_at = excluded.due_at, owner = NULL, lease_until = 0
    ),
    w_outbox AS (
      INSERT INTO ${t.outbox} (id, incident_id, channel, audience, payload, created_at, available_at, lane)
      SELECT m.id, $1::text, m.channel, m.audience, m.payload, m.created_at, m.available_at, m.lane
      FROM unnest(${p(7)}::text[], ${p(8)}::text[], ${p(9)}::text[], ${p(10)}::text[],
        ${p(11)}::double precision[], ${p(12)}::double precision[], ${p(15)}::text[])
        AS m (id, channel, audience, payload, created_at, available_at, lane)
    ),
    w_idempotency AS (
      INSERT INTO ${t.idempotency} (key, fingerprint, incident_id, incident)
      SELECT ${p(13)}::text, ${p(14)}::text, $1::text, ${RECORD}::text WHERE ${p(13)}::text IS NOT NULL
    )
    SELECT 1`;
  const placeholders = ID_AND_COLUMNS.map((_, i) => `$${i + 1}`);
  const assignments = INCIDENT_COLUMNS.map((column, i) => `${column} = $${i + 2}`);
  const texts = {
    read: `
      WITH cur AS (SELECT version, timeline_length FROM ${t.incidents} WHERE id = $1 FOR UPDATE)
      SELECT (SELECT version FROM cur) AS version, (SELECT timeline_length FROM cur) AS timeline_length,
        EXISTS (SELECT 1 FROM ${t.idempotency} WHERE key = $2) AS key_used`,
    create: `WITH w_incident AS (
      INSERT INTO ${t.incidents} (${ID_AND_COLUMNS.join(', ')}) VALUES (${placeholders.join(', ')})
    ),${rest}`,
    update: `WITH w_incident AS (
      UPDATE ${t.incidents} SET ${assignments.join(', ')} WHERE id = $1
    ),${rest}`,
  };
  return statements(texts, prepare);
}

/** The parameters of the write statement. */
function writeValues(imported: ImportedCommit, timelineLength: number, idempotency: IdempotencyKey | undefined) {
  const { incident, entries, timers, outbox } = imported;
  const columns = incidentColumnValues(incident, timelineLength + entries.length, (b) => b);
  // A timer set twice in one commit: the last one wins. A timer that is set is replaced, not deleted.
  const set = new Map<string, TimerRecord>();
  for (const timer of timers.set) {
    set.delete(timer.id);
    set.set(timer.id, timer);
  }
  const deleted = new Set(timers.cancel);
  if (timers.fired !== undefined) deleted.add(timers.fired);
  for (const id of deleted) {
    // Set again, or an id no stored timer can have: nothing to delete.
    if (set.has(id) || hasNul(id)) deleted.delete(id);
  }
  const armed = [...set.values()];
  return [
    incident.id,
    ...columns,
    entries.map((e) => e.seq),
    entries.map((e) => JSON.stringify(e)),
    [...deleted],
    armed.map((t) => t.id),
    armed.map((t) => t.name),
    armed.map((t) => t.dueAt),
    outbox.map((m) => m.id),
    outbox.map((m) => m.channel),
    outbox.map((m) => m.audience),
    outbox.map((m) => JSON.stringify(m.payload)),
    outbox.map((m) => m.createdAt),
    outbox.map((m) => m.availableAt),
    idempotency?.key ?? null,
    idempotency?.fingerprint ?? null,
    outbox.map((m) => m.lane ?? ''),
  ];
}

/** The earliest instant at which something this commit adds becomes claimable; null if nothing. */
function earliestDue(imported: ImportedCommit): number | null {
  let due = Number.POSITIVE_INFINITY;
  for (const timer of imported.timers.set) due = Math.min(due, timer.dueAt);
  for (const message of imported.outbox) due = Math.min(due, message.availableAt);
  return Number.isFinite(due) ? due : null;
}

/** What a commit needs from its store. */
export interface CommitTarget {
  pool: PgPoolLike;
  tables: PostgresTables;
  statements: CommitStatements;
  /** The channel to `NOTIFY` when a commit adds timers or messages; null when notify is off. */
  channel: string | null;
}

/** What the failed commit had read, to explain a constraint violation. */
interface Attempt {
  header: CommitHeader;
  /** The stored version read by the commit (null: absent). */
  actual: number | null;
  /** The open dedup key the commit writes. */
  dedupKey: string | null;
  /** The statement that failed was COMMIT: if the connection broke there, the outcome is unknown. */
  committing: boolean;
}

/**
 * Writes `change` atomically (see `IncidentStore.commit`). A commit that would store U+0000 in a
 * column fails before the transaction starts.
 */
export async function commitPostgres(target: CommitTarget, change: Commit): Promise<void> {
  const header = readCommitHeader(change);
  checkCommitText(change);
  const { id, idempotency } = header;
  const sql = target.statements;
  const attempt: Attempt = { header, actual: null, dedupKey: null, committing: false };
  await inTransaction(
    target.pool,
    async (client) => {
      const read = await client.query({ ...sql.read, values: [id, idempotency?.key ?? null] });
      const row = read.rows[0] ?? {};
      const actual = row.version == null ? null : Number(row.version);
      attempt.actual = actual;
      checkVersion(header, actual, row.key_used === true);
      const timelineLength = actual === null ? 0 : Number(row.timeline_length);
      const imported = importCommit(change, { lastEntry: undefined, timelineLength, outboxIdTaken: () => false });
      checkIncidentForWrite(imported.incident);
      attempt.dedupKey = openDedupKey(imported.incident);
      const values = writeValues(imported, timelineLength, idempotency);
      await client.query({ ...(actual === null ? sql.create : sql.update), values });
      const due = target.channel === null ? null : earliestDue(imported);
      attempt.committing = true;
      // NOTIFY is delivered at COMMIT, in the same round trip.
      await client.query({ text: due === null ? 'COMMIT' : `NOTIFY "${target.channel}", '${due}'; COMMIT` });
    },
    (error, client) => explain(error, client, target.tables, attempt),
  );
}

/** The error `checkVersion` throws for this stored state, or undefined if it accepts it. */
function versionError(header: CommitHeader, actual: number | null, idempotencyKeyUsed: boolean): unknown {
  try {
    checkVersion(header, actual, idempotencyKeyUsed);
    return undefined;
  } catch (error) {
    return error;
  }
}

/**
 * Turns a failed commit's error into the port's typed errors. A unique violation means another
 * commit got there first: the errors are those `checkVersion` and `dedupKeyTaken` give for what
 * it wrote, looked up after the rollback.
 */
async function explain(
  error: unknown,
  client: PgPoolClientLike | null,
  tables: PostgresTables,
  attempt: Attempt,
): Promise<unknown> {
  const { header, actual } = attempt;
  const { id, expectedVersion: expected } = header;
  const what = `commit of incident "${id}"`;
  if (IncidentKitError.isInstance(error)) return error;
  const state = sqlState(error);
  if (state === undefined) {
    // No SQLSTATE: the connection failed. At COMMIT, the server may have committed before it did.
    const when = attempt.committing ? ' (the connection failed at COMMIT: it may or may not have been written)' : '';
    return driverError(`${what}${when}`, error);
  }
  const lookup = async (text: string, values: unknown[]): Promise<Record<string, unknown> | undefined> => {
    if (client === null) return undefined;
    try {
      return (await client.query({ text, values })).rows[0];
    } catch {
      return undefined;
    }
  };
  if (state === '23505') {
    const constraint = constraintOf(error);
    if (constraint === 'idempotency_pkey') return versionError(header, actual, true) ?? driverError(what, error);
    if (actual === null) {
      // A create that raced another create of the same id: the sub-statements of the write run in
      // no fixed order, so the first violation may be on any of its tables.
      const row = await lookup(`SELECT version FROM ${tables.incidents} WHERE id = $1`, [id]);
      if (row !== undefined) return versionError(header, Number(row.version), false) ?? driverError(what, error);
      if (constraint === 'incidents_pkey') {
        // It exists, at a version the look-up could not read.
        return new ConcurrencyError(
          id,
          expected,
          null,
          `Incident "${id}" was created by a concurrent commit; nothing was written, reload and retry`,
        );
      }
    }
    const key = attempt.dedupKey;
    if (constraint === 'incidents_open_dedup_key' && key !== null) {
      const row = await lookup(`SELECT id FROM ${tables.incidents} WHERE open_dedup_key = $1 AND id <> $2 LIMIT 1`, [
        key,
        id,
      ]);
      if (typeof row?.id === 'string') return dedupKeyTaken(header, actual, row.id, key);
      // The holder closed since, or the look-up failed.
      return new ConcurrencyError(
        id,
        expected,
        actual,
        `Another incident held the dedup key "${key}" when this commit ran; nothing was written, reload and retry`,
      );
    }
    if (constraint === 'outbox_pkey') {
      const detail = (error as { detail?: unknown }).detail;
      const match = typeof detail === 'string' ? /^Key \(id\)=\((.*)\) already exists\.$/s.exec(detail) : null;
      const which = match ? ` "${match[1]}"` : '';
      return new StoreError(`Invalid commit: duplicate outbox message id${which}; nothing was written`, {
        cause: error,
      });
    }
  }
  if (state === '40001' || state === '40P01') {
    const why = state === '40001' ? 'a serialization failure' : 'a deadlock';
    return new ConcurrencyError(
      id,
      expected,
      actual,
      `The commit of incident "${id}" lost a race in PostgreSQL (${why}); nothing was written, reload and retry`,
    );
  }
  return driverError(what, error);
}
