import assert from 'node:assert/strict';
import { StoreError } from '../../domain/errors.js';
import type { Incident } from '../../domain/incident.js';
import { toIso } from '../../ports/clock.js';
import type { IncidentStore } from '../../ports/store.js';
import { type Check, type Context, createMany, ids, makeIncident, rejectsWith } from './fixtures.js';

/** How the conformance suite's `corrupt` hook damages a stored incident record. */
export type Damage = 'invalid-json' | 'fails-schema';

/**
 * Damages the stored record of one incident; resolves `false` when the store cannot hold such
 * damage at all (e.g. a JSON column type rejects invalid JSON), which skips that kind.
 */
export type CorruptHook = (store: IncidentStore, incidentId: string, damage: Damage) => Promise<unknown>;

/**
 * Registered only when the adapter passes a `corrupt` hook: a stored record that cannot be read
 * fails `load()` with a `StoreError` naming the incident, and a query reports it in `errors`
 * without failing the page.
 */
export function corruptCheck(corrupt: CorruptHook): Check {
  return [
    'a corrupt stored incident fails load() with StoreError naming it; query() reports it in errors and returns the rest',
    async ({ store }: Context) => {
      for (const damage of ['invalid-json', 'fails-schema'] as const) {
        const offset = damage === 'invalid-json' ? 0 : 10;
        const [first, broken, third] = (await createMany(store, 3, (n) => makeIncident(n + offset))) as [
          Incident,
          Incident,
          Incident,
        ];
        if ((await corrupt(store, broken.id, damage)) === false) continue;
        await rejectsWith(store.load(broken.id), StoreError.isInstance, 'STORE', (err) => {
          assert.equal((err as StoreError).incidentId, broken.id, `${damage}: the error names the incident`);
          assert.ok(err.message.includes(broken.id), `${damage}: the message names the incident: ${err.message}`);
        });
        const page = await store.query({
          reportedFrom: first.reportedAt,
          reportedTo: toIso(Date.parse(third.reportedAt) + 1),
        });
        assert.deepStrictEqual(
          ids(page.items),
          [first.id, third.id],
          `${damage}: the page keeps the readable incidents`,
        );
        assert.deepStrictEqual(
          page.errors?.map((e) => [StoreError.isInstance(e), e.incidentId]),
          [[true, broken.id]],
          `${damage}: the page reports the corrupt one in errors`,
        );
        const small = await store.query({ reportedFrom: first.reportedAt, limit: 2 });
        assert.deepStrictEqual(ids(small.items), [first.id], `${damage}: a corrupt row still counts for the limit`);
        assert.equal(small.errors?.length, 1);
        assert.ok(small.nextCursor !== null, `${damage}: the cursor moves past the corrupt row`);
        const rest = await store.query({ reportedFrom: first.reportedAt, limit: 2, cursor: small.nextCursor });
        assert.deepStrictEqual(ids(rest.items), [third.id]);
        assert.equal(rest.errors, undefined, `${damage}: errors is absent when every row is readable`);
      }
    },
  ];
}
