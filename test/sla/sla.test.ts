import { createIncidentKit, memoryStore, type TimelineEntry, ValidationError } from 'incidentkit';
import { createTestKit, FakeClock } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { TRIAGED_REPORT as REPORT } from '../support.js';

/** Start of the fake clock: Monday 2026-01-05 09:00 UTC. */
const T0 = Date.parse('2026-01-05T09:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const SLA = {
  targets: [
    { scope: { priority: 'P1' as const }, response: 'PT15M', resolution: 'PT4H' },
    { scope: { priority: 'P3' as const }, response: 'PT1H', resolution: 'P1D' },
  ],
};

function slaEntries(timeline: TimelineEntry[]) {
  return timeline
    .filter((e) => e.type === 'sla_warning' || e.type === 'sla_breached' || e.type === 'sla_met')
    .map((e) => `${e.type} ${'clock' in e ? e.clock : ''} ${e.at}`);
}

describe('SLA clocks', () => {
  test('start at report, warn at 75%, are met on acknowledge, pause on hold and breach at the moved due instant', async () => {
    const { kit, clock, advance } = createTestKit({ sla: SLA });
    const events: string[] = [];
    kit.on('sla.warning', ({ entry }) => events.push(`warning ${entry.clock}`));
    kit.on('sla.met', ({ entry }) => events.push(`met ${entry.clock}`));
    kit.on('sla.breached', ({ entry }) => events.push(`breached ${entry.clock}`));
    const { id } = await kit.report(REPORT);
    const clocks = (await kit.get(id)).sla.clocks;
    expect(clocks.map((c) => [c.name, c.dueAt, c.warnAt])).toEqual([
      ['response', at(15), at(11.25)],
      ['resolution', at(240), at(180)],
    ]);

    await advance('PT12M'); // the response warning fires at 09:11:15 on the way
    await kit.acknowledge(id); // 09:12: in time
    clock.set(at(60));
    await kit.hold(id, { reason: 'awaiting_vendor' }); // 10:00
    clock.set(at(120));
    await kit.resume(id); // 11:00: an hour on hold moves the resolution clock by an hour
    const resolution = (await kit.get(id)).sla.clocks.find((c) => c.name === 'resolution');
    expect([resolution?.dueAt, resolution?.warnAt, resolution?.pausedMs]).toEqual([at(300), at(240), 3_600_000]);
    const status = await kit.slaStatus(id);
    expect(status.map((c) => [c.name, c.state, c.elapsedMs, c.remainingMs])).toEqual([
      ['response', 'met', 12 * 60_000, 3 * 60_000],
      ['resolution', 'running', 3_600_000, 3 * 3_600_000],
    ]);

    await advance('PT4H'); // to 15:00: warning at 13:00, breach at 14:00
    expect(slaEntries(await kit.timeline(id))).toEqual([
      `sla_warning response ${at(11.25)}`,
      `sla_met response ${at(12)}`,
      `sla_warning resolution ${at(240)}`,
      `sla_breached resolution ${at(300)}`,
    ]);
    expect(events).toEqual(['warning response', 'met response', 'warning resolution', 'breached resolution']);
    expect(await kit.store.timers(id)).toEqual([]);
  });

  test('a priority change recomputes the targets from reportedAt (retroactive)', async () => {
    const { kit, clock } = createTestKit({ sla: SLA });
    const { id } = await kit.report({ ...REPORT, impact: 'low', urgency: 'high' }); // P3
    expect((await kit.get(id)).sla.clocks.map((c) => c.dueAt)).toEqual([at(60), at(1440)]);
    clock.set(at(30));
    await kit.triage(id, { impact: 'high', urgency: 'high' }); // P1
    expect((await kit.get(id)).sla.clocks.map((c) => c.dueAt)).toEqual([at(15), at(240)]);
    // Already past the new response target: the breach fires at once.
    const { timersFired } = await kit.runDue();
    expect(timersFired).toBeGreaterThan(0);
    expect(slaEntries(await kit.timeline(id))).toContain(`sla_breached response ${at(30)}`);
  });

  test('reopening resumes the resolution clock; the resolved spell counts as paused', async () => {
    const { kit, clock } = createTestKit({ sla: SLA });
    const { id } = await kit.report(REPORT); // P1: resolution 4 h
    await kit.acknowledge(id);
    clock.set(at(60));
    await kit.resolve(id, { summary: 'Restarted' });
    expect(slaEntries(await kit.timeline(id))).toContain(`sla_met resolution ${at(60)}`);
    clock.set(at(180));
    await kit.reopen(id, { reason: 'It is back' });
    const resolution = (await kit.get(id)).sla.clocks.find((c) => c.name === 'resolution');
    expect([resolution?.metAt, resolution?.pausedMs, resolution?.dueAt]).toEqual([undefined, 7_200_000, at(360)]);
  });

  test('targets count business time on their calendar', async () => {
    const clock = new FakeClock('2026-03-27T15:00:00Z'); // Friday 16:00 in Berlin
    const { kit } = createTestKit({
      clock,
      sla: {
        calendars: {
          berlin: {
            timeZone: 'Europe/Berlin',
            windows: Object.fromEntries(
              ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((d) => [
                d,
                [{ start: '09:00', end: '17:00' }],
              ]),
            ),
          },
        },
        targets: [{ resolution: 'PT4H', calendar: 'berlin' }],
      },
    });
    const { id } = await kit.report(REPORT);
    // One hour on Friday, three on Monday (after the switch to summer time): Monday 12:00 CEST.
    expect((await kit.get(id)).sla.clocks.map((c) => [c.name, c.dueAt])).toEqual([
      ['resolution', '2026-03-30T10:00:00.000Z'],
    ]);
  });

  test('a new kit over the same store fires the SLA breach and the auto-close scheduled before, once each', async () => {
    const store = memoryStore();
    const clock = new FakeClock();
    const before = createIncidentKit({ store, clock, sla: SLA, lifecycle: { autoCloseAfter: 'PT1H' } });
    const open = await before.report(REPORT);
    const done = await before.report(REPORT);
    await before.acknowledge(done.id);
    await before.resolve(done.id, { summary: 'Fixed' });

    clock.set(at(600));
    const after = createIncidentKit({ store, clock, sla: SLA, lifecycle: { autoCloseAfter: 'PT1H' } });
    await Promise.all([after.runDue(), after.runDue()]);
    await after.runDue();
    const breaches = (await after.timeline(open.id)).filter((e) => e.type === 'sla_breached');
    expect(breaches.map((e) => e.type === 'sla_breached' && e.clock)).toEqual(['response', 'resolution']);
    expect((await after.timeline(done.id)).filter((e) => e.type === 'closed')).toHaveLength(1);
  });

  test('a bad SLA policy fails at createIncidentKit with paths under sla', () => {
    const paths = (sla: unknown) => {
      try {
        createIncidentKit({ sla: sla as never });
        return [];
      } catch (error) {
        expect(ValidationError.isInstance(error)).toBe(true);
        return (error as ValidationError).issues.map((i) => i.path.join('.'));
      }
    };
    expect(
      paths({
        targets: [
          { scope: { service: 'a' }, resolution: 'PT1H' },
          { scope: { tenant: 'x' }, resolution: 'PT2H' },
        ],
      }),
    ).toEqual(['sla.targets.1.scope']);
    expect(paths({ targets: [{ resolution: 'PT1H', calendar: 'nope' }] })).toEqual(['sla.targets.0.calendar']);
    expect(paths({ targets: [{ scope: {} }] })).toEqual(['sla.targets.0']);
    expect(
      paths({ calendars: { office: { timeZone: 'Mars/Base', alwaysOpen: true } }, targets: [{ resolution: 'PT1H' }] }),
    ).toEqual(['sla.calendars.office.timeZone']);
  });

  test('onBreach escalate escalates vertically in the same commit; list filters breached and due-before', async () => {
    const { kit, advance } = createTestKit({ sla: { ...SLA, onBreach: 'escalate' } });
    const late = await kit.report(REPORT); // P1: response due 09:15
    const fine = await kit.report(REPORT);
    await kit.acknowledge(fine.id);
    expect((await kit.list({ slaDueBefore: at(16) })).items.map((i) => i.id)).toEqual([late.id]);
    await advance('PT20M');
    const timeline = await kit.timeline(late.id);
    const breach = timeline.find((e) => e.type === 'sla_breached');
    const escalation = timeline.find((e) => e.type === 'escalated');
    expect(escalation?.type === 'escalated' && escalation.step).toMatchObject({
      kind: 'vertical',
      automatic: true,
      reason: 'SLA response breached',
      level: 1,
    });
    expect(escalation?.at).toBe(breach?.at);
    expect(escalation?.actor.id).toBe('system');
    expect((await kit.get(late.id)).assignment.tier).toBe(2);
    expect((await kit.list({ breached: true })).items.map((i) => i.id)).toEqual([late.id]);
    expect((await kit.list({ breached: false })).items.map((i) => i.id)).toEqual([fine.id]);
  });

  test('pauseIn decides which states pause the clocks', async () => {
    const { kit, clock } = createTestKit({ sla: { ...SLA, pauseIn: ['on_hold'] } });
    // Left new (not prioritized) there is no clock; once open, the policy's pauseIn applies.
    const { id } = await kit.report(REPORT);
    clock.set(at(60));
    await kit.hold(id, { reason: 'awaiting_caller' });
    expect((await kit.get(id)).sla.clocks.every((c) => c.pausedAt === at(60))).toBe(true);
    const noPause = createTestKit({ sla: { ...SLA, pauseIn: [] } });
    const other = await noPause.kit.report(REPORT);
    await noPause.kit.hold(other.id, { reason: 'awaiting_caller' });
    expect((await noPause.kit.get(other.id)).sla.clocks.some((c) => c.pausedAt !== undefined)).toBe(false);
  });

  test('a target missed before the worker ran is a breach at its due instant, not a met clock', async () => {
    const { kit, clock } = createTestKit({ sla: SLA });
    const { id } = await kit.report(REPORT); // response due 09:15
    clock.set(at(20));
    await kit.acknowledge(id);
    await kit.runDue();
    const response = (await kit.slaStatus(id)).find((c) => c.name === 'response');
    expect([response?.state, response?.clock.breachedAt]).toEqual(['breached', at(15)]);
    const entries = slaEntries(await kit.timeline(id));
    expect(entries).toContain(`sla_breached response ${at(20)}`);
    expect(entries.filter((e) => e.startsWith('sla_met response'))).toEqual([]);
    expect(entries.filter((e) => e.startsWith('sla_warning response'))).toEqual([]); // no late warning
  });

  test('a late worker stamps breaches with their due instants', async () => {
    const { kit, clock } = createTestKit({ sla: SLA });
    const { id } = await kit.report(REPORT);
    clock.set(at(600));
    await kit.runDue();
    const clocks = (await kit.get(id)).sla.clocks;
    expect(clocks.map((c) => [c.name, c.breachedAt, c.warnedAt])).toEqual([
      ['response', at(15), undefined],
      ['resolution', at(240), undefined],
    ]);
  });

  test('cancelling stops the clocks; resolving without an acknowledgement ends the response clock too', async () => {
    const { kit, clock } = createTestKit({ sla: SLA });
    const cancelled = await kit.report(REPORT);
    const resolved = await kit.report(REPORT);
    clock.set(at(5));
    await kit.cancel(cancelled.id, { reason: 'false_positive' });
    await kit.resolve(resolved.id, { summary: 'Went away' });
    expect((await kit.slaStatus(cancelled.id)).map((c) => c.state)).toEqual(['stopped', 'stopped']);
    expect((await kit.slaStatus(resolved.id)).map((c) => c.state)).toEqual(['met', 'met']);
    expect((await kit.list({ slaDueBefore: at(1000) })).items).toEqual([]);
    expect(await kit.store.timers(cancelled.id)).toEqual([]);
    expect((await kit.store.timers(resolved.id)).map((t) => t.name)).toEqual(['autoClose']);
  });

  test('a clock that does not pause on hold still breaches there', async () => {
    const { kit, clock, advance } = createTestKit({ sla: { ...SLA, pauseIn: [] } });
    const { id } = await kit.report(REPORT);
    await kit.acknowledge(id);
    clock.set(at(60));
    await kit.hold(id, { reason: 'awaiting_vendor' });
    await advance('PT4H');
    expect(slaEntries(await kit.timeline(id))).toContain(`sla_breached resolution ${at(240)}`);
  });

  test('a priority without a target stops the running clocks and their timers', async () => {
    const { kit, clock } = createTestKit({ sla: { targets: [SLA.targets[0]!] } }); // only P1
    const { id } = await kit.report(REPORT);
    clock.set(at(5));
    await kit.triage(id, { impact: 'low', urgency: 'low' });
    expect((await kit.slaStatus(id)).map((c) => c.state)).toEqual(['stopped', 'stopped']);
    expect(await kit.store.timers(id)).toEqual([]);
  });

  test('resolving straight from hold counts the hold as paused', async () => {
    const { kit, clock } = createTestKit({ sla: SLA });
    const { id } = await kit.report(REPORT);
    await kit.acknowledge(id);
    clock.set(at(60));
    await kit.hold(id, { reason: 'awaiting_vendor' });
    clock.set(at(120));
    await kit.resolve(id, { summary: 'Vendor fixed it' });
    const resolution = (await kit.slaStatus(id)).find((c) => c.name === 'resolution');
    expect([resolution?.state, resolution?.elapsedMs, resolution?.clock.pausedMs]).toEqual([
      'met',
      3_600_000,
      3_600_000,
    ]);
  });
});
