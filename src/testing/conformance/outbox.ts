import assert from 'node:assert/strict';
import { type Check, create, ids, makeIncident, message, msgId, T0, timer, update } from './fixtures.js';

/** Outbox: claims in order, settling, leases, nextDueAt, concurrency. */
export const outboxChecks: Check[] = [
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
    'settleOutbox deferred returns a message to pending without counting an attempt',
    async ({ store }) => {
      const a = makeIncident(1);
      await create(store, a, {
        outbox: [
          message(msgId(1), a, { channel: 'slack' }),
          message(msgId(2), a, { channel: 'slack' }),
          message(msgId(3), a, { channel: 'email' }),
        ],
      });
      assert.deepStrictEqual(await store.claimOutbox(T0, { limit: 10, leaseMs: 60_000, owner: 'w1' }).then(ids), [
        msgId(1),
        msgId(3),
      ]);
      await store.settleOutbox(msgId(1), 'w1', { type: 'retry', at: T0 + 1000, error: 'HTTP 503' });
      await store.settleOutbox(msgId(3), 'w1', { type: 'deferred', at: T0 + 2000 });
      const base = (id: string, channel: string) => message(id, a, { channel });
      assert.deepStrictEqual(await store.outbox(a.id), [
        { ...base(msgId(1), 'slack'), availableAt: T0 + 1000, status: 'pending', attempts: 1, lastError: 'HTTP 503' },
        { ...base(msgId(2), 'slack'), status: 'pending', attempts: 0 },
        { ...base(msgId(3), 'email'), availableAt: T0 + 2000, status: 'pending', attempts: 0 },
      ]);

      const again = await store.claimOutbox(T0 + 1000, { limit: 10, leaseMs: 60_000, owner: 'w2' });
      assert.deepStrictEqual(ids(again), [msgId(1)], 'a deferred message is not claimed before its instant');
      await store.settleOutbox(msgId(1), 'w2', { type: 'deferred', at: T0 + 5000 });
      assert.deepStrictEqual(
        (await store.outbox(a.id))[0],
        { ...base(msgId(1), 'slack'), availableAt: T0 + 5000, status: 'pending', attempts: 1, lastError: 'HTTP 503' },
        'a deferral keeps attempts and lastError and moves availableAt',
      );
      assert.equal(
        await store.nextDueAt(T0 + 2000),
        T0 + 5000,
        'the deferral released the lease (held until T0 + 61000)',
      );
      assert.deepStrictEqual(
        await store.claimOutbox(T0 + 4999, { limit: 10, leaseMs: 60_000, owner: 'w3' }).then(ids),
        [msgId(3)],
        'msg 2 waits behind the deferred msg 1',
      );
      const due = await store.claimOutbox(T0 + 5000, { limit: 10, leaseMs: 60_000, owner: 'w3' });
      assert.deepStrictEqual(due, [
        {
          ...base(msgId(1), 'slack'),
          availableAt: T0 + 5000,
          status: 'pending',
          attempts: 1,
          lastError: 'HTTP 503',
          owner: 'w3',
          leaseUntil: T0 + 65_000,
        },
      ]);
      await store.settleOutbox(msgId(1), 'w3', { type: 'delivered', at: T0 + 5001 });
      assert.equal((await store.outbox(a.id))[0]?.attempts, 2, 'only attempts count');
      assert.deepStrictEqual(await store.claimOutbox(T0 + 5001, { limit: 10, leaseMs: 1000, owner: 'w3' }).then(ids), [
        msgId(2),
      ]);
    },
  ],
  [
    'settleOutbox deferred by anyone but the lease holder is ignored',
    async ({ store }) => {
      const a = makeIncident(1);
      await create(store, a, { outbox: [message(msgId(1), a)] });
      const pending = { ...message(msgId(1), a), status: 'pending' as const, attempts: 0 };
      await store.settleOutbox(msgId(1), 'w1', { type: 'deferred', at: T0 + 100 });
      assert.deepStrictEqual(await store.outbox(a.id), [pending], 'an unclaimed message cannot be deferred');
      await store.claimOutbox(T0, { limit: 10, leaseMs: 1000, owner: 'w1' });
      await store.settleOutbox(msgId(1), 'w2', { type: 'deferred', at: T0 + 100 });
      assert.deepStrictEqual(await store.outbox(a.id), [pending], 'a non-owner cannot defer');
      assert.deepStrictEqual(
        await store.claimOutbox(T0 + 999, { limit: 10, leaseMs: 1000, owner: 'w3' }),
        [],
        'the lease still holds',
      );
      await store.claimOutbox(T0 + 1000, { limit: 10, leaseMs: 1000, owner: 'w2' });
      await store.settleOutbox(msgId(1), 'w1', { type: 'deferred', at: T0 + 1500 });
      assert.deepStrictEqual(await store.outbox(a.id), [pending], 'an owner whose lease was taken over cannot defer');
      await store.settleOutbox(msgId(1), 'w2', { type: 'deferred', at: T0 + 3000 });
      assert.deepStrictEqual(await store.outbox(a.id), [{ ...pending, availableAt: T0 + 3000 }]);
      await store.settleOutbox(msgId(1), 'w2', { type: 'deferred', at: T0 + 9000 });
      assert.deepStrictEqual(
        await store.outbox(a.id),
        [{ ...pending, availableAt: T0 + 3000 }],
        'a deferral frees the lease: its holder cannot settle again',
      );
      await store.claimOutbox(T0 + 3000, { limit: 10, leaseMs: 1000, owner: 'w4' });
      await store.settleOutbox(msgId(1), 'w4', { type: 'delivered', at: T0 + 3001 });
      await store.settleOutbox(msgId(1), 'w4', { type: 'deferred', at: T0 + 4000 });
      assert.deepStrictEqual(
        (await store.outbox(a.id))[0],
        { ...pending, availableAt: T0 + 3000, status: 'delivered', attempts: 1, deliveredAt: T0 + 3001 },
        'a settled message stays settled',
      );
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
    'claimOutbox keeps order per lane: a held lane holds up only itself, and lanes round-trip',
    async ({ store }) => {
      const a = makeIncident(1);
      await create(store, a, {
        outbox: [
          message(msgId(1), a, { channel: 'email', lane: 'quiet:bo', availableAt: T0 + 60_000 }),
          message(msgId(2), a, { channel: 'email' }),
          message(msgId(3), a, { channel: 'email', lane: 'quiet:bo', availableAt: T0 }),
          message(msgId(4), a, { channel: 'email' }),
        ],
      });
      const stored = await store.outbox(a.id);
      assert.deepStrictEqual(
        stored.map((m) => m.lane),
        ['quiet:bo', undefined, 'quiet:bo', undefined],
        'a lane is kept, and a message without one reads back without one',
      );
      const first = await store.claimOutbox(T0, { limit: 10, leaseMs: 1000, owner: 'w1' });
      assert.deepStrictEqual(ids(first), [msgId(2)], 'msg 1 holds msg 3 of its lane, not msg 2 of the main lane');
      assert.equal(first[0]?.lane, undefined);
      await store.settleOutbox(msgId(2), 'w1', { type: 'delivered', at: T0 });
      assert.deepStrictEqual(await store.claimOutbox(T0, { limit: 10, leaseMs: 1000, owner: 'w1' }).then(ids), [
        msgId(4),
      ]);
      assert.equal(await store.nextDueAt(T0), T0 + 1000, 'the lease of msg 4 ends first');
      const held = await store.claimOutbox(T0 + 60_000, { limit: 10, leaseMs: 1000, owner: 'w2' });
      assert.deepStrictEqual(ids(held), [msgId(1), msgId(4)]);
      assert.equal(held[0]?.lane, 'quiet:bo');
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
