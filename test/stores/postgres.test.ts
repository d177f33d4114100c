import type { Commit, IncidentStore } from 'incidentkit';
import { ConcurrencyError, memoryStore, StoreError, ValidationError } from 'incidentkit';
import {
  migratePostgres,
  type PgPoolLike,
  POSTGRES_SCHEMA_VERSION,
  type PostgresStore,
  postgresStore,
} from 'incidentkit/postgres';
import { type Damage, runStoreConformance } from 'incidentkit/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { commitOf, makeIncident, message, msgId, note, T0, timer } from '../../src/testing/conformance/fixtures.js';
import { describePg, dropSchema, newPool, testSchemaName } from '../pg.js';

describePg('postgresStore', () => {
  let pool: pg.Pool;
  const schemas: string[] = [];

  beforeAll(() => {
    pool = newPool(12);
  });
  afterAll(async () => {
    await Promise.all(schemas.map((schema) => dropSchema(pool, schema)));
    await pool.end();
  });

  /** A fresh schema name, dropped after the file. */
  function freshSchema(): string {
    const schema = testSchemaName();
    schemas.push(schema);
    return schema;
  }

  /** A store in a fresh schema of the shared pool. */
  function fresh(options: Parameters<typeof postgresStore>[1] = {}): PostgresStore {
    return postgresStore(pool, { schema: freshSchema(), ...options });
  }

  const TABLES = {
    incidents: 'id',
    timeline: 'incident_id, seq',
    timers: 'id',
    outbox: 'id',
    idempotency: 'key',
  } as const;

  /** Every row of every table, ordered by primary key, for the suite's "writes nothing" checks. */
  async function inspect(store: IncidentStore): Promise<unknown> {
    const { schema } = store as PostgresStore;
    const dump: Record<string, unknown[]> = {};
    for (const [table, order] of Object.entries(TABLES)) {
      dump[table] = (await pool.query(`SELECT * FROM "${schema}".${table} ORDER BY ${order}`)).rows;
    }
    return dump;
  }

  /** Damages a stored record with raw SQL, for the suite's corrupt-data check. */
  async function corrupt(store: IncidentStore, id: string, damage: Damage): Promise<void> {
    const record = damage === 'invalid-json' ? '{"id": "truncated' : JSON.stringify({ id, title: 42 });
    await pool.query(`UPDATE "${(store as PostgresStore).schema}".incidents SET record = $1 WHERE id = $2`, [
      record,
      id,
    ]);
  }

  runStoreConformance({ name: 'postgresStore', createStore: () => fresh(), test, describe, inspect, corrupt });

  describe('adapter', () => {
    test('a pg.Pool is a PgPoolLike without casts', () => {
      const typed: PgPoolLike = pool;
      expect(typed).toBe(pool);
    });

    test('stores starting together on one schema, over several pools, migrate it exactly once', async () => {
      const schema = freshSchema();
      const pools = [pool, newPool(2), newPool(2)];
      try {
        const stores = pools.flatMap((p) => [postgresStore(p, { schema }), postgresStore(p, { schema })]);
        const results = await Promise.all([
          ...stores.map((store) => store.nextNumber()),
          migratePostgres(pools[1] as pg.Pool, { schema }),
        ]);
        expect(new Set(results.slice(0, stores.length)).size).toBe(stores.length);
        expect(results.at(-1)).toBe(POSTGRES_SCHEMA_VERSION);
        const { rows } = await pool.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
        // Each migration once, whoever ran it.
        expect(rows).toEqual(Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })));
        await expect(migratePostgres(pool, { schema })).resolves.toBe(POSTGRES_SCHEMA_VERSION);
        expect((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".schema_migrations`)).rows).toEqual([
          { n: POSTGRES_SCHEMA_VERSION },
        ]);
      } finally {
        await Promise.all(pools.slice(1).map((p) => p.end()));
      }
    });

    test('the schema option isolates stores in one database', async () => {
      const a = fresh();
      const b = fresh();
      const incident = makeIncident(1, { dedupKey: 'alert:db', status: 'open' });
      await a.commit({
        incident,
        expectedVersion: 0,
        entries: [note(incident.id, 1)],
        timers: { set: [timer(incident, 'escalation', T0)], cancel: [] },
        outbox: [message(msgId(1), incident)],
        idempotency: { key: 'k', fingerprint: 'f' },
      });
      expect(await a.load(incident.id)).toEqual(incident);
      expect(await b.load(incident.id)).toBeNull();
      expect((await b.query({})).items).toEqual([]);
      expect(await b.findOpenByDedupKey('alert:db')).toBeNull();
      expect(await b.idempotent('k')).toBeNull();
      expect(await b.nextDueAt(0)).toBeNull();
      // Same id, same dedup key, same outbox id and key in the other schema: no conflict.
      await b.commit({
        incident,
        expectedVersion: 0,
        entries: [note(incident.id, 1)],
        timers: { set: [], cancel: [] },
        outbox: [message(msgId(1), incident)],
        idempotency: { key: 'k', fingerprint: 'f' },
      });
      expect(await a.nextNumber()).toBe(1);
      expect(await b.nextNumber()).toBe(1);
    });

    test('bad options and a non-pool fail with ValidationError, before any I/O', async () => {
      const bad: unknown[] = [
        { schema: 'public; DROP TABLE x' },
        { schema: 'has"quote' },
        { schema: '1starts_with_digit' },
        { schema: '' },
        { schema: 'x'.repeat(64) },
        { migrate: 'yes' },
        { notify: { channel: 'bad"channel' } },
        { notify: 'on' },
        { unknown: true },
      ];
      for (const options of bad) {
        expect(() => postgresStore(pool, options as never), JSON.stringify(options)).toThrow(ValidationError);
      }
      expect(() => postgresStore({} as never)).toThrow(ValidationError);
      await expect(migratePostgres(pool, { schema: 'a-b' })).rejects.toThrow(ValidationError);
    });

    test('with migrate: false, first use fails until the schema is migrated', async () => {
      const schema = freshSchema();
      const store = postgresStore(pool, { schema, migrate: false });
      await expect(store.load('x')).rejects.toSatisfy(
        (err) => StoreError.isInstance(err) && /migratePostgres/.test(err.message),
      );
      await migratePostgres(pool, { schema });
      expect(await store.load('x')).toBeNull();
    });

    test('a newer schema version is refused', async () => {
      const store = fresh();
      await store.ready();
      await pool.query(`INSERT INTO "${store.schema}".schema_migrations (version) VALUES ($1)`, [
        POSTGRES_SCHEMA_VERSION + 1,
      ]);
      await expect(postgresStore(pool, { schema: store.schema }).ready()).rejects.toSatisfy(
        (err) => StoreError.isInstance(err) && /newer than this incidentkit/.test(err.message),
      );
      await expect(postgresStore(pool, { schema: store.schema, migrate: false }).ready()).rejects.toSatisfy(
        StoreError.isInstance,
      );
    });

    test('a corrupt record fails load() naming the incident; query() reports it and returns the rest', async () => {
      const store = fresh();
      for (const n of [1, 2, 3]) {
        const incident = makeIncident(n);
        await store.commit({
          incident,
          expectedVersion: 0,
          entries: [note(incident.id, 1)],
          timers: { set: [], cancel: [] },
          outbox: [],
        });
      }
      const broken = makeIncident(2).id;
      await pool.query(`UPDATE "${store.schema}".incidents SET record = '{"id":"x"}' WHERE id = $1`, [broken]);
      const error = await store.load(broken).catch((err: unknown) => err);
      expect(StoreError.isInstance(error)).toBe(true);
      expect((error as StoreError).incidentId).toBe(broken);
      expect((error as StoreError).message).toContain(broken);
      const page = await store.query({});
      expect(page.items.map((i) => i.id)).toEqual([makeIncident(1).id, makeIncident(3).id]);
      expect(page.errors?.map((e) => e.incidentId)).toEqual([broken]);
    });

    test('a driver failure is a StoreError with the driver error as cause', async () => {
      const failing: PgPoolLike = {
        query: async () => {
          throw Object.assign(new Error('connection terminated'), {});
        },
        connect: async () => {
          throw new Error('ECONNREFUSED');
        },
      };
      const store = postgresStore(failing);
      const error = await store.load('x').catch((err: unknown) => err);
      expect(StoreError.isInstance(error)).toBe(true);
      expect((error as Error).cause).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/ECONNREFUSED/);
    });

    test('a concurrent create of one id is a ConcurrencyError naming the incident', async () => {
      const store = fresh();
      const incident = makeIncident(1);
      const change = {
        incident,
        expectedVersion: 0,
        entries: [note(incident.id, 1)],
        timers: { set: [], cancel: [] },
        outbox: [],
      };
      const results = await Promise.allSettled([store.commit(change), store.commit(change), store.commit(change)]);
      const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
      expect(failed).toHaveLength(2);
      for (const err of failed) {
        expect(ConcurrencyError.isInstance(err)).toBe(true);
        expect((err as ConcurrencyError).message).toContain(incident.id);
      }
    });

    test('with prepare: false (for poolers without prepared statements) every method still works', async () => {
      const store = fresh({ prepare: false });
      const incident = makeIncident(1);
      await store.commit({
        incident,
        expectedVersion: 0,
        entries: [note(incident.id, 1)],
        timers: { set: [timer(incident, 'escalation', T0)], cancel: [] },
        outbox: [message(msgId(1), incident)],
      });
      expect(await store.load(incident.id)).toEqual(incident);
      expect((await store.query({ service: incident.service })).items).toEqual([incident]);
      expect((await store.claimTimers(T0, { limit: 5, leaseMs: 1000, owner: 'w' })).map((t) => t.id)).toEqual([
        `${incident.id}:escalation`,
      ]);
      expect((await store.claimOutbox(T0, { limit: 5, leaseMs: 1000, owner: 'w' })).map((m) => m.id)).toEqual([
        msgId(1),
      ]);
      expect(await store.nextDueAt(T0)).toBe(T0 + 1000);
    });

    test('ids sort as JavaScript strings whatever the database locale: every id column uses the "C" collation', async () => {
      const store = fresh();
      const tricky = ['inc_B', 'inc_a', 'inc_é', 'inc__', 'inc_Z', 'inc_10', 'inc_9', 'inc_ä'];
      for (const id of tricky) {
        const incident = { ...makeIncident(1), id };
        await store.commit({
          incident,
          expectedVersion: 0,
          entries: [note(id, 1)],
          timers: { set: [], cancel: [] },
          outbox: [],
        });
      }
      const sorted = [...tricky].sort();
      expect((await store.query({})).items.map((i) => i.id)).toEqual(sorted);
      expect((await store.query({ order: 'desc' })).items.map((i) => i.id)).toEqual([...sorted].reverse());
      const { rows } = await pool.query(
        `SELECT table_name, column_name, collation_name FROM information_schema.columns
         WHERE table_schema = $1 AND data_type = 'text' AND column_name IN ('id', 'incident_id', 'key')`,
        [store.schema],
      );
      expect(rows.length).toBeGreaterThanOrEqual(6);
      for (const row of rows) expect(row, JSON.stringify(row)).toMatchObject({ collation_name: 'C' });
    });

    test('close() leaves the pool open', async () => {
      const store = fresh({ notify: true });
      await store.ready();
      const stop = await wakeOf(store)(() => {});
      await store.close();
      await stop();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect(await store.load('x')).toBeNull();
    });
  });

  describe('U+0000, which PostgreSQL text cannot hold', () => {
    const CLAIM = { limit: 10, leaseMs: 60_000, owner: 'worker' } as const;

    /** Three incidents with a timer, a message, a dedup key and an idempotency key each. */
    async function seed(store: IncidentStore): Promise<void> {
      for (const n of [1, 2, 3]) {
        const incident = makeIncident(n, { dedupKey: `alert:${n}`, tenant: 'acme' });
        await store.commit(
          commitOf(incident, 0, {
            entries: [note(incident.id, 1)],
            timers: { set: [timer(incident, 'escalation', T0)] },
            outbox: [message(msgId(n), incident)],
            idempotencyKey: `key:${n}`,
          }),
        );
      }
    }

    /** A cursor continuing after `after`, as only a hand-made one can be when `after` holds U+0000. */
    const cursorAfter = (order: 'asc' | 'desc', after: string) =>
      Buffer.from(`${order === 'asc' ? 'a' : 'd'}:${after}`, 'utf8').toString('base64url');

    test('look-ups by a value holding U+0000 find nothing, as in the memory store, and change nothing', async () => {
      const id = makeIncident(2).id;
      const lookUps = async (store: IncidentStore) => {
        await store.claimTimers(T0, CLAIM);
        await store.claimOutbox(T0, CLAIM);
        await store.completeTimer(`${id}:escalation\u0000`, 'worker');
        await store.settleOutbox(`${msgId(2)}\u0000`, 'worker', { type: 'dead', error: 'x' });
        const ids = async (query: Parameters<IncidentStore['query']>[0]) => {
          const page = await store.query(query);
          return { ids: page.items.map((i) => i.id), next: page.nextCursor !== null };
        };
        return {
          load: await store.load(`${id}\u0000`),
          loadPrefix: await store.load(`\u0000${id}`),
          dedup: await store.findOpenByDedupKey('alert:2\u0000'),
          idempotent: await store.idempotent('key:2\u0000'),
          timeline: await store.timeline(`${id}\u0000`),
          timers: await store.timers(`${id}\u0000`),
          outbox: await store.outbox(`${id}\u0000`),
          service: await ids({ service: `${makeIncident(2).service}\u0000` }),
          environment: await ids({ environment: '\u0000' }),
          tenant: await ids({ tenant: 'acme\u0000' }),
          category: await ids({ category: 'x\u0000y' }),
          afterAsc: await ids({ cursor: cursorAfter('asc', `${id}\u0000zz`) }),
          afterDesc: await ids({ order: 'desc', cursor: cursorAfter('desc', `${id}\u0000zz`) }),
          fromNothing: await ids({ cursor: cursorAfter('asc', '\u0000') }),
          badQuery: await store.query({ tenant: '\u0000', limit: 0 }).catch((err: unknown) => err),
          // The timer and the message are still claimed: completing and settling found nothing.
          timer: (await store.timers(id)).length,
          message: (await store.outbox(id)).map((m) => m.status),
        };
      };
      const pgStore = fresh();
      await seed(pgStore);
      const memory = memoryStore();
      await seed(memory);
      const found = await lookUps(pgStore);
      expect(found).toEqual(await lookUps(memory));
      expect(found).toMatchObject({
        load: null,
        dedup: null,
        idempotent: null,
        timeline: [],
        timers: [],
        outbox: [],
        service: { ids: [], next: false },
        tenant: { ids: [], next: false },
        afterAsc: { ids: [makeIncident(3).id] },
        afterDesc: { ids: [id, makeIncident(1).id] },
        fromNothing: { ids: [1, 2, 3].map((n) => makeIncident(n).id) },
        timer: 1,
        message: ['pending'],
      });
      expect(ValidationError.isInstance(found.badQuery)).toBe(true);
    });

    test('free text holding U+0000 is stored with U+FFFD: a failed delivery settles, a claim owner works', async () => {
      const store = fresh();
      await seed(store);
      const owner = 'host\u0000pid';
      const messages = await store.claimOutbox(T0, { ...CLAIM, owner });
      expect(messages.map((m) => m.owner)).toEqual([owner, owner, owner]);
      await store.settleOutbox(msgId(1), owner, { type: 'retry', at: T0 + 1000, error: 'HTTP 500: \u0000bad' });
      await store.settleOutbox(msgId(2), owner, { type: 'dead', error: 'gone\u0000' });
      await store.settleOutbox(msgId(3), owner, { type: 'delivered', at: T0 });
      const settled = await Promise.all([1, 2, 3].map(async (n) => (await store.outbox(makeIncident(n).id))[0]));
      expect(settled.map((m) => [m?.status, m?.lastError, m?.attempts])).toEqual([
        ['pending', 'HTTP 500: \uFFFDbad', 1],
        ['dead', 'gone\uFFFD', 1],
        ['delivered', undefined, 1],
      ]);
      // Settled, so never sent again.
      expect(await store.claimOutbox(T0, CLAIM)).toEqual([]);
      const timers = await store.claimTimers(T0, { ...CLAIM, owner });
      expect(timers).toHaveLength(3);
      await store.completeTimer(timers[0]?.id as string, owner);
      expect(await store.timers(makeIncident(1).id)).toEqual([]);
    });

    test('a commit that would store U+0000 in a column is a StoreError naming it, before any transaction', async () => {
      const schema = freshSchema();
      let connects = 0;
      const counting: PgPoolLike = {
        query: (config) => pool.query(config),
        connect: () => {
          connects += 1;
          return pool.connect();
        },
      };
      const store = postgresStore(counting, { schema });
      await seed(store);
      const before = await inspect(store);
      const connectsBefore = connects;
      const incident = makeIncident(4);
      const base = commitOf(incident, 0, {
        entries: [note(incident.id, 1)],
        timers: { set: [timer(incident, 'escalation', T0)] },
        outbox: [message(msgId(4), incident)],
      });
      const cases: [string, Commit][] = [
        ['incident.id', commitOf({ ...incident, id: `${incident.id}\u0000` }, 0)],
        ['incident.service', { ...base, incident: { ...incident, service: 'api\u0000' } }],
        ['incident.tenant', { ...base, incident: { ...incident, tenant: '\u0000' } }],
        ['incident.dedupKey', { ...base, incident: { ...incident, dedupKey: 'alert:\u0000' } }],
        ['incident.category', { ...base, incident: { ...incident, category: 'x\u0000' } }],
        [
          'timers.set[0].id',
          { ...base, timers: { set: [{ ...timer(incident, 'escalation', T0), id: 't\u0000' }], cancel: [] } },
        ],
        ['outbox[0].id', { ...base, outbox: [message(`${msgId(4)}\u0000`, incident)] }],
        ['outbox[0].channel', { ...base, outbox: [message(msgId(4), incident, { channel: 'web\u0000hook' })] }],
        ['idempotency.key', { ...base, idempotency: { key: 'k\u0000', fingerprint: 'f' } }],
        ['idempotency.fingerprint', { ...base, idempotency: { key: 'k', fingerprint: 'f\u0000' } }],
      ];
      for (const [where, change] of cases) {
        const error = await store.commit(change).catch((err: unknown) => err);
        expect(StoreError.isInstance(error), where).toBe(true);
        expect((error as Error).message, where).toBe(
          `Invalid commit: PostgreSQL text cannot hold U+0000 in ${where}; nothing was written`,
        );
      }
      expect(connects).toBe(connectsBefore);
      expect(await inspect(store)).toEqual(before);
      // A timer id that no stored timer can have is cancelled like any unknown one: nothing to do.
      await store.commit({ ...base, timers: { set: [], cancel: ['t\u0000'], fired: 'u\u0000' } });
      expect(await store.load(incident.id)).toEqual(incident);
    });
  });

  describe('bad data never stops the rest', () => {
    test('a commit whose incident fails the schema is a StoreError and writes nothing', async () => {
      const store = fresh();
      const incident = makeIncident(1);
      await store.commit(commitOf(incident, 0, { entries: [note(incident.id, 1)] }));
      const before = await inspect(store);
      await expect(
        store.commit(
          commitOf({ ...incident, status: 'exploded' as never, version: 2, lastSeq: 2 }, 1, {
            entries: [note(incident.id, 2)],
            outbox: [message(msgId(1), incident)],
          }),
        ),
      ).rejects.toSatisfy(
        (err) =>
          StoreError.isInstance(err) &&
          err.incidentId === incident.id &&
          /fails the incident schema at status/.test(err.message),
      );
      expect(await inspect(store)).toEqual(before);
    });

    test('a claimed message with an unreadable payload goes dead naming its incident; the others are claimed', async () => {
      const store = fresh();
      for (const n of [1, 2, 3]) {
        const incident = makeIncident(n);
        await store.commit(
          commitOf(incident, 0, { entries: [note(incident.id, 1)], outbox: [message(msgId(n), incident)] }),
        );
      }
      const broken = makeIncident(2).id;
      await pool.query(`UPDATE "${store.schema}".outbox SET payload = '{not json' WHERE id = $1`, [msgId(2)]);
      const claimed = await store.claimOutbox(T0, { limit: 10, leaseMs: 60_000, owner: 'w' });
      expect(claimed.map((m) => m.id)).toEqual([msgId(1), msgId(3)]);
      const { rows } = await pool.query(
        `SELECT status, last_error, attempts, owner FROM "${store.schema}".outbox WHERE id = $1`,
        [msgId(2)],
      );
      expect(rows).toEqual([{ status: 'dead', last_error: expect.any(String), attempts: 1, owner: null }]);
      expect(rows[0].last_error).toContain(`incident "${broken}" is corrupt`);
      expect(await store.claimOutbox(T0 + 120_000, { limit: 10, leaseMs: 60_000, owner: 'w' })).toHaveLength(2);
    });
  });

  describe('LISTEN/NOTIFY wake-ups', () => {
    test('a commit that adds timers or messages wakes listeners of every store on the channel', async () => {
      const schema = freshSchema();
      const writer = postgresStore(pool, { schema, notify: true });
      const other = newPool(2);
      const reader = postgresStore(other, { schema, notify: true });
      try {
        const heard: (number | null)[] = [];
        let wake: () => void = () => {};
        const stop = await wakeOf(reader)((at) => {
          heard.push(at);
          wake();
        });
        const incident = makeIncident(1);
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
        });
        await writer.commit({
          incident,
          expectedVersion: 0,
          entries: [note(incident.id, 1)],
          timers: { set: [timer(incident, 'escalation', T0 + 500)], cancel: [] },
          outbox: [message(msgId(1), incident, { availableAt: T0 + 100 })],
        });
        await woken;
        expect(heard).toEqual([T0 + 100]);
        // A commit that adds nothing to claim notifies nobody; one that fails neither.
        await writer.commit({
          incident: { ...incident, version: 2, lastSeq: 2 },
          expectedVersion: 1,
          entries: [note(incident.id, 2)],
          timers: { set: [], cancel: [`${incident.id}:escalation`] },
          outbox: [],
        });
        await expect(
          writer.commit({
            incident: { ...incident, version: 2, lastSeq: 2 },
            expectedVersion: 1,
            entries: [note(incident.id, 2)],
            timers: { set: [timer(incident, 'slaBreach', T0)], cancel: [] },
            outbox: [],
          }),
        ).rejects.toSatisfy(ConcurrencyError.isInstance);
        const next = new Promise<void>((resolve) => {
          wake = resolve;
        });
        await writer.commit({
          incident: { ...incident, version: 3, lastSeq: 3 },
          expectedVersion: 2,
          entries: [note(incident.id, 3)],
          timers: { set: [timer(incident, 'slaBreach', T0 + 7)], cancel: [] },
          outbox: [],
        });
        await next;
        expect(heard).toEqual([T0 + 100, T0 + 7]);
        await stop();
      } finally {
        await reader.close();
        await writer.close();
        await other.end();
      }
    });

    test('a lost LISTEN connection wakes listeners with null and is re-established', async () => {
      const store = fresh({ notify: { channel: 'ik_test_reconnect' } });
      await store.ready();
      const heard: (number | null)[] = [];
      let wake: () => void = () => {};
      const stop = await wakeOf(store)((at) => {
        heard.push(at);
        wake();
      });
      let woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      await pool.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = \'LISTEN "ik_test_reconnect"\'',
      );
      await woken;
      expect(heard).toEqual([null]);
      woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      // The next use of the store listens again.
      await store.nextDueAt(0);
      for (let i = 0; i < 50 && (await listening('ik_test_reconnect')) === 0; i++) await delay(20);
      await pool.query(`NOTIFY "ik_test_reconnect", '42'`);
      await woken;
      expect(heard).toEqual([null, 42]);
      await stop();
      await store.close();
    });

    test('each onWake call is its own subscription, even for the same listener', async () => {
      const store = fresh({ notify: true });
      await store.ready();
      const heard: (number | null)[] = [];
      const listener = (at: number | null) => heard.push(at);
      // Subscribed last, so called last: once it hears a notification, every listener has.
      let wake: () => void = () => {};
      const sentinel = () => wake();
      const notified = async (payload: number) => {
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
        });
        await pool.query(`NOTIFY "${store.schema}", '${payload}'`);
        await woken;
      };
      const first = await wakeOf(store)(listener);
      const second = await wakeOf(store)(listener);
      const last = await wakeOf(store)(sentinel);
      await notified(1);
      expect(heard).toEqual([1, 1]);
      await first();
      await first();
      await notified(2);
      expect(heard).toEqual([1, 1, 2]);
      await second();
      await notified(3);
      expect(heard).toEqual([1, 1, 2]);
      await last();
      for (let i = 0; i < 50 && (await listening(store.schema)) > 0; i++) await delay(20);
      expect(await listening(store.schema)).toBe(0);
      await store.close();
    });

    test('when listening cannot start, onWake rejects with nothing subscribed, and a later call listens', async () => {
      let refuse = false;
      const flaky: PgPoolLike = {
        query: (config) => pool.query(config),
        connect: async () => {
          if (refuse) throw new Error('too many clients already');
          return pool.connect();
        },
      };
      const store = postgresStore(flaky, { schema: freshSchema(), notify: true });
      await store.ready();
      const failed: (number | null)[] = [];
      refuse = true;
      await expect(wakeOf(store)((at) => failed.push(at))).rejects.toSatisfy(
        (err) => StoreError.isInstance(err) && /too many clients/.test((err as Error).message),
      );
      // Using the store revives nothing: nobody is subscribed.
      await store.nextDueAt(0);
      refuse = false;
      let wake: (at: number | null) => void = () => {};
      const heard = new Promise<number | null>((resolve) => {
        wake = resolve;
      });
      const stop = await wakeOf(store)((at) => wake(at));
      await pool.query(`NOTIFY "${store.schema}", '5'`);
      expect(await heard).toBe(5);
      expect(failed).toEqual([]);
      await stop();
      await store.close();
    });

    test('without the notify option the store has no onWake: workers poll', () => {
      expect(fresh().onWake).toBeUndefined();
    });
  });

  async function listening(channel: string): Promise<number> {
    const { rows } = await pool.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1 AND state = 'idle'",
      [`LISTEN "${channel}"`],
    );
    return (rows[0] as { n: number }).n;
  }
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The `onWake` of a store made with the notify option. */
function wakeOf(store: PostgresStore): NonNullable<PostgresStore['onWake']> {
  if (!store.onWake) throw new Error('this store was made without the notify option');
  return store.onWake.bind(store);
}
