import assert from 'node:assert/strict';
import { ConcurrencyError, type IncidentKitError, StoreError } from '../../domain/errors.js';
import { type Incident, IncidentSchema } from '../../domain/incident.js';
import { type TimelineEntry, TimelineEntrySchema } from '../../domain/timeline.js';
import { toIso } from '../../ports/clock.js';
import type { OutboxMessage, TimerRecord } from '../../ports/store.js';
import {
  type Check,
  commitOf,
  create,
  expectNothingWritten,
  idempotencyRecord,
  incidentId,
  makeFullIncident,
  makeIncident,
  message,
  msgId,
  note,
  rejectsWith,
  snapshot,
  T0,
  timer,
  update,
} from './fixtures.js';

/** Contract, round-trips, CAS, atomicity, idempotency, copies, human numbers. */
export const recordChecks: Check[] = [
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
      assert.equal(store.contract, 'incidentkit.store/2');
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
      assert.deepStrictEqual(await store.idempotent('round-trip'), idempotencyRecord('round-trip', expected));
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
    'idempotent() returns the fingerprint and the incident recorded with the key, as it was then',
    async ({ store }) => {
      const v1 = await create(store, makeIncident(1), { idempotencyKey: 'report-1' });
      const v2 = await update(store, v1, { title: 'later' }, { idempotencyKey: 'update-1' });
      await update(store, v2, { title: 'even later' });
      assert.deepStrictEqual(await store.idempotent('report-1'), idempotencyRecord('report-1', v1));
      assert.deepStrictEqual(await store.idempotent('update-1'), idempotencyRecord('update-1', v2));
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
      assert.deepStrictEqual(await store.idempotent('key-1'), idempotencyRecord('key-1', v1));
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
      sent.payload.incident.assignment?.supporting.push('mutated');
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
      mutate((await store.idempotent('k'))?.incident ?? null);
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
      assert.deepStrictEqual(await store.idempotent('k'), idempotencyRecord('k', expected));
      assert.deepStrictEqual(await store.timeline(incident.id), [note(incident.id, 1, 'reported')]);
      assert.deepStrictEqual(await store.timers(incident.id), [timer(incident, 'escalation', T0)]);
      const [after] = await store.outbox(incident.id);
      assert.deepStrictEqual(after, { ...message(msgId(1), expected), status: 'pending', attempts: 0 });
    },
  ],
  [
    '10 concurrent commits of one version: exactly one wins, the others fail with ConcurrencyError',
    async ({ store }) => {
      const contenders = (from: Incident) =>
        Array.from({ length: 10 }, (_, i) => ({
          ...from,
          title: `contender ${i}`,
          version: from.version + 1,
          lastSeq: from.lastSeq + 1,
        }));
      const settle = async (commits: Promise<void>[]) => {
        const results = await Promise.allSettled(commits);
        const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        for (const r of results) {
          if (r.status === 'rejected') assert.ok(ConcurrencyError.isInstance(r.reason), String(r.reason));
        }
        assert.equal(won.length, 1, `exactly one of 10 concurrent commits wins, got ${won.length}`);
        return won[0] as number;
      };
      const creates = Array.from({ length: 10 }, (_, i) => makeIncident(1, { title: `contender ${i}` }));
      const created = await settle(creates.map((c) => store.commit(commitOf(c, 0, { entries: [note(c.id, 1)] }))));
      const v1 = creates[created] as Incident;
      assert.deepStrictEqual(await store.load(v1.id), v1);
      const updates = contenders(v1);
      const updated = await settle(updates.map((c) => store.commit(commitOf(c, 1, { entries: [note(c.id, 2)] }))));
      assert.deepStrictEqual(await store.load(v1.id), updates[updated]);
      assert.equal((await store.timeline(v1.id)).length, 2, 'only the winners wrote timeline entries');
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
];
