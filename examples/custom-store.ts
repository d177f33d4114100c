/**
 * A custom storage adapter: it implements the `IncidentStore` port by delegating every method to
 * `memoryStore()` and logs each commit. Replace the delegate with calls to your database to build
 * a real adapter, then prove it with `runStoreConformance()` (see docs/storage.md).
 *
 * Run it with `npx tsx --tsconfig tsconfig.examples.json examples/custom-store.ts`.
 */
import { type Commit, createIncidentKit, type IncidentStore, memoryStore } from 'incidentkit';
import { FakeClock } from 'incidentkit/testing';

/** Wraps `inner`, calling `log` with a one-line summary of every commit before it is written. */
export function loggingStore(inner: IncidentStore, log: (line: string) => void): IncidentStore {
  return {
    contract: 'incidentkit.store/1',
    load: (id) => inner.load(id),
    nextNumber: () => inner.nextNumber(),
    async commit(change: Commit) {
      const { incident, expectedVersion, entries, timers, outbox } = change;
      const what = entries.map((entry) => entry.type).join(', ') || 'no entries';
      const timerChanges = [
        ...timers.set.map((t) => `+${t.name}`),
        ...timers.cancel.map((id) => `-${id.slice(id.indexOf(':') + 1)}`),
      ];
      log(
        `commit ${incident.number} v${expectedVersion}->v${incident.version} ${incident.status}: ${what}` +
          (timerChanges.length > 0 ? ` | timers ${timerChanges.join(' ')}` : '') +
          (outbox.length > 0 ? ` | ${outbox.length} message(s)` : ''),
      );
      await inner.commit(change); // atomic and compare-and-set: the delegate guarantees both
    },
    idempotent: (key) => inner.idempotent(key),
    query: (q) => inner.query(q),
    timeline: (id, opts) => inner.timeline(id, opts),
    findOpenByDedupKey: (key) => inner.findOpenByDedupKey(key),
    timers: (incidentId) => inner.timers(incidentId),
    claimTimers: (now, opts) => inner.claimTimers(now, opts),
    completeTimer: (id, owner) => inner.completeTimer(id, owner),
    claimOutbox: (now, opts) => inner.claimOutbox(now, opts),
    settleOutbox: (id, owner, outcome) => inner.settleOutbox(id, owner, outcome),
    nextDueAt: (after) => inner.nextDueAt(after),
    outbox: (incidentId) => inner.outbox(incidentId),
    async close() {
      await inner.close?.();
    },
  };
}

const clock = new FakeClock('2026-03-02T09:00:00Z');
const kit = createIncidentKit({
  store: loggingStore(memoryStore(), (line) => console.log(line)),
  clock,
  lifecycle: { escalateAfter: 'PT10M' },
});

const incident = await kit.report({
  title: 'Search returns no results',
  reporter: { name: 'Grafana', kind: 'monitoring' },
  service: 'search',
  impact: 'medium',
  urgency: 'high',
});
clock.advance('PT10M');
await kit.runDue(); // nobody acknowledged: the escalation timer fires through the same commit path
await kit.acknowledge(incident.id, {}, { actor: 'sam' });
await kit.resolve(incident.id, { summary: 'Rebuilt the index' }, { actor: 'sam' });

const stored = await kit.get(incident.id);
console.log(`\n${stored.number} is ${stored.status}/${stored.phase} at version ${stored.version}`);
await kit.store.close?.();
