/** Helpers shared by the lifecycle tests. */
import { type IncidentKit, type IncidentStore, memoryStore } from 'incidentkit';
import { expect } from 'vitest';

/** A memory store that counts commits per incident and checks each one bumps the version by one. */
export function countingStore(): { store: IncidentStore; commits: Map<string, number> } {
  const inner = memoryStore();
  const commits = new Map<string, number>();
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== 'commit') return Reflect.get(target, property, receiver);
      return async (change: Parameters<IncidentStore['commit']>[0]) => {
        await target.commit(change);
        expect(change.incident.version).toBe(change.expectedVersion + 1);
        commits.set(change.incident.id, (commits.get(change.incident.id) ?? 0) + 1);
      };
    },
  });
  return { store, commits };
}

/** Everything a command could write: the record, the timeline, the timers and the outbox. */
export async function written(kit: Pick<IncidentKit, 'get' | 'timeline' | 'store'>, id: string) {
  const [incident, timeline, timers, outbox] = await Promise.all([
    kit.get(id),
    kit.timeline(id),
    kit.store.timers(id),
    kit.store.outbox(id),
  ]);
  return { incident, timeline, timers, outbox };
}

/** A report that is prioritized at once (P1) and opens. */
export const TRIAGED_REPORT = {
  title: 'Checkout is down',
  service: 'shop',
  reporter: { name: 'Ana', kind: 'employee' },
  impact: 'high',
  urgency: 'high',
} as const;

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** ServiceNow's default table, row by row: impact, urgency, priority. */
export const ITIL_CELLS = [
  ['high', 'high', 'P1'],
  ['high', 'medium', 'P2'],
  ['high', 'low', 'P3'],
  ['medium', 'high', 'P2'],
  ['medium', 'medium', 'P3'],
  ['medium', 'low', 'P4'],
  ['low', 'high', 'P3'],
  ['low', 'medium', 'P4'],
  ['low', 'low', 'P4'],
] as const;
