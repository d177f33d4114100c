import { createIncidentKit, memoryStore } from 'incidentkit';
import { FakeClock } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { TRIAGED_REPORT as REPORT } from '../support.js';

const LIFECYCLE = { autoCloseAfter: 'P1D', escalateAfter: 'PT10M', maxEscalations: 1 } as const;

describe('durable timers survive a restart', () => {
  test('a new kit over the same store fires what the old one scheduled, each exactly once', async () => {
    const store = memoryStore();
    const clock = new FakeClock();
    const before = createIncidentKit({ store, clock, lifecycle: LIFECYCLE, workerId: 'old' });
    const resolved = await before.report(REPORT);
    await before.acknowledge(resolved.id);
    await before.resolve(resolved.id, { summary: 'Fixed' });
    const unacknowledged = await before.report(REPORT);
    // The process goes away; nothing of the old kit is used again.

    clock.advance('P2D');
    const kits = ['a', 'b'].map((workerId) => createIncidentKit({ store, clock, lifecycle: LIFECYCLE, workerId }));
    const runs = await Promise.all(kits.map((kit) => kit.runDue()));
    expect(runs.reduce((n, r) => n + r.timersFired, 0)).toBe(2);
    const [after] = kits as [ReturnType<typeof createIncidentKit>];

    expect((await after.get(resolved.id)).status).toBe('closed');
    const closings = (await after.timeline(resolved.id)).filter((e) => e.type === 'closed');
    expect(closings).toHaveLength(1);
    const escalations = (await after.timeline(unacknowledged.id)).filter((e) => e.type === 'escalated');
    expect(escalations).toHaveLength(1);
    // Fired late, not early: the entry is stamped when the worker ran.
    expect(closings[0]?.at).toBe(clock.iso());

    // Nothing is left to fire: running again changes nothing.
    const again = await Promise.all(kits.map((kit) => kit.runDue()));
    expect(again.reduce((n, r) => n + r.timersFired, 0)).toBe(0);
    expect(await store.timers(resolved.id)).toEqual([]);
  });
});
