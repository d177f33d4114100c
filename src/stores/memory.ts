import { parseInput } from '../domain/errors.js';
import { type Incident, isTerminal, openDedupKey } from '../domain/incident.js';
import { matchesIncidentQuery, nextPageCursor, parseIncidentQuery } from '../domain/query.js';
import type { TimelineEntry } from '../domain/timeline.js';
import type {
  ClaimedOutbox,
  ClaimedTimer,
  ClaimOptions,
  Commit,
  IncidentQuery,
  IncidentStore,
  OutboxOutcome,
  OutboxRecord,
  Page,
  TimerName,
  TimerRecord,
} from '../ports/store.js';
import { checkVersion, dedupKeyTaken, importCommit, readCommitHeader } from './commit-input.js';
import { copy } from './plain-data.js';
import { byId, bySoonest, claimArgs, InstantMsSchema, OutcomeSchema, TimelineOptionsSchema } from './port-inputs.js';

/** Options of {@link memoryStore}. None yet; reserved so that adding one is not a breaking change. */
export type MemoryStoreOptions = Record<string, never>;

// ---------------------------------------------------------------------------------------------
// Stored structures
// ---------------------------------------------------------------------------------------------

/** A pending timer. Rows are replaced, never re-armed in place, so a stale lease cannot delete a new timer. */
class TimerRow {
  owner: string | undefined = undefined;
  leaseUntil = 0;
  constructor(
    readonly id: string,
    readonly incidentId: string,
    readonly name: TimerName,
    readonly dueAt: number,
  ) {}
}

class OutboxRow {
  status: OutboxRecord['status'] = 'pending';
  attempts = 0;
  lastError: string | undefined = undefined;
  deliveredAt: number | undefined = undefined;
  owner: string | undefined = undefined;
  leaseUntil = 0;
  constructor(
    readonly id: string,
    readonly incidentId: string,
    readonly channel: string,
    readonly audience: OutboxRecord['audience'],
    readonly payload: OutboxRecord['payload'],
    readonly createdAt: number,
    public availableAt: number,
    /** `''` for the main lane. */
    readonly lane: string,
  ) {}

  /** The head-of-line key: incident, channel and lane. */
  get line(): string {
    return `${this.incidentId}\u0000${this.channel}\u0000${this.lane}`;
  }
}

/** Everything stored about one incident. Closed incidents keep only compact arrays. */
class Slot {
  timers: TimerRow[] | null = null;
  outbox: OutboxRow[] | null = null;
  constructor(
    public incident: Incident,
    /** `entries[i].seq === i + 1`, enforced on commit. */
    public entries: TimelineEntry[],
  ) {}
}

function timerRecord(row: TimerRow): TimerRecord {
  return { id: row.id, incidentId: row.incidentId, name: row.name, dueAt: row.dueAt };
}

function outboxRecord(row: OutboxRow): OutboxRecord {
  const out: OutboxRecord = {
    id: row.id,
    incidentId: row.incidentId,
    channel: row.channel,
    audience: row.audience,
    payload: copy(row.payload),
    createdAt: row.createdAt,
    availableAt: row.availableAt,
    ...(row.lane === '' ? {} : { lane: row.lane }),
    status: row.status,
    attempts: row.attempts,
  };
  if (row.lastError !== undefined) out.lastError = row.lastError;
  if (row.deliveredAt !== undefined) out.deliveredAt = row.deliveredAt;
  return out;
}

/** Index of the first element of the sorted `slots` whose id is greater than (or equal to, if `inclusive`) `id`. */
function searchSlots(slots: Slot[], id: string, inclusive: boolean): number {
  let lo = 0;
  let hi = slots.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const midId = (slots[mid] as Slot).incident.id;
    if (midId < id || (!inclusive && midId === id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------

/**
 * The in-memory {@link IncidentStore}: the default store, for tests, demos and single-process
 * services that can lose their data on restart. It passes `runStoreConformance()` like every
 * adapter, copies every record in and out (mutating what you passed or got back changes nothing
 * stored), and rejects values that are not plain JSON data (e.g. `Date`, `Map`, `NaN`) with a
 * `StoreError`, so that code tested against it behaves the same on a database.
 *
 * Every method completes synchronously inside its promise, so concurrent calls never interleave:
 * commits are atomic and claims never hand the same row to two owners.
 *
 * @example
 * ```ts
 * const kit = createIncidentKit({ store: memoryStore() });
 * ```
 */
export function memoryStore(_options: MemoryStoreOptions = {}): IncidentStore {
  /** Incidents by id. */
  const incidents = new Map<string, Slot>();
  /** The same slots sorted by incident id, for `query`. */
  const sorted: Slot[] = [];
  /** Open incidents (neither resolved, closed nor cancelled) by dedup key, oldest first. */
  const openByDedupKey = new Map<string, string[]>();
  /** Fingerprint and incident recorded by the commit that used the key (stored, immutable). */
  const idempotency = new Map<string, { fingerprint: string; incident: Incident }>();
  /** Every pending timer, by id. */
  const pendingTimers = new Map<string, TimerRow>();
  /** Every outbox message ever committed, by id (uniqueness, settling). */
  const outboxById = new Map<string, OutboxRow>();
  /** Pending outbox messages, kept in id order when `pendingSorted`. */
  let pendingOutbox = new Map<string, OutboxRow>();
  let pendingSorted = true;
  let pendingMaxId = '';
  let number = 0;

  function insertSorted(slot: Slot): void {
    const id = slot.incident.id;
    const last = sorted[sorted.length - 1];
    if (last === undefined || last.incident.id < id) sorted.push(slot);
    else sorted.splice(searchSlots(sorted, id, true), 0, slot);
  }

  function indexDedup(key: string, id: string): void {
    const ids = openByDedupKey.get(key);
    if (ids === undefined) openByDedupKey.set(key, [id]);
    else if (!ids.includes(id)) ids.push(id);
  }

  function unindexDedup(key: string, id: string): void {
    const ids = openByDedupKey.get(key);
    if (ids === undefined) return;
    const at = ids.indexOf(id);
    if (at >= 0) ids.splice(at, 1);
    if (ids.length === 0) openByDedupKey.delete(key);
  }

  function deleteTimer(id: string): void {
    const row = pendingTimers.get(id);
    if (row === undefined) return;
    pendingTimers.delete(id);
    const slot = incidents.get(row.incidentId);
    const rows = slot?.timers;
    if (slot === undefined || rows == null) return;
    const at = rows.indexOf(row);
    if (at >= 0) rows.splice(at, 1);
    if (rows.length === 0) slot.timers = null;
  }

  function upsertTimer(slot: Slot, row: TimerRow): void {
    deleteTimer(row.id);
    pendingTimers.set(row.id, row);
    if (slot.timers === null) slot.timers = [row];
    else slot.timers.push(row);
  }

  function addOutbox(slot: Slot, row: OutboxRow): void {
    outboxById.set(row.id, row);
    pendingOutbox.set(row.id, row);
    if (row.id < pendingMaxId) pendingSorted = false;
    else pendingMaxId = row.id;
    const rows = slot.outbox;
    if (rows === null) {
      slot.outbox = [row];
      return;
    }
    const last = rows[rows.length - 1];
    if (last === undefined || last.id < row.id) {
      rows.push(row);
      return;
    }
    let at = rows.length;
    while (at > 0 && (rows[at - 1] as OutboxRow).id > row.id) at--;
    rows.splice(at, 0, row);
  }

  function sortPendingOutbox(): void {
    if (pendingSorted) return;
    const rows = [...pendingOutbox.values()].sort(byId);
    pendingOutbox = new Map(rows.map((row) => [row.id, row]));
    pendingMaxId = rows.length > 0 ? (rows[rows.length - 1] as OutboxRow).id : '';
    pendingSorted = true;
  }

  function releaseLease(row: OutboxRow): void {
    row.owner = undefined;
    row.leaseUntil = 0;
  }

  return {
    contract: 'incidentkit.store/2',

    async load(id) {
      const slot = incidents.get(id);
      return slot === undefined ? null : copy(slot.incident);
    },

    async nextNumber() {
      number += 1;
      return number;
    },

    async commit(change: Commit) {
      // 1. Check and copy everything; nothing below may throw once step 2 starts.
      const header = readCommitHeader(change);
      const { id, idempotency: idem } = header;
      const slot = incidents.get(id);
      const actual = slot === undefined ? null : slot.incident.version;
      const key = idem?.key;
      const fingerprint = idem?.fingerprint;
      checkVersion(header, actual, key !== undefined && idempotency.has(key));
      const imported = importCommit(change, {
        lastEntry: slot?.entries[slot.entries.length - 1],
        timelineLength: slot === undefined ? 0 : slot.entries.length,
        outboxIdTaken: (messageId) => outboxById.has(messageId),
      });
      const { incident, entries } = imported;
      const dedupKey = openDedupKey(incident);
      const holder = dedupKey === null ? undefined : openByDedupKey.get(dedupKey)?.find((other) => other !== id);
      if (holder !== undefined && dedupKey !== null) throw dedupKeyTaken(header, actual, holder, dedupKey);
      const timerRows = imported.timers.set.map((t) => new TimerRow(t.id, id, t.name, t.dueAt));
      const outboxRows = imported.outbox.map(
        (m) => new OutboxRow(m.id, id, m.channel, m.audience, m.payload, m.createdAt, m.availableAt, m.lane ?? ''),
      );
      const { fired, cancel } = imported.timers;

      // 2. Apply.
      let target = slot;
      let previous: Incident | null = null;
      if (target === undefined) {
        target = new Slot(incident, entries);
        incidents.set(id, target);
        insertSorted(target);
      } else {
        previous = target.incident;
        target.incident = incident;
        for (const entry of entries) target.entries.push(entry);
      }
      const before = previous === null ? null : openDedupKey(previous);
      const after = openDedupKey(incident);
      if (before !== after) {
        if (before !== null) unindexDedup(before, id);
        if (after !== null) indexDedup(after, id);
      }
      if (key !== undefined && fingerprint !== undefined) idempotency.set(key, { fingerprint, incident });
      if (fired !== undefined) deleteTimer(fired);
      for (const cancelled of cancel) deleteTimer(cancelled);
      for (const row of timerRows) upsertTimer(target, row);
      for (const row of outboxRows) addOutbox(target, row);
      if (isTerminal(incident.status) && (previous === null || !isTerminal(previous.status))) {
        // Arrays grow with spare capacity; a closed incident keeps exact-size copies.
        target.entries = target.entries.slice();
        if (target.outbox !== null) target.outbox = target.outbox.slice();
      }
    },

    async idempotent(key) {
      const record = idempotency.get(key);
      return record === undefined ? null : { key, fingerprint: record.fingerprint, incident: copy(record.incident) };
    },

    async query(input: IncidentQuery): Promise<Page<Incident>> {
      const q = parseIncidentQuery(input);
      const { order, limit, after } = q;
      const step = order === 'asc' ? 1 : -1;
      let i: number;
      if (order === 'asc') i = after === null ? 0 : searchSlots(sorted, after, false);
      else i = (after === null ? sorted.length : searchSlots(sorted, after, true)) - 1;

      const matches: Incident[] = [];
      for (; i >= 0 && i < sorted.length && matches.length <= limit; i += step) {
        const incident = (sorted[i] as Slot).incident;
        if (matchesIncidentQuery(incident, q)) matches.push(incident);
      }
      const more = matches.length > limit;
      if (more) matches.length = limit;
      const last = matches[matches.length - 1];
      return {
        items: matches.map((incident) => copy(incident)),
        nextCursor: more && last !== undefined ? nextPageCursor(order, last.id) : null,
      };
    },

    async timeline(id, opts) {
      const options = parseInput(TimelineOptionsSchema, opts, 'timeline options');
      const slot = incidents.get(id);
      if (slot === undefined) return [];
      const start = options?.afterSeq ?? 0;
      const end = options?.limit === undefined ? undefined : start + options.limit;
      return slot.entries.slice(start, end).map((entry) => copy(entry));
    },

    async findOpenByDedupKey(key) {
      const id = openByDedupKey.get(key)?.[0];
      const slot = id === undefined ? undefined : incidents.get(id);
      return slot === undefined ? null : copy(slot.incident);
    },

    async timers(incidentId) {
      const rows = incidents.get(incidentId)?.timers;
      if (rows == null) return [];
      return rows.map(timerRecord).sort(bySoonest);
    },

    async claimTimers(now: number, opts: ClaimOptions): Promise<ClaimedTimer[]> {
      const { limit, owner, leaseUntil } = claimArgs(now, opts, 'timer claim');
      if (limit === 0) return [];
      const due: TimerRow[] = [];
      for (const row of pendingTimers.values()) {
        if (row.dueAt <= now && (row.owner === undefined || row.leaseUntil <= now)) due.push(row);
      }
      due.sort(bySoonest);
      if (due.length > limit) due.length = limit;
      return due.map((row) => {
        row.owner = owner;
        row.leaseUntil = leaseUntil;
        return { ...timerRecord(row), owner, leaseUntil };
      });
    },

    async completeTimer(id, owner) {
      const row = pendingTimers.get(id);
      // A lease that expired but nobody took over is still the owner's; a re-armed timer has no owner.
      if (row !== undefined && row.owner !== undefined && row.owner === owner) deleteTimer(id);
    },

    async claimOutbox(now: number, opts: ClaimOptions): Promise<ClaimedOutbox[]> {
      const { limit, owner, leaseUntil } = claimArgs(now, opts, 'outbox claim');
      if (limit === 0) return [];
      sortPendingOutbox();
      const waiting = new Set<string>();
      const claimed: ClaimedOutbox[] = [];
      for (const row of pendingOutbox.values()) {
        // Head of line: only the earliest pending message of an incident, channel and lane may go.
        const line = row.line;
        if (waiting.has(line)) continue;
        waiting.add(line);
        if (row.availableAt > now || (row.owner !== undefined && row.leaseUntil > now)) continue;
        row.owner = owner;
        row.leaseUntil = leaseUntil;
        claimed.push({ ...outboxRecord(row), owner, leaseUntil });
        if (claimed.length >= limit) break;
      }
      return claimed;
    },

    async settleOutbox(id, owner, outcome: OutboxOutcome) {
      const result = parseInput(OutcomeSchema, outcome, 'outbox outcome');
      const row = pendingOutbox.get(id);
      if (row === undefined || row.owner === undefined || row.owner !== owner) return;
      releaseLease(row);
      // Deferred: the message was not sent, so it is not an attempt.
      if (result.type !== 'deferred') row.attempts += 1;
      switch (result.type) {
        case 'delivered':
          row.status = 'delivered';
          row.deliveredAt = result.at;
          pendingOutbox.delete(id);
          break;
        case 'retry':
          row.availableAt = result.at;
          row.lastError = result.error;
          break;
        case 'dead':
          row.status = 'dead';
          row.lastError = result.error;
          pendingOutbox.delete(id);
          break;
        case 'deferred':
          row.availableAt = result.at;
          break;
      }
    },

    async nextDueAt(after: number) {
      parseInput(InstantMsSchema, after, 'nextDueAt instant');
      let next = Number.POSITIVE_INFINITY;
      for (const row of pendingTimers.values()) {
        const at = row.owner !== undefined && row.leaseUntil > row.dueAt ? row.leaseUntil : row.dueAt;
        if (at > after && at < next) next = at;
      }
      sortPendingOutbox();
      const heads = new Set<string>();
      for (const row of pendingOutbox.values()) {
        // Only the head of each line (incident, channel, lane) can become claimable.
        const line = row.line;
        if (heads.has(line)) continue;
        heads.add(line);
        const at = row.owner !== undefined && row.leaseUntil > row.availableAt ? row.leaseUntil : row.availableAt;
        if (at > after && at < next) next = at;
      }
      return next === Number.POSITIVE_INFINITY ? null : next;
    },

    async outbox(incidentId) {
      const rows = incidents.get(incidentId)?.outbox;
      return rows == null ? [] : rows.map(outboxRecord);
    },

    async close() {},
  };
}
