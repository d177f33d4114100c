import type { IncidentStore } from '../ports/store.js';
import { type CorruptHook, corruptCheck, type Damage } from './conformance/corrupt.js';
import type { Check } from './conformance/fixtures.js';

export type { CorruptHook, Damage };

import { outboxChecks } from './conformance/outbox.js';
import { queryChecks } from './conformance/query.js';
import { recordChecks } from './conformance/records.js';
import { timerChecks } from './conformance/timers.js';

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
  /**
   * Optional: damages the stored record of an incident, `'invalid-json'` or `'fails-schema'` (e.g.
   * `{"id": 42}`), with raw access to your database. When given, the suite also checks the
   * documented behaviour for corrupt data: `load()` fails with a `StoreError` whose `incidentId`
   * names the incident, and `query()` leaves it out of `items`, reports it in `errors` and goes on.
   * Resolve `false` for a kind of damage your database cannot hold (a JSON column rejects invalid
   * JSON). Stores that cannot be damaged from outside (the memory store) leave it out.
   */
  corrupt?: CorruptHook;
  /** Names of checks (see {@link STORE_CONFORMANCE_CHECKS}) not to register. Unknown names throw. */
  skip?: readonly string[];
}

const checks: Check[] = [...recordChecks, ...queryChecks, ...timerChecks, ...outboxChecks];
const CORRUPT_CHECK = corruptCheck(async () => false)[0];

/**
 * Names of every check of {@link runStoreConformance}, in the order they are registered. The last
 * is registered only with a `corrupt` hook.
 */
export const STORE_CONFORMANCE_CHECKS: readonly string[] = [...checks.map(([name]) => name), CORRUPT_CHECK];

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
    const all = options.corrupt === undefined ? checks : [...checks, corruptCheck(options.corrupt)];
    for (const [name, run] of all) {
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
