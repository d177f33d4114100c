import Database from 'better-sqlite3';
import { type IncidentStore, memoryStore, type OutboxOutcome, ValidationError } from 'incidentkit';
import { sqliteStore } from 'incidentkit/sqlite';
import { runStoreConformance } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';

runStoreConformance({ name: 'memoryStore', createStore: () => memoryStore(), test, describe });

describe('settleOutbox checks its outcome', () => {
  const stores: [string, () => IncidentStore][] = [
    ['memoryStore', () => memoryStore()],
    ['sqliteStore', () => sqliteStore(new Database(':memory:'))],
  ];
  test.each(stores)('%s: a deferral needs a whole-millisecond instant, or it is a ValidationError', async (_, make) => {
    const store = make();
    for (const outcome of [{ type: 'deferred', at: 1.5 }, { type: 'deferred' }, { type: 'deferred', at: '1' }]) {
      const error = await store.settleOutbox('msg_1', 'w1', outcome as OutboxOutcome).catch((e: unknown) => e);
      expect(ValidationError.isInstance(error), JSON.stringify(outcome)).toBe(true);
      expect(String(error)).toContain('outbox outcome');
    }
    await store.close?.();
  });
});
