import assert from 'node:assert/strict';
import type { TimerName } from '../../ports/store.js';
import { type Check, create, ids, makeIncident, T0, timer, update } from './fixtures.js';

/** Timers: set, replace, cancel, claims with leases, concurrency. */
export const timerChecks: Check[] = [
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
];
