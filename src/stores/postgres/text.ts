import { StoreError } from '../../domain/errors.js';
import { nextPageCursor, parseIncidentQuery } from '../../domain/query.js';
import type { Commit, IncidentQuery } from '../../ports/store.js';

// PostgreSQL `text` cannot hold U+0000 (binding one fails with SQLSTATE 22021), where a
// JavaScript string, SQLite and the memory store can. So: look-ups by a value holding U+0000
// find nothing without asking (no stored value holds one), free text is bound with U+FFFD in its
// place, and a commit that would store U+0000 in a column is refused before it starts.
// Records, entries and payloads are JSON text, where U+0000 is written as the escape `\u0000`.

const NUL = '\u0000';

/** Whether any of `values` is a string holding U+0000: a look-up by it can find nothing. */
export function hasNul(...values: unknown[]): boolean {
  return values.some((value) => typeof value === 'string' && value.includes(NUL));
}

/** Free text (an error message, a claim's owner) as PostgreSQL can store it: U+0000 becomes U+FFFD. */
export function storableText(text: string): string {
  return text.includes(NUL) ? text.replaceAll(NUL, '\uFFFD') : text;
}

/** The columns of the incident that hold its string fields. */
const INCIDENT_TEXT_FIELDS = [
  'id',
  'number',
  'status',
  'priority',
  'service',
  'environment',
  'tenant',
  'category',
  'dedupKey',
] as const;

/**
 * Throws a `StoreError` if the commit would store U+0000 in a column of its own (the incident's
 * indexed fields, timer and message ids, names, channels and audiences, the idempotency key and
 * fingerprint). Only looks at strings: the commit's shape is checked later.
 */
export function checkCommitText(change: Commit): void {
  const refuse = (where: string): never => {
    throw new StoreError(`Invalid commit: PostgreSQL text cannot hold U+0000 in ${where}; nothing was written`, {
      incidentId: change.incident.id,
    });
  };
  const incident = change.incident as unknown as Record<string, unknown>;
  for (const field of INCIDENT_TEXT_FIELDS) if (hasNul(incident[field])) refuse(`incident.${field}`);
  const set: unknown = change.timers?.set;
  if (Array.isArray(set)) {
    set.forEach((timer: { id?: unknown; name?: unknown } | null, i) => {
      if (hasNul(timer?.id)) refuse(`timers.set[${i}].id`);
      if (hasNul(timer?.name)) refuse(`timers.set[${i}].name`);
    });
  }
  const outbox: unknown = change.outbox;
  if (Array.isArray(outbox)) {
    outbox.forEach((message: { id?: unknown; channel?: unknown; audience?: unknown; lane?: unknown } | null, i) => {
      if (hasNul(message?.id)) refuse(`outbox[${i}].id`);
      if (hasNul(message?.channel)) refuse(`outbox[${i}].channel`);
      if (hasNul(message?.audience)) refuse(`outbox[${i}].audience`);
      if (hasNul(message?.lane)) refuse(`outbox[${i}].lane`);
    });
  }
  if (hasNul(change.idempotency?.key)) refuse('idempotency.key');
  if (hasNul(change.idempotency?.fingerprint)) refuse('idempotency.fingerprint');
}

/**
 * A query whose string filter holds U+0000 matches nothing: `'none'`. Otherwise the query, with a
 * cursor whose last id holds U+0000 (a hand-made one: stored ids never do) replaced by one that
 * selects the same stored ids (see {@link nulFreeAfter}). Bad queries throw `ValidationError`.
 */
export function nulFreeQuery(query: IncidentQuery): IncidentQuery | 'none' {
  if (!mayHoldNul(query)) return query;
  const parsed = parseIncidentQuery(query);
  if (hasNul(parsed.service, parsed.environment, parsed.tenant, parsed.category)) return 'none';
  if (parsed.after === null || !parsed.after.includes(NUL)) return query;
  const { cursor: _, ...rest } = query;
  const after = nulFreeAfter(parsed.order, parsed.after);
  return after === null ? rest : { ...rest, cursor: nextPageCursor(parsed.order, after) };
}

/** A quick look for U+0000 in the string filters and the cursor (whose UTF-8 has a 0 byte then). */
function mayHoldNul(query: IncidentQuery): boolean {
  if (typeof query !== 'object' || query === null) return false;
  const { service, environment, tenant, category, cursor } = query;
  return (
    hasNul(service, environment, tenant, category) ||
    (typeof cursor === 'string' && Buffer.from(cursor, 'base64url').includes(0))
  );
}

/**
 * For ids without U+0000, U+0000 being the least code unit: with `p` the part of `after` before
 * its first U+0000, `id > after` is `id > p`, and `id < after` is `id <= p`, i.e. `id < p + U+0001`.
 * Null: every id comes after it (ascending from an empty `p`).
 */
export function nulFreeAfter(order: 'asc' | 'desc', after: string): string | null {
  const prefix = after.slice(0, after.indexOf(NUL));
  if (order === 'desc') return `${prefix}\u0001`;
  return prefix === '' ? null : prefix;
}
