import assert from 'node:assert/strict';
import { ConcurrencyError, ValidationError } from '../../domain/errors.js';
import type { Incident, SlaClock } from '../../domain/incident.js';
import type { TimelineEntry } from '../../domain/timeline.js';
import { toIso } from '../../ports/clock.js';
import type { IncidentStore } from '../../ports/store.js';
import {
  allPages,
  type Check,
  commitOf,
  create,
  createMany,
  expectNothingWritten,
  ids,
  incidentId,
  MINUTE,
  makeIncident,
  note,
  rejectsWith,
  snapshot,
  T0,
  update,
} from './fixtures.js';

/** Query filters and pagination, the timeline, dedup lookups. */
export const queryChecks: Check[] = [
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
    'query filters by SLA: breached, and a running clock due before an instant',
    async ({ store }) => {
      const at = (n: number) => toIso(T0 + n * MINUTE);
      const clock = (dueAt: string, extra: Partial<SlaClock> = {}): SlaClock => ({
        name: 'resolution',
        targetMs: 3_600_000,
        startedAt: at(0),
        dueAt,
        pausedMs: 0,
        ...extra,
      });
      await create(store, makeIncident(1, { sla: { clocks: [clock(at(30))] } }));
      await create(store, makeIncident(2, { sla: { clocks: [clock(at(10), { breachedAt: at(10) })] } }));
      await create(store, makeIncident(3, { sla: { clocks: [clock(at(20), { metAt: at(5) })] } }));
      await create(store, makeIncident(4, { sla: { clocks: [clock(at(15), { pausedAt: at(5) })] } }));
      await create(store, makeIncident(5));
      assert.deepStrictEqual(ids((await store.query({ breached: true })).items), [incidentId(2)]);
      assert.deepStrictEqual(ids((await store.query({ breached: false })).items), [
        incidentId(1),
        incidentId(3),
        incidentId(4),
        incidentId(5),
      ]);
      // Only running clocks count: not met, not paused, not already breached.
      assert.deepStrictEqual(ids((await store.query({ slaDueBefore: at(60) })).items), [incidentId(1)]);
      assert.deepStrictEqual((await store.query({ slaDueBefore: at(30) })).items, []);
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
    'two open incidents never share a dedup key: the second commit fails with ConcurrencyError',
    async (ctx) => {
      const { store } = ctx;
      const first = await create(store, makeIncident(1, { dedupKey: 'alert:db', status: 'open' }));
      const other = await create(store, makeIncident(2, { status: 'open' }));
      const before = await snapshot(ctx, [first.id, other.id]);
      await rejectsWith(
        store.commit(commitOf(makeIncident(3, { dedupKey: 'alert:db', status: 'new' }), 0)),
        ConcurrencyError.isInstance,
        'CONCURRENCY',
      );
      await rejectsWith(
        store.commit(commitOf({ ...other, dedupKey: 'alert:db', version: 2 }, 1)),
        ConcurrencyError.isInstance,
        'CONCURRENCY',
      );
      await expectNothingWritten(ctx, [first.id, other.id], before, 'duplicate open dedup key');
      assert.equal(await store.load(incidentId(3)), null);
      // Concurrent creates: exactly one wins.
      const results = await Promise.allSettled(
        [4, 5, 6, 7].map((n) => store.commit(commitOf(makeIncident(n, { dedupKey: 'alert:web', status: 'new' }), 0))),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      // Once the holder is resolved, the key is free again; a closed one may keep it.
      await update(store, first, { status: 'resolved', phase: 'recovered' });
      await create(store, makeIncident(8, { dedupKey: 'alert:db', status: 'open' }));
      assert.equal((await store.findOpenByDedupKey('alert:db'))?.id, incidentId(8));
    },
  ],
];
