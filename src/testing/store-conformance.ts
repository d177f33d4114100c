import assert from 'node:assert/strict';
import { ConcurrencyError, type IncidentKitError, StoreError, ValidationError } from '../domain/errors.js';
import { type Incident, IncidentSchema } from '../domain/incident.js';
import { type TimelineEntry, type TimelineEntryOf, TimelineEntrySchema } from '../domain/timeline.js';
import { toIso } from '../ports/clock.js';
import type { Commit, IncidentStore, IncidentSummary, OutboxMessage, TimerName, TimerRecord } from '../ports/store.js';

/** Options of {@link runStoreConformance}. */
export interface StoreConformanceOptions {
  /** Name of the adapter, used in the suite's title. */
  name: string;
  /** Makes a fresh, empty store. Called once per check; the check calls `close()` when done. */
  createStore: () => IncidentStore | Promise<IncidentStore>;
  /** Registers one check with your test runner (`test` of vitest, `node:test`, jest, ...). */
  test: (name: string, fn: () => Promise<void>) => unknown;
  /** Groups the checks (`describe` of your runner). Without it, check names are prefixed with `name`. */
  describe?: (name: string, fn: () => void) => unknown;
  /**
   * Optional view of the raw stored state (e.g. every row of every table). When given, checks
   * that expect a failed commit to write nothing also compare it before and after.
   */
  inspect?: (store: IncidentStore) => Promise<unknown>;
  /** Names of checks (see {@link STORE_CONFORMANCE_CHECKS}) not to register. Unknown names throw. */
  skip?: readonly string[];
}

interface Context {
  store: IncidentStore;
  inspect: ((store: IncidentStore) => Promise<unknown>) | undefined;
}

type Check = readonly [name: string, run: (ctx: Context) => Promise<void>];

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const MINUTE = 60_000;

function incidentId(n: number): string {
  return `inc_${String(n).padStart(6, '0')}`;
}

/** A valid, minimal incident (no optional field present) numbered `n`. */
function makeIncident(n: number, overrides: Partial<Incident> = {}): Incident {
  const at = toIso(T0 + n * MINUTE);
  return {
    id: incidentId(n),
    number: `INC-${n}`,
    title: `Incident ${n}`,
    description: '',
    reporter: { name: 'Ada Lovelace', kind: 'employee' },
    reportedAt: at,
    service: 'checkout',
    environment: 'production',
    category: 'general',
    impact: null,
    urgency: null,
    priority: null,
    flags: { security: false, compliance: false, financial: false, reputation: false },
    major: false,
    status: 'new',
    phase: null,
    hold: null,
    assignment: { team: null, tier: 1, assignee: null, supporting: [] },
    participants: [],
    escalation: { level: 0, history: [] },
    sla: { clocks: [] },
    acknowledgedAt: null,
    resolution: null,
    review: null,
    closedAt: null,
    cancellation: null,
    links: { parent: null, children: [], duplicateOf: null },
    labels: [],
    custom: {},
    version: 1,
    lastSeq: 1,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** An incident with every optional field present, large nested custom fields and unicode text. */
function makeFullIncident(n: number): Incident {
  const at = (minutes: number) => toIso(T0 + minutes * MINUTE);
  const rows = Array.from({ length: 800 }, (_, i) => ({
    index: i,
    host: `host-${i}.eu-west-1.example.com`,
    healthy: i % 3 !== 0,
    latencyMs: i * 1.25,
    tags: ['edge', `shard-${i % 16}`],
    note: 'Zeitüberschreitung beim Verbindungsaufbau — 接続タイムアウト ⏱️',
  }));
  return makeIncident(n, {
    title: 'Paiement refusé 💳 — 支付失败 — Ошибка оплаты (ümlaut, "quotes", \\ backslash)',
    description: 'Line one\nLine two\ttabbed\n\u00e9\u0301 combining, emoji 👩🏽‍💻, zero-width\u200bspace',
    reporter: { name: 'Zoë Ångström', contact: 'zoe@example.com', kind: 'customer' },
    source: 'web-form',
    tenant: 'acme',
    subcategory: 'payments',
    impact: 'high',
    urgency: 'medium',
    priority: 'P2',
    severity: 'SEV2',
    usersAffected: 123_456,
    flags: { security: true, compliance: false, financial: true, reputation: false },
    major: true,
    status: 'on_hold',
    phase: null,
    hold: { reason: 'vendor', detail: 'Waiting for PSP', since: at(30), resumeTo: 'identified' },
    assignment: { team: 'payments', tier: 2, assignee: 'u_42', supporting: ['sre', 'dba'] },
    participants: [
      { id: 'u_42', name: 'Grace Hopper', role: 'commander', team: 'payments', addedAt: at(5) },
      { id: 'u_7', name: 'Alan Turing', role: 'responder', addedAt: at(6) },
    ],
    escalation: {
      level: 1,
      history: [
        {
          at: at(10),
          kind: 'vertical',
          mode: 'reassign',
          level: 1,
          from: { team: 'payments', tier: 1, assignee: null },
          to: { team: 'payments', tier: 2, assignee: 'u_42' },
          reason: 'acknowledgement timeout',
          automatic: true,
        },
      ],
    },
    sla: {
      clocks: [
        { name: 'response', targetMs: 900_000, startedAt: at(1), dueAt: at(16), warnAt: at(12), metAt: at(4) },
        {
          name: 'resolution',
          targetMs: 14_400_000,
          startedAt: at(1),
          dueAt: at(241),
          pausedAt: at(30),
          breachedAt: at(300),
        },
      ],
    },
    acknowledgedAt: at(4),
    resolution: { code: 'workaround', summary: 'Switched PSP', resolvedAt: at(60) },
    review: {
      summary: 'PSP outage',
      rootCause: 'Expired certificate',
      contributingFactors: ['No expiry alert'],
      actionItems: [{ title: 'Alert on certificate expiry', owner: 'u_7', dueDate: '2026-12-31' }],
      recordedAt: at(90),
      recordedBy: 'u_42',
    },
    closedAt: at(100),
    cancellation: { reason: 'duplicate', note: 'see parent', at: at(101) },
    links: { parent: incidentId(n + 1000), children: [incidentId(n + 2000)], duplicateOf: incidentId(n + 1000) },
    dedupKey: `alert:payments:${n}`,
    labels: ['payments', 'psp', 'été', '🔥'],
    custom: {
      customerTier: 'gold',
      score: 0.1,
      big: 9_007_199_254_740_991,
      negative: -42,
      empty: {},
      emptyList: [],
      nothing: null,
      flags: [true, false],
      nested: { level1: { level2: { level3: ['deep', { level4: 'deeper' }] } } },
      rows,
    },
    version: 1,
    lastSeq: 1,
  });
}

function note(incident: string, seq: number, text = `note ${seq}`): TimelineEntryOf<'note'> {
  return {
    incidentId: incident,
    seq,
    at: toIso(T0 + seq * 1000),
    actor: { id: 'u_1', name: 'Ada' },
    type: 'note',
    text,
    visibility: 'internal',
  };
}

function summary(incident: Incident): IncidentSummary {
  const out: IncidentSummary = {
    id: incident.id,
    number: incident.number,
    title: incident.title,
    status: incident.status,
    phase: incident.phase,
    priority: incident.priority,
    major: incident.major,
    service: incident.service,
    environment: incident.environment,
    assignment: incident.assignment,
  };
  if (incident.tenant !== undefined) out.tenant = incident.tenant;
  return out;
}

function message(
  id: string,
  incident: Incident,
  options: { channel?: string; availableAt?: number; entry?: TimelineEntry } = {},
): OutboxMessage {
  return {
    id,
    incidentId: incident.id,
    channel: options.channel ?? 'webhook',
    audience: 'responders',
    payload: {
      event: 'incident.note_added',
      incident: summary(incident),
      entry: options.entry ?? note(incident.id, incident.lastSeq),
    },
    createdAt: T0,
    availableAt: options.availableAt ?? T0,
  };
}

function timer(incident: Incident, name: TimerName, dueAt: number): TimerRecord {
  return { id: `${incident.id}:${name}`, incidentId: incident.id, name, dueAt };
}

function msgId(n: number): string {
  return `msg_${String(n).padStart(6, '0')}`;
}

type CommitParts = Partial<Omit<Commit, 'incident' | 'expectedVersion' | 'timers'>> & {
  timers?: Partial<Commit['timers']>;
};

function commitOf(incident: Incident, expectedVersion: number, parts: CommitParts = {}): Commit {
  const change: Commit = {
    incident,
    expectedVersion,
    entries: parts.entries ?? [],
    timers: { set: parts.timers?.set ?? [], cancel: parts.timers?.cancel ?? [] },
    outbox: parts.outbox ?? [],
  };
  if (parts.timers?.fired !== undefined) change.timers.fired = parts.timers.fired;
  if (parts.idempotencyKey !== undefined) change.idempotencyKey = parts.idempotencyKey;
  return change;
}

/** Creates `incident` (version 1) with its first timeline entry. */
async function create(store: IncidentStore, incident: Incident, parts: CommitParts = {}): Promise<Incident> {
  await store.commit(commitOf(incident, 0, { entries: [note(incident.id, 1, 'reported')], ...parts }));
  return incident;
}

/** Commits the next version of `current` with `changes` and one more timeline entry. */
async function update(
  store: IncidentStore,
  current: Incident,
  changes: Partial<Incident> = {},
  parts: CommitParts = {},
): Promise<Incident> {
  const next: Incident = {
    ...current,
    ...changes,
    version: current.version + 1,
    lastSeq: current.lastSeq + 1,
    updatedAt: toIso(T0 + (current.version + 1) * MINUTE),
  };
  await store.commit(commitOf(next, current.version, { entries: [note(next.id, next.lastSeq)], ...parts }));
  return next;
}

async function createMany(store: IncidentStore, count: number, make = (n: number) => makeIncident(n)) {
  const out: Incident[] = [];
  for (let n = 1; n <= count; n++) out.push(await create(store, make(n)));
  return out;
}

/** Everything observable about some incidents, to prove that a failed commit wrote nothing. */
async function snapshot(ctx: Context, ids: string[]): Promise<unknown> {
  const { store } = ctx;
  const perIncident = await Promise.all(
    ids.map(async (id) => ({
      incident: await store.load(id),
      timeline: await store.timeline(id),
      timers: await store.timers(id),
      outbox: await store.outbox(id),
    })),
  );
  const all = await store.query({ limit: 500 });
  return { perIncident, all, raw: ctx.inspect ? await ctx.inspect(store) : undefined };
}

async function expectNothingWritten(ctx: Context, ids: string[], before: unknown, why: string) {
  assert.deepStrictEqual(await snapshot(ctx, ids), before, `${why}: a failed commit must write nothing`);
}

async function rejectsWith(
  promise: Promise<unknown>,
  is: (err: unknown) => boolean,
  code: string,
  extra?: (err: IncidentKitError) => void,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(is(err), `expected an incidentkit error with code ${code}, got: ${String(err)}`);
    assert.equal((err as IncidentKitError).code, code);
    extra?.(err as IncidentKitError);
    return true;
  });
}

const ids = (items: { id: string }[]) => items.map((item) => item.id);

async function allPages(store: IncidentStore, query: Parameters<IncidentStore['query']>[0]) {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const result = await store.query(cursor === null ? query : { ...query, cursor });
    seen.push(...ids(result.items));
    cursor = result.nextCursor;
    if (cursor === null) return seen;
  }
  throw new assert.AssertionError({ message: 'pagination did not end after 100 pages' });
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

const checks: Check[] = [
  [
    'fixtures are valid incidentkit records',
    async () => {
      for (const incident of [makeIncident(1), makeFullIncident(2)]) {
        assert.deepStrictEqual(IncidentSchema.parse(incident), incident);
      }
      const entry = note(incidentId(1), 1);
      assert.deepStrictEqual(TimelineEntrySchema.parse(entry), entry);
    },
  ],
  [
    'declares the store contract',
    async ({ store }) => {
      assert.equal(store.contract, 'incidentkit.store/1');
    },
  ],
  [
    'round-trips every field of an incident with all optional fields present',
    async ({ store }) => {
      const incident = makeFullIncident(1);
      const expected = structuredClone(incident);
      await create(store, incident, { idempotencyKey: 'round-trip' });
      assert.deepStrictEqual(await store.load(incident.id), expected);
      assert.deepStrictEqual((await store.query({})).items, [expected]);
      assert.deepStrictEqual(await store.idempotent('round-trip'), expected);
      const open = makeFullIncident(2);
      open.status = 'active';
      open.phase = 'investigating';
      await create(store, open);
      assert.deepStrictEqual(await store.findOpenByDedupKey(open.dedupKey as string), open);
    },
  ],
  [
    'round-trips an incident with optional fields absent',
    async ({ store }) => {
      const incident = makeIncident(1);
      await create(store, incident);
      const loaded = await store.load(incident.id);
      assert.deepStrictEqual(loaded, makeIncident(1));
      for (const key of ['source', 'tenant', 'subcategory', 'severity', 'usersAffected', 'dedupKey']) {
        assert.equal(Object.hasOwn(loaded as object, key), false, `absent "${key}" must stay absent`);
      }
    },
  ],
  [
    'round-trips timeline entries, timers and outbox messages',
    async ({ store }) => {
      const incident = makeFullIncident(1);
      const entries: TimelineEntry[] = [
        { ...note(incident.id, 1, 'Gemeldet 🚨 — 报告'), visibility: 'public' },
        {
          incidentId: incident.id,
          seq: 2,
          at: toIso(T0 + 2000),
          actor: { id: 'system' },
          type: 'triaged',
          priority: 'P2',
          previousPriority: null,
          impact: 'high',
          urgency: 'medium',
          reasons: [{ rule: 'itil.matrix[high][medium]', detail: 'High impact, medium urgency' }],
        },
        {
          incidentId: incident.id,
          seq: 3,
          at: toIso(T0 + 3000),
          actor: { id: 'u_1' },
          type: 'update_posted',
          audiences: ['stakeholders', 'customers'],
          message: 'We are investigating.',
          phase: 'investigating',
        },
      ];
      const timers = [timer(incident, 'slaBreach', T0 + 5000), timer(incident, 'escalation', T0 + 1000)];
      const outbox = [
        message(msgId(1), incident, { entry: entries[0] as TimelineEntry }),
        message(msgId(2), incident, { channel: 'slack', availableAt: T0 + 10, entry: entries[2] as TimelineEntry }),
      ];
      const expectedEntries = structuredClone(entries);
      const expectedOutbox = structuredClone(outbox).map((m) => ({ ...m, status: 'pending', attempts: 0 }));
      await store.commit(commitOf({ ...incident, lastSeq: 3 }, 0, { entries, timers: { set: timers }, outbox }));
      assert.deepStrictEqual(await store.timeline(incident.id), expectedEntries);
      assert.deepStrictEqual(await store.timers(incident.id), [timers[1], timers[0]]);
      assert.deepStrictEqual(await store.outbox(incident.id), expectedOutbox);
    },
  ],
  [
    'load of an unknown id is null',
    async ({ store }) => {
      assert.equal(await store.load('inc_unknown'), null);
      await create(store, makeIncident(1));
      assert.equal(await store.load('inc_unknown'), null);
    },
  ],
  [
    'creating an incident that exists fails with ConcurrencyError and writes nothing',
    async (ctx) => {
      const { store } = ctx;
      const incident = await create(store, makeIncident(1), {
        timers: { set: [timer(makeIncident(1), 'escalation', T0)] },
      });
      const before = await snapshot(ctx, [incident.id]);
      const again = makeIncident(1, { title: 'other' });
      await rejectsWith(
        store.commit(
          commitOf(again, 0, {
            entries: [note(again.id, 1)],
            timers: { set: [timer(again, 'slaBreach', T0)], cancel: [`${again.id}:escalation`] },
            outbox: [message(msgId(1), again)],
          }),
        ),
        ConcurrencyError.isInstance,
        'CONCURRENCY',
      );
      await expectNothingWritten(ctx, [incident.id], before, 'create twice');
    },
  ],
  [
    'a stale expectedVersion fails with ConcurrencyError and writes nothing',
    async (ctx) => {
      const { store } = ctx;
      const v1 = await create(store, makeIncident(1), { timers: { set: [timer(makeIncident(1), 'escalation', T0)] } });
      const v2 = await update(store, v1, { title: 'second' });
      const before = await snapshot(ctx, [v1.id]);
      const stale: Incident = { ...v1, title: 'stale', version: 2, lastSeq: 3 };
      await rejectsWith(
        store.commit(
          commitOf(stale, 1, {
            entries: [note(v1.id, 3)],
            timers: { set: [timer(v1, 'slaBreach', T0)], cancel: [`${v1.id}:escalation`] },
            outbox: [message(msgId(1), stale)],
          }),
        ),
        ConcurrencyError.isInstance,
        'CONCURRENCY',
        (err) => {
          assert.equal((err as ConcurrencyError).expectedVersion, 1);
          assert.equal((err as ConcurrencyError).actualVersion, 2);
        },
      );
      await expectNothingWritten(ctx, [v1.id], before, 'stale version');
      assert.equal((await store.load(v1.id))?.title, v2.title);
      const ghost = makeIncident(9, { version: 4 });
      await rejectsWith(store.commit(commitOf(ghost, 3)), ConcurrencyError.isInstance, 'CONCURRENCY', (err) => {
        assert.equal((err as ConcurrencyError).actualVersion, null);
      });
      assert.equal(await store.load(ghost.id), null);
    },
  ],
  [
    'a commit whose incident version is not expectedVersion + 1 fails with StoreError',
    async (ctx) => {
      const { store } = ctx;
      const v1 = await create(store, makeIncident(1));
      const before = await snapshot(ctx, [v1.id]);
      await rejectsWith(
        store.commit(commitOf({ ...v1, version: 3, lastSeq: 2 }, 1, { entries: [note(v1.id, 2)] })),
        StoreError.isInstance,
        'STORE',
      );
      await expectNothingWritten(ctx, [v1.id], before, 'version skip');
    },
  ],
  [
    'a duplicate outbox id within one commit fails with StoreError and writes nothing',
    async (ctx) => {
      const { store } = ctx;
      const v1 = await create(store, makeIncident(1), { timers: { set: [timer(makeIncident(1), 'escalation', T0)] } });
      const before = await snapshot(ctx, [v1.id]);
      const v2: Incident = { ...v1, version: 2, lastSeq: 2, title: 'changed' };
      await rejectsWith(
        store.commit(
          commitOf(v2, 1, {
            entries: [note(v1.id, 2)],
            timers: { set: [timer(v1, 'slaBreach', T0)], cancel: [`${v1.id}:escalation`] },
            outbox: [message(msgId(1), v2), message(msgId(1), v2, { channel: 'slack' })],
            idempotencyKey: 'dup-1',
          }),
        ),
        StoreError.isInstance,
        'STORE',
      );
      await expectNothingWritten(ctx, [v1.id], before, 'duplicate outbox id');
      assert.equal(await store.idempotent('dup-1'), null);
      await update(store, v1, {}, { outbox: [message(msgId(1), v1)], idempotencyKey: 'dup-1' });
      assert.equal((await store.load(v1.id))?.version, 2, 'the same commit without the duplicate succeeds');
    },
  ],
  [
    'reusing a stored outbox id fails with StoreError and writes nothing',
    async (ctx) => {
      const { store } = ctx;
      const a = await create(store, makeIncident(1), { outbox: [message(msgId(1), makeIncident(1))] });
      const b = await create(store, makeIncident(2));
      const before = await snapshot(ctx, [a.id, b.id]);
      await rejectsWith(
        store.commit(
          commitOf({ ...a, version: 2, lastSeq: 2 }, 1, { entries: [note(a.id, 2)], outbox: [message(msgId(1), a)] }),
        ),
        StoreError.isInstance,
        'STORE',
      );
      await rejectsWith(
        store.commit(
          commitOf({ ...b, version: 2, lastSeq: 2 }, 1, { entries: [note(b.id, 2)], outbox: [message(msgId(1), b)] }),
        ),
        StoreError.isInstance,
        'STORE',
      );
      await expectNothingWritten(ctx, [a.id, b.id], before, 'stored outbox id');
    },
  ],
  [
    'timeline entries that do not continue the timeline fail with StoreError and write nothing',
    async (ctx) => {
      const { store } = ctx;
      const v1 = await create(store, makeIncident(1));
      const before = await snapshot(ctx, [v1.id]);
      const v2: Incident = { ...v1, version: 2, lastSeq: 3 };
      for (const entries of [
        [note(v1.id, 3)],
        [note(v1.id, 2), note(v1.id, 4)],
        [note(v1.id, 1)],
        [note(v1.id, 2), note(v1.id, 2)],
      ]) {
        await rejectsWith(store.commit(commitOf(v2, 1, { entries })), StoreError.isInstance, 'STORE');
      }
      await expectNothingWritten(ctx, [v1.id], before, 'seq gap');
      const fresh = makeIncident(2);
      await rejectsWith(
        store.commit(commitOf(fresh, 0, { entries: [note(fresh.id, 2)] })),
        StoreError.isInstance,
        'STORE',
      );
      assert.equal(await store.load(fresh.id), null);
    },
  ],
  [
    'idempotent() returns the incident recorded with the key, as it was then',
    async ({ store }) => {
      const v1 = await create(store, makeIncident(1), { idempotencyKey: 'report-1' });
      const v2 = await update(store, v1, { title: 'later' }, { idempotencyKey: 'update-1' });
      await update(store, v2, { title: 'even later' });
      assert.deepStrictEqual(await store.idempotent('report-1'), v1);
      assert.deepStrictEqual(await store.idempotent('update-1'), v2);
      assert.equal(await store.idempotent('never-used'), null);
    },
  ],
  [
    'reusing an idempotency key fails with ConcurrencyError and writes nothing',
    async (ctx) => {
      const { store } = ctx;
      const v1 = await create(store, makeIncident(1), { idempotencyKey: 'key-1' });
      const other = makeIncident(2);
      const before = await snapshot(ctx, [v1.id, other.id]);
      const onIdempotencyKey = (err: IncidentKitError) =>
        assert.match(err.message, /idempotency key/i, 'the message names the idempotency key');
      await rejectsWith(
        store.commit(commitOf(other, 0, { entries: [note(other.id, 1)], idempotencyKey: 'key-1' })),
        ConcurrencyError.isInstance,
        'CONCURRENCY',
        onIdempotencyKey,
      );
      await rejectsWith(
        store.commit(
          commitOf({ ...v1, version: 2, lastSeq: 2 }, 1, { entries: [note(v1.id, 2)], idempotencyKey: 'key-1' }),
        ),
        ConcurrencyError.isInstance,
        'CONCURRENCY',
        onIdempotencyKey,
      );
      await expectNothingWritten(ctx, [v1.id, other.id], before, 'reused idempotency key');
      assert.deepStrictEqual(await store.idempotent('key-1'), v1);
    },
  ],
  [
    'mutating committed inputs changes nothing stored',
    async ({ store }) => {
      const incident = makeFullIncident(1);
      incident.status = 'active';
      const entry = note(incident.id, 1);
      const set = [timer(incident, 'escalation', T0 + 1000)];
      const outbox = [message(msgId(1), incident, { entry })];
      const expected = structuredClone({ incident, entry, set, outbox });
      await store.commit(commitOf(incident, 0, { entries: [entry], timers: { set }, outbox }));
      incident.title = 'mutated';
      incident.labels.push('mutated');
      incident.assignment.supporting.push('mutated');
      (incident.custom.nested as { level1: unknown }).level1 = 'mutated';
      entry.text = 'mutated';
      entry.actor.id = 'mutated';
      (set[0] as TimerRecord).dueAt = 0;
      const sent = outbox[0] as OutboxMessage;
      sent.channel = 'mutated';
      sent.payload.incident.title = 'mutated';
      sent.payload.incident.assignment.supporting.push('mutated');
      sent.payload.event = 'mutated';
      assert.deepStrictEqual(await store.load(incident.id), expected.incident);
      assert.deepStrictEqual(await store.timeline(incident.id), [expected.entry]);
      assert.deepStrictEqual(await store.timers(incident.id), expected.set);
      const [stored] = await store.outbox(incident.id);
      assert.deepStrictEqual(stored?.payload, expected.outbox[0]?.payload);
      assert.equal(stored?.channel, 'webhook');
    },
  ],
  [
    'mutating returned objects changes nothing stored',
    async ({ store }) => {
      const incident = makeFullIncident(1);
      incident.status = 'active';
      const expected = structuredClone(incident);
      await create(store, incident, {
        idempotencyKey: 'k',
        timers: { set: [timer(incident, 'escalation', T0)] },
        outbox: [message(msgId(1), incident)],
      });
      const mutate = (value: Incident | null) => {
        assert.ok(value);
        value.title = 'mutated';
        value.labels.push('mutated');
        value.assignment.supporting.push('mutated');
        (value.custom.nested as { level1: unknown }).level1 = 'mutated';
      };
      mutate(await store.load(incident.id));
      mutate((await store.query({})).items[0] ?? null);
      mutate(await store.findOpenByDedupKey(incident.dedupKey as string));
      mutate(await store.idempotent('k'));
      const [entry] = await store.timeline(incident.id);
      if (entry?.type !== 'note') throw new assert.AssertionError({ message: 'expected the note entry' });
      entry.text = 'mutated';
      entry.actor.id = 'mutated';
      const [listed] = await store.timers(incident.id);
      assert.ok(listed);
      listed.dueAt = 1;
      const [claimedTimer] = await store.claimTimers(T0, { limit: 10, leaseMs: 1000, owner: 'w' });
      assert.ok(claimedTimer);
      claimedTimer.dueAt = 2;
      const [message1] = await store.outbox(incident.id);
      assert.ok(message1);
      message1.payload.incident.title = 'mutated';
      message1.status = 'dead';
      const [claimed] = await store.claimOutbox(T0, { limit: 10, leaseMs: 1000, owner: 'w' });
      assert.ok(claimed);
      claimed.payload.entry.seq = 99;
      claimed.attempts = 99;

      assert.deepStrictEqual(await store.load(incident.id), expected);
      assert.deepStrictEqual(await store.idempotent('k'), expected);
      assert.deepStrictEqual(await store.timeline(incident.id), [note(incident.id, 1, 'reported')]);
      assert.deepStrictEqual(await store.timers(incident.id), [timer(incident, 'escalation', T0)]);
      const [after] = await store.outbox(incident.id);
      assert.deepStrictEqual(after, { ...message(msgId(1), expected), status: 'pending', attempts: 0 });
    },
  ],
  [
    'nextNumber() is unique under 50 concurrent calls',
    async ({ store }) => {
      const numbers = await Promise.all(Array.from({ length: 50 }, () => store.nextNumber()));
      for (const n of numbers) assert.ok(Number.isSafeInteger(n) && n >= 1, `${n} is a positive integer`);
      assert.equal(new Set(numbers).size, 50);
      const next = await store.nextNumber();
      assert.ok(!numbers.includes(next));
    },
  ],
  [
    'query filters by status, one value or a list',
    async ({ store }) => {
      const statuses = ['new', 'open', 'active', 'resolved', 'closed', 'active'] as const;
      await createMany(store, statuses.length, (n) =>
        makeIncident(n, { status: statuses[n - 1] as Incident['status'] }),
      );
      assert.deepStrictEqual(ids((await store.query({ status: 'active' })).items), [incidentId(3), incidentId(6)]);
      assert.deepStrictEqual(ids((await store.query({ status: ['new', 'closed'] })).items), [
        incidentId(1),
        incidentId(5),
      ]);
      assert.deepStrictEqual((await store.query({ status: 'cancelled' })).items, []);
    },
  ],
  [
    'query filters by priority, one value or a list, never matching an untriaged incident',
    async ({ store }) => {
      const priorities = ['P1', null, 'P3', 'P1', 'P5'] as const;
      await createMany(store, priorities.length, (n) =>
        makeIncident(n, { priority: priorities[n - 1] as Incident['priority'] }),
      );
      assert.deepStrictEqual(ids((await store.query({ priority: 'P1' })).items), [incidentId(1), incidentId(4)]);
      assert.deepStrictEqual(ids((await store.query({ priority: ['P3', 'P5'] })).items), [
        incidentId(3),
        incidentId(5),
      ]);
      assert.deepStrictEqual(ids((await store.query({ priority: ['P1', 'P2', 'P3', 'P4', 'P5'] })).items).length, 4);
    },
  ],
  [
    'query filters by service, environment, category and major',
    async ({ store }) => {
      await createMany(store, 4, (n) =>
        makeIncident(n, {
          service: n % 2 === 0 ? 'search' : 'checkout',
          environment: n <= 2 ? 'production' : 'staging',
          category: n === 4 ? 'security' : 'general',
          major: n === 1,
        }),
      );
      assert.deepStrictEqual(ids((await store.query({ service: 'search' })).items), [incidentId(2), incidentId(4)]);
      assert.deepStrictEqual(ids((await store.query({ environment: 'staging' })).items), [
        incidentId(3),
        incidentId(4),
      ]);
      assert.deepStrictEqual(ids((await store.query({ category: 'security' })).items), [incidentId(4)]);
      assert.deepStrictEqual(ids((await store.query({ major: true })).items), [incidentId(1)]);
      assert.deepStrictEqual(ids((await store.query({ major: false })).items), [
        incidentId(2),
        incidentId(3),
        incidentId(4),
      ]);
      assert.deepStrictEqual((await store.query({ service: 'unknown' })).items, []);
    },
  ],
  [
    'query by tenant never returns another tenant’s incident',
    async ({ store }) => {
      const tenants = ['acme', 'globex', undefined, 'acme', 'acme-corp'];
      await createMany(store, tenants.length, (n) => {
        const tenant = tenants[n - 1];
        return tenant === undefined ? makeIncident(n) : makeIncident(n, { tenant });
      });
      const acme = await allPages(store, { tenant: 'acme', limit: 1 });
      assert.deepStrictEqual(acme, [incidentId(1), incidentId(4)]);
      for (const incident of (await store.query({ tenant: 'globex' })).items) assert.equal(incident.tenant, 'globex');
      assert.deepStrictEqual((await store.query({ tenant: 'initech' })).items, []);
      assert.deepStrictEqual((await store.query({ tenant: '' })).items, []);
      assert.equal((await store.query({})).items.length, 5, 'without the filter every tenant is listed');
    },
  ],
  [
    'query filters by reportedFrom (inclusive) and reportedTo (exclusive)',
    async ({ store }) => {
      await createMany(store, 5);
      const at = (n: number) => toIso(T0 + n * MINUTE);
      assert.deepStrictEqual(ids((await store.query({ reportedFrom: at(2), reportedTo: at(4) })).items), [
        incidentId(2),
        incidentId(3),
      ]);
      assert.deepStrictEqual(ids((await store.query({ reportedFrom: at(4) })).items), [incidentId(4), incidentId(5)]);
      assert.deepStrictEqual(ids((await store.query({ reportedTo: at(2) })).items), [incidentId(1)]);
      assert.deepStrictEqual((await store.query({ reportedFrom: at(3), reportedTo: at(3) })).items, []);
    },
  ],
  [
    'query combines filters with AND',
    async ({ store }) => {
      await createMany(store, 8, (n) =>
        makeIncident(n, {
          status: n % 2 === 0 ? 'active' : 'open',
          priority: n <= 4 ? 'P1' : 'P2',
          service: n % 3 === 0 ? 'search' : 'checkout',
          tenant: n === 6 ? 'globex' : 'acme',
          major: n !== 2,
        }),
      );
      const result = await store.query({
        status: ['active'],
        priority: ['P1', 'P2'],
        service: 'checkout',
        environment: 'production',
        tenant: 'acme',
        major: true,
        category: 'general',
        reportedFrom: toIso(T0 + 2 * MINUTE),
        reportedTo: toIso(T0 + 9 * MINUTE),
      });
      assert.deepStrictEqual(ids(result.items), [incidentId(4), incidentId(8)]);
    },
  ],
  [
    'query orders by id, ascending by default or descending',
    async ({ store }) => {
      for (const n of [3, 1, 5, 2, 4]) await create(store, makeIncident(n));
      const asc = [1, 2, 3, 4, 5].map(incidentId);
      assert.deepStrictEqual(ids((await store.query({})).items), asc);
      assert.deepStrictEqual(ids((await store.query({ order: 'asc' })).items), asc);
      assert.deepStrictEqual(ids((await store.query({ order: 'desc' })).items), [...asc].reverse());
      assert.deepStrictEqual(ids((await store.query({ order: 'desc', limit: 2 })).items), [
        incidentId(5),
        incidentId(4),
      ]);
    },
  ],
  [
    'query returns 50 items by default and up to 500',
    async ({ store }) => {
      await createMany(store, 51);
      const first = await store.query({});
      assert.equal(first.items.length, 50);
      assert.notEqual(first.nextCursor, null);
      assert.equal((await store.query({ limit: 500 })).items.length, 51);
      assert.equal((await store.query({ limit: 500 })).nextCursor, null);
    },
  ],
  [
    'query pages with limit 2 over 7 incidents cover each exactly once, both orders',
    async ({ store }) => {
      await createMany(store, 7);
      const all = [1, 2, 3, 4, 5, 6, 7].map(incidentId);
      const pages: number[] = [];
      let cursor: string | null = null;
      const seen: string[] = [];
      do {
        const page: Awaited<ReturnType<IncidentStore['query']>> = await store.query(
          cursor === null ? { limit: 2 } : { limit: 2, cursor },
        );
        pages.push(page.items.length);
        seen.push(...ids(page.items));
        cursor = page.nextCursor;
      } while (cursor !== null && pages.length < 10);
      assert.deepStrictEqual(seen, all);
      assert.deepStrictEqual(pages, [2, 2, 2, 1], 'the last page has a null nextCursor');
      assert.deepStrictEqual(await allPages(store, { limit: 2, order: 'desc' }), [...all].reverse());
      assert.deepStrictEqual(await allPages(store, { limit: 7 }), all);
      assert.deepStrictEqual(await allPages(store, { limit: 2, status: 'new', service: 'checkout' }), all);
    },
  ],
  [
    'query pagination stays stable while incidents are inserted between pages',
    async ({ store }) => {
      for (const n of [10, 20, 30, 40, 50]) await create(store, makeIncident(n));
      const first = await store.query({ limit: 2 });
      assert.deepStrictEqual(ids(first.items), [incidentId(10), incidentId(20)]);
      await create(store, makeIncident(5));
      await create(store, makeIncident(25));
      await create(store, makeIncident(60));
      const rest = await allPages(store, { limit: 2, cursor: first.nextCursor as string });
      assert.deepStrictEqual(rest, [25, 30, 40, 50, 60].map(incidentId));

      const down = await store.query({ limit: 2, order: 'desc' });
      assert.deepStrictEqual(ids(down.items), [incidentId(60), incidentId(50)]);
      await create(store, makeIncident(45));
      await create(store, makeIncident(70));
      const restDown = await allPages(store, { limit: 2, order: 'desc', cursor: down.nextCursor as string });
      assert.deepStrictEqual(restDown, [45, 40, 30, 25, 20, 10, 5].map(incidentId));
    },
  ],
  [
    'query rejects an invalid limit or a malformed cursor with a VALIDATION error',
    async ({ store }) => {
      await createMany(store, 3);
      for (const limit of [0, -1, 501, 1.5, Number.NaN]) {
        await rejectsWith(store.query({ limit }), ValidationError.isInstance, 'VALIDATION');
      }
      for (const cursor of ['', 'not a cursor!', '%%%']) {
        await rejectsWith(store.query({ cursor }), ValidationError.isInstance, 'VALIDATION');
      }
    },
  ],
  [
    'timeline returns entries in seq order, after afterSeq, up to limit',
    async ({ store }) => {
      let incident = await create(store, makeIncident(1));
      for (let i = 0; i < 3; i++) incident = await update(store, incident);
      const next: Incident = { ...incident, version: incident.version + 1, lastSeq: incident.lastSeq + 2 };
      await store.commit(commitOf(next, incident.version, { entries: [note(next.id, 5), note(next.id, 6)] }));
      const seqs = (entries: TimelineEntry[]) => entries.map((entry) => entry.seq);
      assert.deepStrictEqual(seqs(await store.timeline(incident.id)), [1, 2, 3, 4, 5, 6]);
      assert.deepStrictEqual(seqs(await store.timeline(incident.id, { afterSeq: 2 })), [3, 4, 5, 6]);
      assert.deepStrictEqual(seqs(await store.timeline(incident.id, { limit: 2 })), [1, 2]);
      assert.deepStrictEqual(seqs(await store.timeline(incident.id, { afterSeq: 3, limit: 2 })), [4, 5]);
      assert.deepStrictEqual(seqs(await store.timeline(incident.id, { afterSeq: 6 })), []);
      assert.deepStrictEqual(await store.timeline(incident.id, { afterSeq: 5 }), [note(incident.id, 6)]);
    },
  ],
  [
    'findOpenByDedupKey finds the open incident and forgets it once resolved',
    async ({ store }) => {
      const v1 = await create(store, makeIncident(1, { dedupKey: 'alert:db', status: 'open' }));
      await create(store, makeIncident(2, { dedupKey: 'alert:other', status: 'open' }));
      assert.equal((await store.findOpenByDedupKey('alert:db'))?.id, v1.id);
      const v2 = await update(store, v1, { status: 'active', phase: 'investigating' });
      assert.deepStrictEqual(await store.findOpenByDedupKey('alert:db'), v2);
      const v3 = await update(store, v2, { status: 'on_hold', phase: null });
      assert.equal((await store.findOpenByDedupKey('alert:db'))?.version, v3.version);
      await update(store, v3, { status: 'resolved', phase: 'recovering' });
      assert.equal(await store.findOpenByDedupKey('alert:db'), null);
      assert.equal(await store.findOpenByDedupKey('alert:unknown'), null);
      const closed = await create(store, makeIncident(3, { dedupKey: 'alert:closed', status: 'closed' }));
      assert.equal(await store.findOpenByDedupKey('alert:closed'), null);
      const cancelled = await create(store, makeIncident(4, { dedupKey: 'alert:closed', status: 'cancelled' }));
      assert.equal(await store.findOpenByDedupKey('alert:closed'), null);
      assert.ok(closed && cancelled);
      const reopened = await create(store, makeIncident(5, { dedupKey: 'alert:db', status: 'new' }));
      assert.equal((await store.findOpenByDedupKey('alert:db'))?.id, reopened.id);
    },
  ],
  [
    'timers are set, replaced, cancelled and listed by due time',
    async ({ store }) => {
      const incident = makeIncident(1);
      const other = makeIncident(2);
      await create(store, other, { timers: { set: [timer(other, 'escalation', T0 + 500)] } });
      await create(store, incident, {
        timers: {
          set: [
            timer(incident, 'slaBreach', T0 + 3000),
            timer(incident, 'escalation', T0 + 1000),
            timer(incident, 'slaWarning', T0 + 2000),
          ],
        },
      });
      assert.deepStrictEqual(await store.timers(incident.id), [
        timer(incident, 'escalation', T0 + 1000),
        timer(incident, 'slaWarning', T0 + 2000),
        timer(incident, 'slaBreach', T0 + 3000),
      ]);
      const v2 = await update(
        store,
        incident,
        {},
        {
          timers: { set: [timer(incident, 'escalation', T0 + 5000)], cancel: [`${incident.id}:slaWarning`, 'no:such'] },
        },
      );
      assert.deepStrictEqual(await store.timers(incident.id), [
        timer(incident, 'slaBreach', T0 + 3000),
        timer(incident, 'escalation', T0 + 5000),
      ]);
      await update(store, v2, {}, { timers: { cancel: [`${incident.id}:slaBreach`, `${incident.id}:escalation`] } });
      assert.deepStrictEqual(await store.timers(incident.id), []);
      assert.deepStrictEqual(await store.timers(other.id), [timer(other, 'escalation', T0 + 500)]);
      assert.deepStrictEqual(await store.timers('inc_unknown'), []);
      const sameDue = makeIncident(3);
      await create(store, sameDue, {
        timers: { set: [timer(sameDue, 'slaWarning', T0), timer(sameDue, 'autoClose', T0)] },
      });
      assert.deepStrictEqual(ids(await store.timers(sameDue.id)), [
        `${sameDue.id}:autoClose`,
        `${sameDue.id}:slaWarning`,
      ]);
    },
  ],
  [
    'the fired timer is deleted by its commit unless the commit re-arms it',
    async ({ store }) => {
      const incident = makeIncident(1);
      const v1 = await create(store, incident, {
        timers: { set: [timer(incident, 'escalation', T0), timer(incident, 'slaBreach', T0 + 10)] },
      });
      const [claimed] = await store.claimTimers(T0, { limit: 1, leaseMs: 1000, owner: 'w1' });
      assert.equal(claimed?.id, `${incident.id}:escalation`);
      const v2 = await update(store, v1, {}, { timers: { fired: `${incident.id}:escalation` } });
      assert.deepStrictEqual(ids(await store.timers(incident.id)), [`${incident.id}:slaBreach`]);
      await update(
        store,
        v2,
        {},
        {
          timers: { fired: `${incident.id}:slaBreach`, set: [timer(incident, 'slaBreach', T0 + 60_000)] },
        },
      );
      assert.deepStrictEqual(await store.timers(incident.id), [timer(incident, 'slaBreach', T0 + 60_000)]);
    },
  ],
  [
    'claimTimers claims only due timers, soonest first, up to limit',
    async ({ store }) => {
      const a = makeIncident(1);
      const b = makeIncident(2);
      await create(store, a, { timers: { set: [timer(a, 'slaBreach', T0 + 300), timer(a, 'escalation', T0 + 100)] } });
      await create(store, b, { timers: { set: [timer(b, 'escalation', T0 + 200), timer(b, 'autoClose', T0 + 999)] } });
      assert.deepStrictEqual(await store.claimTimers(T0 + 99, { limit: 10, leaseMs: 1000, owner: 'w1' }), []);
      const first = await store.claimTimers(T0 + 300, { limit: 2, leaseMs: 1000, owner: 'w1' });
      assert.deepStrictEqual(first, [
        { ...timer(a, 'escalation', T0 + 100), owner: 'w1', leaseUntil: T0 + 1300 },
        { ...timer(b, 'escalation', T0 + 200), owner: 'w1', leaseUntil: T0 + 1300 },
      ]);
      const second = await store.claimTimers(T0 + 300, { limit: 10, leaseMs: 1000, owner: 'w2' });
      assert.deepStrictEqual(ids(second), [`${a.id}:slaBreach`], 'due exactly at now is due; later is not');
    },
  ],
  [
    'a leased timer is not claimed again until its lease expires',
    async ({ store }) => {
      const a = makeIncident(1);
      await create(store, a, { timers: { set: [timer(a, 'escalation', T0)] } });
      assert.equal((await store.claimTimers(T0, { limit: 5, leaseMs: 1000, owner: 'w1' })).length, 1);
      assert.deepStrictEqual(await store.claimTimers(T0 + 999, { limit: 5, leaseMs: 1000, owner: 'w2' }), []);
      const reclaimed = await store.claimTimers(T0 + 1000, { limit: 5, leaseMs: 1000, owner: 'w2' });
      assert.deepStrictEqual(reclaimed, [{ ...timer(a, 'escalation', T0), owner: 'w2', leaseUntil: T0 + 2000 }]);
      await store.completeTimer(`${a.id}:escalation`, 'w1');
      assert.equal((await store.timers(a.id)).length, 1, 'the first owner lost the lease and cannot complete it');
    },
  ],
  [
    'completeTimer deletes a timer its owner holds and ignores anyone else',
    async ({ store }) => {
      const a = makeIncident(1);
      await create(store, a, {
        timers: { set: [timer(a, 'escalation', T0), timer(a, 'slaWarning', T0), timer(a, 'autoClose', T0)] },
      });
      const claimed = await store.claimTimers(T0, { limit: 2, leaseMs: 1000, owner: 'w1' });
      assert.deepStrictEqual(ids(claimed), [`${a.id}:autoClose`, `${a.id}:escalation`], 'same due time: by id');
      await store.completeTimer(`${a.id}:slaWarning`, 'w1');
      await store.completeTimer(`${a.id}:escalation`, 'w2');
      assert.equal((await store.timers(a.id)).length, 3, 'nobody completes a timer they do not hold');
      await store.completeTimer(`${a.id}:escalation`, 'w1');
      assert.deepStrictEqual(ids(await store.timers(a.id)), [`${a.id}:autoClose`, `${a.id}:slaWarning`]);
      await store.completeTimer(`${a.id}:autoClose`, 'w1');
      assert.deepStrictEqual(ids(await store.timers(a.id)), [`${a.id}:slaWarning`]);
      await store.completeTimer('no:such', 'w1');
    },
  ],
  [
    'replacing a claimed timer clears its lease and keeps it from its old owner',
    async ({ store }) => {
      const a = makeIncident(1);
      const v1 = await create(store, a, { timers: { set: [timer(a, 'escalation', T0)] } });
      await store.claimTimers(T0, { limit: 1, leaseMs: 60_000, owner: 'w1' });
      await update(store, v1, {}, { timers: { set: [timer(a, 'escalation', T0 + 10)] } });
      await store.completeTimer(`${a.id}:escalation`, 'w1');
      assert.deepStrictEqual(await store.timers(a.id), [timer(a, 'escalation', T0 + 10)]);
      const claimed = await store.claimTimers(T0 + 10, { limit: 1, leaseMs: 1000, owner: 'w2' });
      assert.deepStrictEqual(ids(claimed), [`${a.id}:escalation`]);
    },
  ],
  [
    '20 concurrent claimers claim 30 due timers exactly once',
    async ({ store }) => {
      const names: TimerName[] = ['escalation', 'slaWarning', 'slaBreach'];
      for (let n = 1; n <= 10; n++) {
        const incident = makeIncident(n);
        await create(store, incident, {
          timers: { set: names.map((name, i) => timer(incident, name, T0 + n * 10 + i)) },
        });
      }
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.claimTimers(T0 + 1000, { limit: 3, leaseMs: 60_000, owner: `w${i}` }),
        ),
      );
      const claimed = results.flat();
      assert.equal(claimed.length, 30);
      assert.equal(new Set(ids(claimed)).size, 30, 'no timer is claimed twice');
      results.forEach((batch, i) => {
        for (const row of batch) assert.equal(row.owner, `w${i}`);
      });
      assert.deepStrictEqual(await store.claimTimers(T0 + 1000, { limit: 100, leaseMs: 1000, owner: 'late' }), []);
    },
  ],
  [
    'claimOutbox claims available pending messages in id order and leases them',
    async ({ store }) => {
      const a = makeIncident(1);
      const b = makeIncident(2);
      await create(store, a, {
        outbox: [
          message(msgId(3), a, { channel: 'slack' }),
          message(msgId(5), a, { channel: 'email', availableAt: T0 + 100 }),
        ],
      });
      await create(store, b, { outbox: [message(msgId(1), b), message(msgId(2), b, { channel: 'slack' })] });
      assert.deepStrictEqual(await store.claimOutbox(T0 - 1, { limit: 10, leaseMs: 1000, owner: 'w1' }), []);
      const claimed = await store.claimOutbox(T0, { limit: 2, leaseMs: 1000, owner: 'w1' });
      assert.deepStrictEqual(claimed, [
        { ...message(msgId(1), b), status: 'pending', attempts: 0, owner: 'w1', leaseUntil: T0 + 1000 },
        {
          ...message(msgId(2), b, { channel: 'slack' }),
          status: 'pending',
          attempts: 0,
          owner: 'w1',
          leaseUntil: T0 + 1000,
        },
      ]);
      assert.deepStrictEqual(ids(await store.claimOutbox(T0, { limit: 10, leaseMs: 5000, owner: 'w2' })), [msgId(3)]);
      assert.deepStrictEqual(ids(await store.claimOutbox(T0 + 100, { limit: 10, leaseMs: 5000, owner: 'w2' })), [
        msgId(5),
      ]);
      assert.deepStrictEqual(await store.claimOutbox(T0 + 999, { limit: 10, leaseMs: 1000, owner: 'w3' }), []);
      const expired = await store.claimOutbox(T0 + 1000, { limit: 10, leaseMs: 1000, owner: 'w3' });
      assert.deepStrictEqual(ids(expired), [msgId(1), msgId(2)], 'an expired lease may be claimed again');
    },
  ],
  [
    'settleOutbox records delivered, retry and dead outcomes',
    async ({ store }) => {
      const a = makeIncident(1);
      await create(store, a, {
        outbox: [
          message(msgId(1), a, { channel: 'webhook' }),
          message(msgId(2), a, { channel: 'slack' }),
          message(msgId(3), a, { channel: 'email' }),
        ],
      });
      await store.claimOutbox(T0, { limit: 10, leaseMs: 1000, owner: 'w1' });
      await store.settleOutbox(msgId(1), 'w1', { type: 'delivered', at: T0 + 5 });
      await store.settleOutbox(msgId(2), 'w1', { type: 'retry', at: T0 + 60_000, error: 'HTTP 503' });
      await store.settleOutbox(msgId(3), 'w1', { type: 'dead', error: 'HTTP 410' });
      const base = (id: string, channel: string) => message(id, a, { channel });
      assert.deepStrictEqual(await store.outbox(a.id), [
        { ...base(msgId(1), 'webhook'), status: 'delivered', attempts: 1, deliveredAt: T0 + 5 },
        { ...base(msgId(2), 'slack'), availableAt: T0 + 60_000, status: 'pending', attempts: 1, lastError: 'HTTP 503' },
        { ...base(msgId(3), 'email'), status: 'dead', attempts: 1, lastError: 'HTTP 410' },
      ]);
      assert.deepStrictEqual(await store.claimOutbox(T0 + 59_999, { limit: 10, leaseMs: 1000, owner: 'w2' }), []);
      const retried = await store.claimOutbox(T0 + 60_000, { limit: 10, leaseMs: 1000, owner: 'w2' });
      assert.deepStrictEqual(ids(retried), [msgId(2)], 'delivered and dead messages are never claimed again');
      assert.equal(retried[0]?.attempts, 1);
      await store.settleOutbox(msgId(2), 'w2', { type: 'delivered', at: T0 + 60_001 });
      const [, second] = await store.outbox(a.id);
      assert.equal(second?.status, 'delivered');
      assert.equal(second?.attempts, 2);
      assert.equal(second?.deliveredAt, T0 + 60_001);
      assert.deepStrictEqual(await store.outbox('inc_unknown'), []);
    },
  ],
  [
    'claimOutbox keeps order per incident and channel',
    async ({ store }) => {
      const a = makeIncident(1);
      const b = makeIncident(2);
      await create(store, a, {
        outbox: [
          message(msgId(1), a, { channel: 'slack' }),
          message(msgId(2), a, { channel: 'slack' }),
          message(msgId(3), a, { channel: 'email' }),
        ],
      });
      await create(store, b, { outbox: [message(msgId(4), b, { channel: 'slack' })] });
      const first = await store.claimOutbox(T0, { limit: 10, leaseMs: 1000, owner: 'w1' });
      assert.deepStrictEqual(ids(first), [msgId(1), msgId(3), msgId(4)]);
      assert.deepStrictEqual(
        await store.claimOutbox(T0 + 1000, { limit: 10, leaseMs: 1000, owner: 'w2' }).then(ids),
        [msgId(1), msgId(3), msgId(4)],
        'after the leases expire the same heads are claimed again, never msg 2',
      );
      await store.settleOutbox(msgId(1), 'w2', { type: 'retry', at: T0 + 10_000, error: 'rate limited' });
      assert.deepStrictEqual(
        await store.claimOutbox(T0 + 5_000, { limit: 10, leaseMs: 60_000, owner: 'w3' }).then(ids),
        [msgId(3), msgId(4)],
        'msg 2 waits while msg 1 waits for its retry',
      );
      const retried = await store.claimOutbox(T0 + 10_000, { limit: 10, leaseMs: 60_000, owner: 'w3' });
      assert.deepStrictEqual(ids(retried), [msgId(1)]);
      await store.settleOutbox(msgId(1), 'w3', { type: 'delivered', at: T0 + 10_001 });
      assert.deepStrictEqual(
        await store.claimOutbox(T0 + 10_001, { limit: 10, leaseMs: 1000, owner: 'w3' }).then(ids),
        [msgId(2)],
      );
      await store.settleOutbox(msgId(2), 'w3', { type: 'dead', error: 'gone' });
      const a2 = await store.load(a.id);
      assert.ok(a2);
      await update(store, a2, {}, { outbox: [message(msgId(9), a2, { channel: 'slack' })] });
      assert.deepStrictEqual(
        await store.claimOutbox(T0 + 10_002, { limit: 10, leaseMs: 1000, owner: 'w4' }).then(ids),
        [msgId(9)],
        'a dead message no longer blocks its line',
      );
    },
  ],
  [
    'settleOutbox by anyone but the lease holder is ignored',
    async ({ store }) => {
      const a = makeIncident(1);
      await create(store, a, { outbox: [message(msgId(1), a), message(msgId(2), a, { channel: 'slack' })] });
      const pending = { ...message(msgId(1), a), status: 'pending' as const, attempts: 0 };
      await store.settleOutbox(msgId(1), 'w1', { type: 'delivered', at: T0 });
      assert.deepStrictEqual((await store.outbox(a.id))[0], pending, 'an unclaimed message cannot be settled');
      await store.claimOutbox(T0, { limit: 10, leaseMs: 1000, owner: 'w1' });
      await store.settleOutbox(msgId(1), 'w2', { type: 'dead', error: 'not mine' });
      assert.deepStrictEqual((await store.outbox(a.id))[0], pending, 'a non-owner cannot settle');
      await store.claimOutbox(T0 + 1000, { limit: 10, leaseMs: 1000, owner: 'w2' });
      await store.settleOutbox(msgId(1), 'w1', { type: 'delivered', at: T0 + 1000 });
      assert.deepStrictEqual(
        (await store.outbox(a.id))[0],
        pending,
        'an owner whose lease was taken over cannot settle',
      );
      await store.settleOutbox(msgId(2), 'w2', { type: 'delivered', at: T0 + 3000 });
      assert.equal(
        (await store.outbox(a.id))[1]?.status,
        'delivered',
        'an expired lease nobody took over still counts',
      );
      await store.settleOutbox(msgId(2), 'w2', { type: 'dead', error: 'twice' });
      assert.equal((await store.outbox(a.id))[1]?.status, 'delivered', 'a settled message stays settled');
      assert.equal((await store.outbox(a.id))[1]?.attempts, 1);
      await store.settleOutbox('msg_unknown', 'w2', { type: 'delivered', at: T0 });
    },
  ],
  [
    'nextDueAt is the next instant a timer or pending message becomes claimable',
    async ({ store }) => {
      assert.equal(await store.nextDueAt(T0), null, 'an empty store has nothing due');
      const a = makeIncident(1);
      await create(store, a, {
        timers: { set: [timer(a, 'escalation', T0 + 100), timer(a, 'slaBreach', T0 + 300)] },
        outbox: [message(msgId(1), a, { availableAt: T0 + 200 })],
      });
      assert.equal(await store.nextDueAt(T0), T0 + 100);
      assert.equal(await store.nextDueAt(T0 + 100), T0 + 200, 'strictly later than `after`');
      assert.equal(await store.nextDueAt(T0 + 200), T0 + 300);
      assert.equal(await store.nextDueAt(T0 + 300), null);
      await store.claimTimers(T0 + 100, { limit: 1, leaseMs: 1000, owner: 'w1' });
      assert.equal(await store.nextDueAt(T0 + 300), T0 + 1100, 'a leased timer is claimable when its lease ends');
      await store.claimOutbox(T0 + 200, { limit: 1, leaseMs: 500, owner: 'w1' });
      assert.equal(await store.nextDueAt(T0 + 300), T0 + 700, 'a leased message is claimable when its lease ends');
      await store.settleOutbox(msgId(1), 'w1', { type: 'retry', at: T0 + 5000, error: 'HTTP 429' });
      assert.equal(await store.nextDueAt(T0 + 300), T0 + 1100);
      await store.completeTimer(`${a.id}:escalation`, 'w1');
      assert.equal(await store.nextDueAt(T0 + 300), T0 + 5000);
      await store.claimOutbox(T0 + 5000, { limit: 1, leaseMs: 500, owner: 'w1' });
      await store.settleOutbox(msgId(1), 'w1', { type: 'delivered', at: T0 + 5001 });
      assert.equal(await store.nextDueAt(T0 + 300), null, 'settled messages and completed timers are not due');
      assert.equal(await store.nextDueAt(T0), T0 + 300);
    },
  ],
  [
    '20 concurrent outbox claimers never claim a message twice',
    async ({ store }) => {
      for (let n = 1; n <= 10; n++) {
        const incident = makeIncident(n);
        await create(store, incident, {
          outbox: ['webhook', 'slack', 'email'].map((channel, i) => message(msgId(n * 10 + i), incident, { channel })),
        });
      }
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.claimOutbox(T0, { limit: 3, leaseMs: 60_000, owner: `w${i}` })),
      );
      const claimed = results.flat();
      assert.equal(claimed.length, 30);
      assert.equal(new Set(ids(claimed)).size, 30, 'no message is claimed twice');
      results.forEach((batch, i) => {
        for (const row of batch) assert.equal(row.owner, `w${i}`);
      });
      assert.deepStrictEqual(await store.claimOutbox(T0, { limit: 100, leaseMs: 1000, owner: 'late' }), []);
    },
  ],
];

/** Names of every check of {@link runStoreConformance}, in the order they are registered. */
export const STORE_CONFORMANCE_CHECKS: readonly string[] = checks.map(([name]) => name);

/**
 * Registers the store conformance suite with your test runner: the checks every
 * `IncidentStore` must pass (DESIGN 7): CAS and atomicity of `commit`, idempotency keys, copies at
 * the boundary, query filters and cursor pagination, the timeline, dedup lookups, timer and outbox
 * claims with leases and without double claims under concurrency, and round-trips of every field.
 * It asserts with `node:assert/strict`, so it runs under any runner, and gives each check a fresh
 * store from `createStore()`, closing it afterwards.
 *
 * @example
 * ```ts
 * import { describe, test } from 'vitest';
 * import { runStoreConformance } from 'incidentkit/testing';
 *
 * runStoreConformance({ name: 'my store', createStore: () => myStore(), test, describe });
 * ```
 */
export function runStoreConformance(options: StoreConformanceOptions): void {
  const skip = new Set(options.skip ?? []);
  for (const name of skip) {
    if (!STORE_CONFORMANCE_CHECKS.includes(name)) {
      throw new Error(`runStoreConformance: unknown check "${name}" in skip; see STORE_CONFORMANCE_CHECKS`);
    }
  }
  const register = (prefix: string) => {
    for (const [name, run] of checks) {
      if (skip.has(name)) continue;
      options.test(`${prefix}${name}`, async () => {
        const store = await options.createStore();
        try {
          await run({ store, inspect: options.inspect });
        } finally {
          await store.close?.();
        }
      });
    }
  };
  if (options.describe) options.describe(`store conformance: ${options.name}`, () => register(''));
  else register(`${options.name}: `);
}
