/**
 * A complete `IncidentStore` on the public API only: state in Maps, written whole to one JSON file after
 * every change when given a path (one process per file). It passes `runStoreConformance()` (custom-store.test.ts);
 * docs/storage-adapters.md walks through it. Demo: `npx tsx --tsconfig tsconfig.examples.json examples/custom-store.ts`
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ClaimOptions, IdempotencyRecord, Incident, IncidentStore, TimelineEntry, TimerRecord } from 'incidentkit';
import {
  ConcurrencyError,
  createIncidentKit,
  IncidentSchema,
  matchesIncidentQuery,
  nextPageCursor,
  type OutboxRecord,
  openDedupKey,
  parseIncidentQuery,
  StoreError,
} from 'incidentkit';

type Leased<T> = T & { owner?: string; leaseUntil?: number }; // a claimed row's lease, as two more columns
interface State {
  number: number;
  incidents: Map<string, Incident>;
  timelines: Map<string, TimelineEntry[]>; // entries[i].seq === i + 1, checked on commit
  timers: Map<string, Leased<TimerRecord>>;
  outbox: Map<string, Leased<OutboxRecord>>;
  idempotency: Map<string, IdempotencyRecord>;
}
export type JsonFileStore = IncidentStore & { snapshot(): unknown }; // snapshot(): the state, as in the file

const MAPS = ['incidents', 'timelines', 'timers', 'outbox', 'idempotency'] as const; // in the file: [key, value][]
const toJson = (s: State) => JSON.stringify({ ...s, ...Object.fromEntries(MAPS.map((m) => [m, [...s[m]]])) });
const fromJson = (raw: Record<string, unknown>) =>
  ({ number: 0, ...raw, ...Object.fromEntries(MAPS.map((m) => [m, new Map(raw[m] as [string, unknown][])])) }) as State;

/** Copies in and out by a JSON round trip: nothing is shared with callers, absent fields stay absent. */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value));
const record = <T>(row: Leased<T>): T => copy({ ...row, owner: undefined, leaseUntil: undefined }); // JSON drops them
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byDue = (a: TimerRecord, b: TimerRecord) => a.dueAt - b.dueAt || byId(a, b);
const sorted = <T extends { incidentId: string }>(rows: Map<string, T>, order: (a: T, b: T) => number, of?: string) =>
  [...rows.values()].filter((row) => of === undefined || row.incidentId === of).sort(order);
/** A row becomes claimable when it is due, or when its lease ends if that is later. */
const claimableAt = (due: number, row: Leased<object>) => Math.max(due, row.leaseUntil ?? 0);

export function jsonFileStore(path?: string): JsonFileStore {
  let state = fromJson({});
  let corrupt = new Map<string, StoreError>(); // incidents of the file that fail the schema: never returned
  /** (Re)reads the file. What comes from outside is checked once, here. */
  function open(): void {
    [state, corrupt] = [fromJson({}), new Map()];
    if (path === undefined || !existsSync(path)) return;
    try {
      state = fromJson(JSON.parse(readFileSync(path, 'utf8')));
    } catch (cause) {
      throw new StoreError(`Cannot read ${path}`, { cause });
    }
    for (const [id, incident] of state.incidents) {
      const cause = IncidentSchema.safeParse(incident).error;
      if (cause) corrupt.set(id, new StoreError(`Stored incident "${id}" fails the schema`, { incidentId: id, cause }));
    }
  }
  // Applies a checked change (`apply` must not throw), then writes the whole state to a temp file renamed
  // over the old one: a crash leaves the old or the new file. If that fails, memory goes back to the file.
  function write<T>(apply: () => T): T {
    const result = apply();
    if (path === undefined) return result;
    try {
      writeFileSync(`${path}.tmp`, toJson(state), { flush: true });
      renameSync(`${path}.tmp`, path);
    } catch (cause) {
      open();
      throw new StoreError(`Cannot write ${path}`, { cause });
    }
    return result;
  }
  /** Head of line: of the pending messages of one incident, channel and lane, only the earliest may go. */
  function heads(): Leased<OutboxRecord>[] {
    const pending = sorted(state.outbox, byId).filter((m) => m.status === 'pending');
    const line = (m: OutboxRecord) => JSON.stringify([m.incidentId, m.channel, m.lane ?? '']);
    return pending.filter((m, i) => pending.findIndex((first) => line(first) === line(m)) === i);
  }
  /** The open incident that holds dedup key `key` (none for null); a corrupt record holds no key. */
  const openWith = (key: string | null) =>
    [...state.incidents].find(([id, i]) => key !== null && !corrupt.has(id) && openDedupKey(i) === key);
  /** Leases the first `limit` rows that are due and free (no lease, or an ended one) to `owner`, in one write. */
  function claim<T>(rows: Leased<T>[], due: (row: T) => boolean, now: number, options: ClaimOptions) {
    const lease = { owner: options.owner, leaseUntil: now + options.leaseMs };
    const claimed = rows.filter((row) => due(row) && (row.leaseUntil ?? 0) <= now).slice(0, options.limit);
    if (claimed.length === 0) return []; // an idle worker polls often: do not rewrite the file for nothing
    return write(() => claimed.map((row) => copy(Object.assign(row, lease))));
  }
  open();
  // No method awaits before it is done and Node never interleaves two, so each check-then-write is
  // atomic and two claims never take the same row. A database needs a transaction for that.
  return {
    contract: 'incidentkit.store/2',
    snapshot: () => JSON.parse(toJson(state)),
    async load(id) {
      if (corrupt.has(id)) throw corrupt.get(id);
      return copy(state.incidents.get(id) ?? null);
    },
    nextNumber: async () => write(() => ++state.number),
    async commit({ incident, expectedVersion: expected, entries, timers, outbox, idempotency }) {
      // 1. Check everything before changing anything: a failed commit leaves no trace.
      const id = incident.id;
      if (corrupt.has(id)) throw corrupt.get(id);
      const actual = state.incidents.get(id)?.version ?? null;
      const conflict = (why?: string) => new ConcurrencyError(id, expected, actual, why);
      if (idempotency && state.idempotency.has(idempotency.key)) throw conflict('Idempotency key used before');
      if (actual !== (expected === 0 ? null : expected)) throw conflict(); // CAS; 0 creates, so it must not exist
      const invalid = (why: string) => new StoreError(`Invalid commit of "${id}": ${why}; nothing was written`);
      if (incident.version !== expected + 1) throw invalid('incident.version is not expectedVersion + 1');
      const timeline = state.timelines.get(id) ?? [];
      const continues = entries.every((e, i) => e.incidentId === id && e.seq === timeline.length + i + 1);
      if (!continues) throw invalid('the entries do not continue its timeline');
      const unique = new Set(outbox.map((m) => m.id)).size === outbox.length;
      if (!unique || outbox.some((m) => state.outbox.has(m.id))) throw invalid('duplicate outbox message id');
      // One open incident per dedup key (in SQL: a unique index on a column of `openDedupKey()`).
      const holder = openWith(openDedupKey(incident))?.[0];
      if (holder !== undefined && holder !== id) throw conflict(`"${holder}" is open with this dedup key`);
      const [next, added, armed, messages] = copy([incident, entries, timers.set, outbox]);
      // 2. Apply all of it: incident, timeline, idempotency key, timers and outbox together.
      write(() => {
        state.incidents.set(id, next);
        state.timelines.set(id, [...timeline, ...added]);
        if (idempotency) state.idempotency.set(idempotency.key, { ...idempotency, incident: next });
        if (timers.fired !== undefined) state.timers.delete(timers.fired); // gone, unless `set` re-arms it
        for (const gone of timers.cancel) state.timers.delete(gone);
        for (const timer of armed) state.timers.set(timer.id, timer); // a new row: replacing clears the lease
        for (const m of messages) state.outbox.set(m.id, { ...m, status: 'pending', attempts: 0 });
      });
    },
    idempotent: async (key) => copy(state.idempotency.get(key) ?? null),
    async query(input) {
      const q = parseIncidentQuery(input); // ValidationError for a bad filter, limit or cursor
      const ids = [...state.incidents.keys()].sort();
      const hits: string[] = []; // up to limit + 1: one more tells that there is a next page
      for (const id of q.order === 'asc' ? ids : ids.reverse()) {
        if (q.after !== null && (q.order === 'asc' ? id <= q.after : id >= q.after)) continue;
        // A corrupt record cannot be filtered: it is reported rather than hidden, and counts for the limit.
        if (corrupt.has(id) || matchesIncidentQuery(state.incidents.get(id)!, q)) hits.push(id);
        if (hits.length > q.limit) break;
      }
      const rows = hits.slice(0, q.limit);
      const items = rows.filter((id) => !corrupt.has(id)).map((id) => copy(state.incidents.get(id)!));
      const nextCursor = hits.length > q.limit ? nextPageCursor(q.order, rows.at(-1)!) : null; // after the last id
      const errors = rows.flatMap((id) => corrupt.get(id) ?? []);
      return errors.length > 0 ? { items, nextCursor, errors } : { items, nextCursor };
    },
    timeline: async (id, { afterSeq = 0, limit } = {}) =>
      copy((state.timelines.get(id) ?? []).slice(afterSeq, limit === undefined ? undefined : afterSeq + limit)),
    findOpenByDedupKey: async (key) => copy(openWith(key)?.[1] ?? null),
    timers: async (incidentId) => sorted(state.timers, byDue, incidentId).map(record),
    claimTimers: async (now, options) => claim(sorted(state.timers, byDue), (t) => t.dueAt <= now, now, options),
    async completeTimer(id, owner) {
      // Only by its owner. An expired lease still counts until another worker claims the timer.
      if (state.timers.get(id)?.owner === owner) write(() => state.timers.delete(id));
    },
    claimOutbox: async (now, options) => claim(heads(), (m) => m.availableAt <= now, now, options),
    async settleOutbox(id, owner, outcome) {
      const m = state.outbox.get(id);
      if (m?.status !== 'pending' || m.owner !== owner) return; // only the lease holder, once
      write(() => {
        Object.assign(m, { owner: undefined, leaseUntil: undefined }); // frees the lease
        if (outcome.type === 'deferred')
          m.availableAt = outcome.at; // not sent: no attempt, lastError stays
        else m.attempts += 1;
        if (outcome.type === 'delivered') Object.assign(m, { status: 'delivered', deliveredAt: outcome.at });
        else if (outcome.type === 'retry') Object.assign(m, { availableAt: outcome.at, lastError: outcome.error });
        else if (outcome.type === 'dead') Object.assign(m, { status: 'dead', lastError: outcome.error });
      });
    },
    async nextDueAt(after) {
      const timers = [...state.timers.values()].map((t) => claimableAt(t.dueAt, t));
      const messages = heads().map((m) => claimableAt(m.availableAt, m)); // one behind its head waits for it
      const times = [...timers, ...messages].filter((at) => at > after);
      return times.length === 0 ? null : Math.min(...times);
    },
    outbox: async (incidentId) => sorted(state.outbox, byId, incidentId).map(record),
  };
}

/** The demo: report and resolve an incident over a file, then read it back through a second store. */
export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'incidentkit-'));
  const kit = createIncidentKit({ store: jsonFileStore(join(dir, 'incidents.json')) });
  const reporter = { name: 'Grafana', kind: 'monitoring' } as const;
  const { id } = await kit.report({ title: 'Shop down', reporter, service: 'shop', impact: 'high', urgency: 'high' });
  await kit.resolve(id, { summary: 'Rolled back release 4.2' }, { actor: 'ana' });
  const store = jsonFileStore(join(dir, 'incidents.json')); // as a restarted process would: the same file
  const { number, status, version } = await createIncidentKit({ store }).get(id);
  console.log(`Reopened the file: ${number} is ${status} at version ${version}`);
  for (const e of await store.timeline(id)) console.log(`  #${e.seq} ${e.type} by ${e.actor.id}`);
  console.log(`Pending timers: ${(await store.timers(id)).map((t) => t.name).join(', ')}`);
  rmSync(dir, { recursive: true });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
