import type { z } from 'zod';
import { describeIssues, StoreError } from '../../domain/errors.js';
import { type Incident, IncidentSchema, openDedupKey } from '../../domain/incident.js';
import { nextPageCursor } from '../../domain/query.js';
import type { TimelineEntry } from '../../domain/timeline.js';
import type { ClaimedOutbox, OutboxRecord, Page, TimerName, TimerRecord } from '../../ports/store.js';
import { byId } from '../port-inputs.js';

// ---------------------------------------------------------------------------------------------
// What the SQL adapters (SQLite, PostgreSQL) share: the columns an incident is indexed by, and
// the reading of stored rows back into records, with corrupt rows reported, not thrown at
// the whole page.
// ---------------------------------------------------------------------------------------------

/** Incident columns besides `id`, in the order of {@link incidentColumnValues}. */
export const INCIDENT_COLUMNS = [
  'version',
  'timeline_length',
  'number',
  'status',
  'priority',
  'service',
  'environment',
  'tenant',
  'major',
  'category',
  'reported_at',
  'breached',
  'sla_due_at',
  'open_dedup_key',
  'record',
] as const;

/** Due instant (ms) of the incident's earliest running SLA clock, the `slaDueBefore` filter's column. */
export function slaDueAt(incident: Incident): number | null {
  let due: number | null = null;
  for (const c of incident.sla.clocks) {
    if (c.metAt || c.breachedAt || c.pausedAt || c.stoppedAt) continue;
    const at = Date.parse(c.dueAt);
    if (due === null || at < due) due = at;
  }
  return due;
}

/**
 * Values of {@link INCIDENT_COLUMNS} for a record: the indexed copies of its filter fields and
 * the whole record as JSON text. `bool` maps booleans to what the driver binds.
 */
export function incidentColumnValues(
  incident: Incident,
  timelineLength: number,
  bool: (value: boolean) => unknown,
): unknown[] {
  return [
    incident.version,
    timelineLength,
    incident.number,
    incident.status,
    incident.priority,
    incident.service,
    incident.environment,
    incident.tenant ?? null,
    bool(incident.major),
    incident.category,
    Date.parse(incident.reportedAt),
    bool(incident.sla.clocks.some((c) => c.breachedAt !== undefined)),
    slaDueAt(incident),
    openDedupKey(incident),
    JSON.stringify(incident),
  ];
}

function corrupt(what: string, incidentId: string, detail: string, cause?: unknown): StoreError {
  return new StoreError(`Stored ${what} of incident "${incidentId}" is corrupt: ${detail}`, {
    incidentId,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** JSON text (or a value the driver already parsed) of a row belonging to `incidentId`. */
export function parseJson(value: unknown, what: string, incidentId: string): unknown {
  if (typeof value !== 'string') {
    if (typeof value === 'object' && value !== null) return value;
    throw corrupt(what, incidentId, `expected JSON text, got ${value === null ? 'null' : typeof value}`);
  }
  try {
    return JSON.parse(value);
  } catch (cause) {
    throw corrupt(what, incidentId, `invalid JSON (${(cause as Error).message})`, cause);
  }
}

/**
 * Record texts that passed the schema, by incident id: checking a record costs about as much as
 * parsing it, and most reads see a text read before. A hit needs the identical text, so this
 * only memoizes a pure check. Bounded: cleared when full, small texts only.
 */
const checked = new Map<string, string>();
const CHECKED_ENTRIES = 2_000;
const CHECKED_TEXT = 16_384;

/** ` at <path>: <message>` of a schema failure's first issue, for a one-line error. */
function firstProblem(error: z.ZodError): string {
  return error.issues.length === 0 ? '' : ` at ${describeIssues(error.issues.slice(0, 1))}`;
}

/**
 * Checks the incident of a commit against the schema, so that a SQL store never writes a record
 * it would later refuse to read: `StoreError`, nothing written.
 */
export function checkIncidentForWrite(incident: Incident): void {
  const result = IncidentSchema.safeParse(incident);
  if (result.success) return;
  const where = firstProblem(result.error);
  throw new StoreError(
    `Invalid commit: incident "${incident.id}" fails the incident schema${where}; nothing was written`,
    {
      incidentId: incident.id,
      cause: result.error,
    },
  );
}

/** Reads a stored incident record, throwing a `StoreError` naming the incident if it is corrupt. */
export function readIncident(id: string, record: unknown): Incident {
  const value = parseJson(record, 'record', id);
  if (typeof record === 'string' && checked.get(id) === record) return value as Incident;
  const result = IncidentSchema.safeParse(value);
  if (!result.success) {
    throw corrupt('record', id, `it fails the incident schema${firstProblem(result.error)}`, result.error);
  }
  if ((value as Incident).id !== id) throw corrupt('record', id, `it holds incident "${(value as Incident).id}"`);
  if (typeof record === 'string' && record.length <= CHECKED_TEXT) {
    if (checked.size >= CHECKED_ENTRIES) checked.clear();
    checked.set(id, record);
  }
  return value as Incident;
}

/** Reads a stored timeline entry. */
export function readEntry(incidentId: string, entry: unknown): TimelineEntry {
  return parseJson(entry, 'timeline entry', incidentId) as TimelineEntry;
}

/** A page of a query ordered by id, from up to `limit + 1` rows: corrupt rows go to `errors`. */
export function readPage(
  rows: readonly { id: string; record: unknown }[],
  limit: number,
  order: 'asc' | 'desc',
): Page<Incident> {
  const items: Incident[] = [];
  const errors: StoreError[] = [];
  const n = Math.min(rows.length, limit);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as { id: string; record: unknown };
    try {
      items.push(readIncident(row.id, row.record));
    } catch (error) {
      if (!StoreError.isInstance(error)) throw error;
      errors.push(error);
    }
  }
  const last = rows[n - 1];
  const page: Page<Incident> = {
    items,
    nextCursor: rows.length > limit && last !== undefined ? nextPageCursor(order, last.id) : null,
  };
  if (errors.length > 0) page.errors = errors;
  return page;
}

/** A timer row as the SQL adapters select it. */
export interface TimerRow {
  id: string;
  incident_id: string;
  name: string;
  due_at: number | string;
}

export function timerRecord(row: TimerRow): TimerRecord {
  return { id: row.id, incidentId: row.incident_id, name: row.name as TimerName, dueAt: Number(row.due_at) };
}

/** An outbox row as the SQL adapters select it (`bigint` columns may arrive as text). */
export interface OutboxRow {
  id: string;
  incident_id: string;
  channel: string;
  audience: string;
  payload: unknown;
  created_at: number | string;
  available_at: number | string;
  /** `''` for the main lane. */
  lane: string;
  status: string;
  attempts: number;
  last_error: string | null;
  delivered_at: number | string | null;
}

export function outboxRecord(row: OutboxRow): OutboxRecord {
  const out: OutboxRecord = {
    id: row.id,
    incidentId: row.incident_id,
    channel: row.channel,
    audience: row.audience as OutboxRecord['audience'],
    payload: parseJson(row.payload, `outbox message "${row.id}"`, row.incident_id) as OutboxRecord['payload'],
    createdAt: Number(row.created_at),
    availableAt: Number(row.available_at),
    ...(row.lane === '' ? {} : { lane: row.lane }),
    status: row.status as OutboxRecord['status'],
    attempts: Number(row.attempts),
  };
  if (row.last_error !== null) out.lastError = row.last_error;
  if (row.delivered_at !== null) out.deliveredAt = Number(row.delivered_at);
  return out;
}

/**
 * Claimed outbox rows, by id. A row whose payload cannot be read goes to `unreadable` instead, so
 * that one corrupt message never stops the delivery of the others: the store settles it `dead`.
 */
export function readClaimedOutbox(
  rows: readonly OutboxRow[],
  owner: string,
  leaseUntil: number,
): { claimed: ClaimedOutbox[]; unreadable: { id: string; error: StoreError }[] } {
  const claimed: ClaimedOutbox[] = [];
  const unreadable: { id: string; error: StoreError }[] = [];
  for (const row of rows) {
    try {
      claimed.push({ ...outboxRecord(row), owner, leaseUntil });
    } catch (error) {
      if (!StoreError.isInstance(error)) throw error;
      unreadable.push({ id: row.id, error });
    }
  }
  return { claimed: claimed.sort(byId), unreadable };
}
