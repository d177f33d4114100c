import {
  type Incident,
  type IncidentEvent,
  ITIL_MATRIX,
  NotFoundError,
  type NotificationEvent,
  type TimelineEntry,
  ValidationError,
} from 'incidentkit';
import { createTestKit, FakeClock } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ITIL_CELLS, rejection } from '../support.js';

type Kit = ReturnType<typeof createTestKit>['kit'];

const START = '2026-01-05T09:00:00.000Z';
const REPORTER = { name: 'Ana', kind: 'employee' } as const;
const REPORT = { title: 'Checkout is down', service: 'shop', reporter: REPORTER } as const;
const TRIAGED = { ...REPORT, impact: 'high', urgency: 'high' } as const;
const REVIEW = { summary: 'A bad deploy', rootCause: 'No canary', actionItems: [{ title: 'Add a canary' }] };

/** `START` plus `minutes`, as ISO text. */
const at = (minutes: number) => new Date(Date.parse(START) + minutes * 60_000).toISOString();

async function entries(kit: Kit, id: string, type?: TimelineEntry['type']): Promise<TimelineEntry[]> {
  const timeline = await kit.timeline(id);
  return type ? timeline.filter((e) => e.type === type) : timeline;
}

describe('report', () => {
  test('invalid input is a ValidationError naming the path, and nothing is written', async () => {
    const { kit } = createTestKit();
    const error = await rejection(kit.report({ ...REPORT, reporter: { name: '', kind: 'employee' } }));
    expect(ValidationError.isInstance(error)).toBe(true);
    const issues = (error as ValidationError).issues;
    expect(issues.map((i) => i.path.join('.'))).toContain('reporter.name');
    expect((error as ValidationError).message).toContain('reporter.name');
    expect((await kit.list()).items).toEqual([]);
  });

  test('expectedVersion makes no sense for a new incident and is refused', async () => {
    const { kit } = createTestKit();
    const error = await rejection(kit.report(REPORT, { expectedVersion: 1 }));
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((await kit.list()).items).toEqual([]);
  });

  test('unknown keys and wrong types are refused', async () => {
    const { kit } = createTestKit();
    const extra = await rejection(kit.report({ ...REPORT, colour: 'red' } as never));
    expect(ValidationError.isInstance(extra)).toBe(true);
    const wrong = await rejection(kit.report({ ...REPORT, impact: 'huge' } as never));
    expect(ValidationError.isInstance(wrong)).toBe(true);
    expect((wrong as ValidationError).issues[0]!.path).toEqual(['impact']);
    expect((await kit.list()).items).toEqual([]);
  });

  test('custom fields are validated against the kit schema and stored typed', async () => {
    const { kit } = createTestKit({ custom: z.object({ region: z.string(), tier: z.number() }) });
    const bad = await rejection(kit.report({ ...REPORT, custom: { region: 'eu', tier: 'gold' as unknown as number } }));
    expect(ValidationError.isInstance(bad)).toBe(true);
    expect((bad as ValidationError).issues.map((i) => i.path.join('.'))).toContain('tier');
    expect((await kit.list()).items).toEqual([]);

    const incident = await kit.report({ ...REPORT, custom: { region: 'eu', tier: 2 } });
    expect((await kit.get(incident.id)).custom).toEqual({ region: 'eu', tier: 2 });
  });

  test('an unknown environment is refused; a configured list replaces the default one', async () => {
    const { kit } = createTestKit();
    const error = await rejection(kit.report({ ...REPORT, environment: 'moon' }));
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).issues[0]!.path).toEqual(['environment']);
    expect((await kit.list()).items).toEqual([]);
    expect((await kit.report({ ...REPORT, environment: 'staging' })).environment).toBe('staging');

    const custom = createTestKit({ environments: ['eu-prod', 'us-prod'], priority: { defaultRules: false } }).kit;
    expect((await custom.report({ ...REPORT, environment: 'eu-prod' })).environment).toBe('eu-prod');
    expect(ValidationError.isInstance(await rejection(custom.report({ ...REPORT, environment: 'production' })))).toBe(
      true,
    );
  });

  test('the default rules need a "production" environment, and matrix scopes must name known environments', () => {
    const paths = (options: Parameters<typeof createTestKit>[0]) => {
      try {
        createTestKit(options);
        return [];
      } catch (error) {
        return (error as ValidationError).issues.map((i) => i.path.join('.'));
      }
    };
    expect(paths({ environments: ['prod', 'dev'] })).toEqual(['priority.defaultRules']);
    expect(
      paths({
        environments: ['prod', 'dev'],
        priority: { defaultRules: false, matrices: [{ scope: { environment: 'production' }, table: ITIL_MATRIX }] },
      }),
    ).toContain('priority.matrices.0.scope.environment');
    expect(paths({ priority: { name: 'hand-made', evaluate: () => ({}) } as never })).toContain('priority.levels');
  });

  test('without impact and urgency it stays new and unprioritized', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report(REPORT);
    expect(incident.status).toBe('new');
    expect(incident.priority).toBeNull();
    expect((await entries(kit, incident.id)).map((e) => e.type)).toEqual(['reported']);
  });

  test('with impact and urgency it opens with the ITIL priority, and the triage says why', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report({ ...REPORT, impact: 'high', urgency: 'medium' });
    expect(incident.status).toBe('open');
    expect(incident.priority).toBe('P2');
    expect(incident.version).toBe(1);
    const timeline = await entries(kit, incident.id);
    expect(timeline.map((e) => e.type)).toEqual(['reported', 'triaged']);
    const triaged = timeline[1]!;
    if (triaged.type !== 'triaged') throw new Error('unreachable');
    expect(triaged.priority).toBe('P2');
    expect(triaged.reasons.length).toBeGreaterThan(0);
    expect(triaged.reasons.map((r) => `${r.rule} ${r.detail}`).join(' ')).toMatch(/matrix/i);
  });

  test.each(ITIL_CELLS)('impact %s x urgency %s is %s', async (impact, urgency, priority) => {
    const { kit } = createTestKit();
    expect((await kit.report({ ...REPORT, impact, urgency })).priority).toBe(priority);
    // and triage of a new incident decides the same
    const fresh = await kit.report(REPORT);
    expect((await kit.triage(fresh.id, { impact, urgency })).priority).toBe(priority);
  });

  test('incidents get human numbers INC-1, INC-2, ...', async () => {
    const { kit } = createTestKit();
    const numbers: string[] = [];
    for (let i = 0; i < 3; i++) numbers.push((await kit.report(REPORT)).number);
    expect(numbers).toEqual(['INC-1', 'INC-2', 'INC-3']);
  });

  test('a second report with the same dedupKey while open is absorbed by the first', async () => {
    const { kit } = createTestKit();
    const first = await kit.report({ ...TRIAGED, dedupKey: 'alert:checkout' });
    const second = await kit.report({
      ...REPORT,
      title: 'Checkout 500s',
      reporter: { name: 'Prometheus', kind: 'monitoring' },
      dedupKey: 'alert:checkout',
    });
    expect(second.id).toBe(first.id);
    expect(second.version).toBe(first.version + 1);
    expect((await kit.list()).items).toHaveLength(1);
    const duplicate = (await entries(kit, first.id, 'duplicate_reported'))[0];
    expect(duplicate).toMatchObject({
      type: 'duplicate_reported',
      title: 'Checkout 500s',
      reporter: { name: 'Prometheus' },
    });

    // once resolved, the same key starts a new incident
    await kit.resolve(first.id, { summary: 'Fixed' });
    const third = await kit.report({ ...REPORT, dedupKey: 'alert:checkout' });
    expect(third.id).not.toBe(first.id);
    expect((await kit.list()).items).toHaveLength(2);
  });
});

describe('command validation', () => {
  test('a cancel as duplicate needs a real id: a blank duplicateOf is refused like any blank text', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report(TRIAGED);
    const blank = await rejection(kit.cancel(incident.id, { reason: 'duplicate', duplicateOf: '   ' }));
    expect(ValidationError.isInstance(blank)).toBe(true);
    expect((await kit.get(incident.id)).status).toBe('open');
  });

  test('blank text is refused everywhere else', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report(TRIAGED);
    for (const attempt of [
      kit.note(incident.id, { text: '   ' }),
      kit.hold(incident.id, { reason: '  ' }),
      kit.resolve(incident.id, { summary: ' ' }),
      kit.setRole(incident.id, { participantId: '  ', role: 'commander' }),
    ]) {
      const error = await rejection(attempt);
      expect(ValidationError.isInstance(error)).toBe(true);
      expect((error as ValidationError).issues.length).toBeGreaterThan(0);
    }
    expect((await kit.get(incident.id)).version).toBe(incident.version);
  });
});

describe('events', () => {
  test('fire after the commit with the committed incident and the entry', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report(TRIAGED);
    const seen: IncidentEvent<'acknowledged'>[] = [];
    kit.on('incident.acknowledged', (event) => seen.push(event));
    const acknowledged = await kit.acknowledge(incident.id, {}, { actor: 'bob' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.incident).toEqual(acknowledged);
    expect(seen[0]!.incident).toEqual(await kit.get(incident.id));
    expect(seen[0]!.entry).toEqual((await entries(kit, incident.id, 'acknowledged'))[0]);
    expect(seen[0]!.entry.actor.id).toBe('bob');
  });

  test('a refused command fires nothing', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report(TRIAGED);
    const seen: unknown[] = [];
    kit.on('incident.note', (event) => seen.push(event));
    await rejection(kit.note(incident.id, { text: 'x' }, { expectedVersion: incident.version + 5 }));
    await rejection(kit.note(incident.id, { text: '' }));
    expect(seen).toEqual([]);
  });

  test('on() returns an unsubscribe function', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report(TRIAGED);
    const seen: unknown[] = [];
    const off = kit.on('incident.note', (event) => seen.push(event));
    await kit.note(incident.id, { text: 'one' });
    off();
    await kit.note(incident.id, { text: 'two' });
    expect(seen).toHaveLength(1);
  });

  test('a throwing listener does not break the command and is reported as an error event', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report(TRIAGED);
    const errors: { error: unknown; stage: string }[] = [];
    kit.on('error', (event) => errors.push(event));
    kit.on('incident.note', () => {
      throw new Error('listener bug');
    });
    const after: string[] = [];
    kit.on('incident.note', (event) => after.push(event.entry.text));
    const noted = await kit.note(incident.id, { text: 'still works' });
    expect(noted.version).toBe(incident.version + 1);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.stage).toBe('listener');
    expect((errors[0]!.error as Error).message).toBe('listener bug');
    expect(after).toEqual(['still works']);
  });
});

describe('not found', () => {
  test('unknown ids are NotFoundError everywhere', async () => {
    const { kit } = createTestKit();
    for (const attempt of [
      kit.get('nope'),
      kit.timeline('nope'),
      kit.allowedCommands('nope'),
      kit.note('nope', { text: 'x' }),
      kit.acknowledge('nope'),
    ]) {
      const error = await rejection(attempt);
      expect(NotFoundError.isInstance(error)).toBe(true);
      expect((error as NotFoundError).id).toBe('nope');
    }
  });
});

describe('outbox and notifications', () => {
  test('lifecycle entries become messages, delivered only by the worker', async () => {
    const { kit, channels, advance } = createTestKit();
    const incident = await kit.report(TRIAGED);
    await kit.acknowledge(incident.id);
    await kit.note(incident.id, { text: 'internal only' });
    expect(channels.recording!.calls).toEqual([]);

    const result = await advance();
    expect(result.delivered).toBe(3);
    const messages = channels.recording!.messages;
    expect(messages.map((m) => m.event)).toEqual(['incident.reported', 'incident.triaged', 'incident.acknowledged']);
    for (const message of messages) expect(message.subject).toContain('INC-1');
    expect(messages[2]!.subject).toMatch(/acknowledged/);
    expect(messages[2]!.audience).toBe('responders');
    expect(messages[2]!.payload.incident.status).toBe('active');
    // the outbox id is the idempotency key downstream
    for (const call of channels.recording!.calls) expect(call.context.idempotencyKey).toBe(call.message.id);
    expect((await kit.store.outbox(incident.id)).every((m) => m.status === 'delivered')).toBe(true);
  });

  test('an update goes to each of its audiences', async () => {
    const { kit, channels, advance } = createTestKit();
    const incident = await kit.report(TRIAGED);
    await advance();
    channels.recording!.clear();
    await kit.postUpdate(incident.id, { audience: ['customers', 'stakeholders'], message: 'We are on it' });
    await advance();
    const messages = channels.recording!.messages;
    expect(messages.map((m) => m.audience).sort()).toEqual(['customers', 'stakeholders']);
    for (const message of messages) {
      expect(message.event).toBe('incident.update_posted');
      expect(message.subject).toContain('We are on it');
    }
  });

  test('a failing channel is retried on schedule and delivers later', async () => {
    const { kit, channels, advance, clock } = createTestKit({
      delivery: { retrySchedule: ['PT1M', 'PT10M'], jitter: 0 },
    });
    const failed: NotificationEvent[] = [];
    const delivered: NotificationEvent[] = [];
    kit.on('notification.failed', (event) => failed.push(event));
    kit.on('notification.delivered', (event) => delivered.push(event));
    channels.recording!.failNext(2);
    await kit.report(REPORT);

    await advance();
    expect(failed).toHaveLength(1);
    expect(failed[0]!.retryAt).toBe(clock.now() + 60_000);
    expect(delivered).toHaveLength(0);

    await advance('PT59S');
    expect(failed).toHaveLength(1); // not retried early
    await advance('PT1S');
    expect(failed).toHaveLength(2);
    expect(failed[1]!.retryAt).toBe(Date.parse(START) + 60_000 + 600_000);

    await advance('PT10M');
    expect(delivered).toHaveLength(1);
    const calls = channels.recording!.calls;
    expect(calls.map((c) => c.context.attempt)).toEqual([1, 2, 3]);
    expect(new Set(calls.map((c) => c.context.idempotencyKey)).size).toBe(1);
    expect(delivered[0]!.message.attempts).toBe(3);
  });

  test('messages of one incident go out in order: a later one waits while an earlier one is retried', async () => {
    const { kit, channels, advance } = createTestKit({ delivery: { retrySchedule: ['PT1M'], jitter: 0 } });
    channels.recording!.failNext(1);
    await kit.report(TRIAGED); // reported, then triaged
    await advance('PT30S');
    expect(channels.recording!.messages.map((m) => m.event)).toEqual(['incident.reported']);
    await advance('PT30S');
    expect(channels.recording!.messages.map((m) => m.event)).toEqual([
      'incident.reported',
      'incident.reported',
      'incident.triaged',
    ]);
  });

  test('with the default schedule and no jitter, retries happen after 5 s and 5 min', async () => {
    const { kit, channels, advance } = createTestKit({ delivery: { jitter: 0 } });
    channels.recording!.failNext(2);
    await kit.report(REPORT);
    await advance('PT4S');
    expect(channels.recording!.calls).toHaveLength(1);
    await advance('PT1S');
    expect(channels.recording!.calls).toHaveLength(2);
    await advance('PT4M59S');
    expect(channels.recording!.calls).toHaveLength(2);
    await advance('PT1S');
    expect(channels.recording!.calls).toHaveLength(3);
  });

  test('a permanent failure is dead at once; the next message still goes out', async () => {
    const { kit, channels, advance } = createTestKit();
    const dead: NotificationEvent[] = [];
    kit.on('notification.dead', (event) => dead.push(event));
    channels.recording!.failNext(1, { retryable: false });
    const incident = await kit.report(TRIAGED);
    await advance('P1D');
    expect(dead).toHaveLength(1);
    expect(dead[0]!.message.payload.event).toBe('incident.reported');
    const outbox = await kit.store.outbox(incident.id);
    expect(outbox.map((m) => m.status)).toEqual(['dead', 'delivered']);
    expect(channels.recording!.calls).toHaveLength(2);
  });

  test('a message runs out of attempts after the last retry and is dead', async () => {
    const { kit, channels, advance } = createTestKit({ delivery: { retrySchedule: [1_000] } });
    const dead: NotificationEvent[] = [];
    kit.on('notification.dead', (event) => dead.push(event));
    channels.recording!.failNext(5);
    const incident = await kit.report(REPORT);
    await advance('PT1H');
    expect(dead).toHaveLength(1);
    expect((await kit.store.outbox(incident.id))[0]!.status).toBe('dead');
    expect(channels.recording!.calls).toHaveLength(2);
  });
});

describe('timers', () => {
  test('a resolved incident closes by itself after 7 days, not after 6', async () => {
    const { kit, advance } = createTestKit();
    const incident = await kit.report(TRIAGED);
    await kit.resolve(incident.id, { summary: 'Fixed' });
    await advance('P6D');
    expect((await kit.get(incident.id)).status).toBe('resolved');
    await advance('P1D');
    const closed = await kit.get(incident.id);
    expect(closed.status).toBe('closed');
    expect(closed.closedAt).toBe(at(7 * 24 * 60));
    const entry = (await entries(kit, incident.id, 'closed'))[0];
    expect(entry).toMatchObject({ automatic: true, at: at(7 * 24 * 60) });
    expect(await kit.store.timers(incident.id)).toEqual([]);
  });

  test('auto-close is configurable', async () => {
    const { kit, advance } = createTestKit({ lifecycle: { autoCloseAfter: 'P1D' } });
    const incident = await kit.report(TRIAGED);
    await kit.resolve(incident.id, { summary: 'Fixed' });
    await advance('PT23H59M');
    expect((await kit.get(incident.id)).status).toBe('resolved');
    await advance('PT1M');
    expect((await kit.get(incident.id)).status).toBe('closed');
  });

  test('reopening cancels the auto-close', async () => {
    const { kit, advance } = createTestKit({ lifecycle: { autoCloseAfter: 'P1D' } });
    const incident = await kit.report(TRIAGED);
    await kit.resolve(incident.id, { summary: 'Fixed' });
    await kit.reopen(incident.id, { reason: 'Back again' });
    await advance('P2D');
    expect((await kit.get(incident.id)).status).toBe('active');
  });

  test('a major incident does not close by itself and needs its review before close', async () => {
    const { kit, advance } = createTestKit({ lifecycle: { autoCloseAfter: 'P1D' } });
    const incident = await kit.report(TRIAGED);
    await kit.declareMajor(incident.id, { reason: 'Revenue' });
    await kit.resolve(incident.id, { summary: 'Fixed' });
    expect((await kit.get(incident.id)).phase).toBe('recovering');
    await kit.recover(incident.id);
    await advance('P30D');
    expect((await kit.get(incident.id)).status).toBe('resolved');
    await rejection(kit.close(incident.id));
    await kit.recordReview(incident.id, REVIEW);
    const closed = await kit.close(incident.id);
    expect(closed.status).toBe('closed');
    expect(closed.review).toMatchObject({ summary: REVIEW.summary, actionItems: REVIEW.actionItems });
  });

  test('an unacknowledged incident escalates vertically every 10 minutes, at most twice', async () => {
    const { kit, advance } = createTestKit({ lifecycle: { escalateAfter: 'PT10M', maxEscalations: 2 } });
    const incident = await kit.report(TRIAGED);
    await advance('PT9M59S');
    expect(await entries(kit, incident.id, 'escalated')).toEqual([]);
    await advance('PT1S');
    await advance('PT2H');
    const escalated = await entries(kit, incident.id, 'escalated');
    expect(escalated.map((e) => e.at)).toEqual([at(10), at(20)]);
    for (const [i, entry] of escalated.entries()) {
      expect(entry).toMatchObject({ step: { kind: 'vertical', automatic: true, level: i + 1 } });
    }
    const after = await kit.get(incident.id);
    expect(after.status).toBe('open');
    expect(after.escalation.level).toBe(2);
    expect(after.assignment.tier).toBe(3);
    expect(await kit.store.timers(incident.id)).toEqual([]);
  });

  test('acknowledging stops the escalation', async () => {
    const { kit, advance } = createTestKit({ lifecycle: { escalateAfter: 'PT10M', maxEscalations: 2 } });
    const incident = await kit.report(TRIAGED);
    await advance('PT5M');
    await kit.acknowledge(incident.id);
    await advance('PT2H');
    expect(await entries(kit, incident.id, 'escalated')).toEqual([]);
    expect((await kit.get(incident.id)).escalation.level).toBe(0);
  });

  test('an acknowledgement that times out returns the incident to open', async () => {
    const { kit, advance } = createTestKit({ lifecycle: { acknowledgementTimeout: 'PT15M' } });
    const incident = await kit.report(TRIAGED);
    await advance('PT1M');
    await kit.acknowledge(incident.id);
    await advance('PT14M59S');
    expect((await kit.get(incident.id)).status).toBe('active');
    await advance('PT1S');
    const after = await kit.get(incident.id);
    expect(after.status).toBe('open');
    expect(after.phase).toBeNull();
    expect(after.acknowledgedAt).toBeNull();
    expect((await entries(kit, incident.id, 'acknowledgement_expired')).map((e) => e.at)).toEqual([at(16)]);
  });

  test('the acknowledgement timeout runs until resolve or hold, not until a phase update', async () => {
    const { kit, advance } = createTestKit({ lifecycle: { acknowledgementTimeout: 'PT15M', escalateAfter: 'PT10M' } });
    const moved = await kit.report(TRIAGED);
    const held = await kit.report(TRIAGED);
    const resolved = await kit.report(TRIAGED);
    for (const incident of [moved, held, resolved]) await kit.acknowledge(incident.id);
    await kit.postUpdate(moved.id, { audience: 'stakeholders', message: 'Found it', phase: 'identified' });
    await kit.hold(held.id, { reason: 'awaiting_vendor' });
    await kit.resolve(resolved.id, { summary: 'Fixed' });
    await advance('PT15M');
    expect((await kit.get(moved.id)).status).toBe('open');
    expect((await kit.get(held.id)).status).toBe('on_hold');
    expect((await kit.get(resolved.id)).status).toBe('resolved');
    // back in open, the escalation resumes
    await advance('PT10M');
    expect((await entries(kit, moved.id, 'escalated')).map((e) => e.at)).toEqual([at(25)]);
    expect(await entries(kit, held.id, 'escalated')).toEqual([]);
  });

  test('a major incident is reminded to communicate; an update restarts the cadence', async () => {
    const { kit, advance } = createTestKit({ lifecycle: { communicationCadence: 'PT30M' } });
    const incident = await kit.report(TRIAGED);
    await kit.acknowledge(incident.id);
    await kit.declareMajor(incident.id, { reason: 'Revenue' });
    await advance('PT30M');
    expect((await entries(kit, incident.id, 'communication_due')).map((e) => e.at)).toEqual([at(30)]);
    await advance('PT20M'); // 09:50
    await kit.postUpdate(incident.id, { audience: 'stakeholders', message: 'Still on it' });
    await advance('PT29M'); // 10:19: the reminder that was due at 10:00 moved to 10:20
    expect((await entries(kit, incident.id, 'communication_due')).map((e) => e.at)).toEqual([at(30)]);
    await advance('PT1M');
    const due = await entries(kit, incident.id, 'communication_due');
    expect(due.map((e) => e.at)).toEqual([at(30), at(80)]);
    expect(due[0]).toMatchObject({ sinceLastUpdateMs: 30 * 60_000 });
  });

  test('an incident that is not major gets no communication reminders', async () => {
    const { kit, advance } = createTestKit({ lifecycle: { communicationCadence: 'PT30M' } });
    const incident = await kit.report(TRIAGED);
    await kit.acknowledge(incident.id);
    await advance('PT3H');
    expect(await entries(kit, incident.id, 'communication_due')).toEqual([]);
  });

  test('advance() fires timers in due order with the clock at each due instant', async () => {
    const { kit, advance, clock } = createTestKit({ lifecycle: { escalateAfter: 'PT10M', maxEscalations: 3 } });
    const fired: { incident: string; at: string; now: string }[] = [];
    kit.on('incident.escalated', (event) =>
      fired.push({ incident: event.incident.number, at: event.entry.at, now: clock.iso() }),
    );
    await kit.report(TRIAGED); // INC-1 escalates at 09:10, 09:20, 09:30
    clock.advance('PT5M');
    await kit.report(TRIAGED); // INC-2 escalates at 09:15, 09:25, 09:35
    await advance('PT40M');
    expect(fired).toEqual([
      { incident: 'INC-1', at: at(10), now: at(10) },
      { incident: 'INC-2', at: at(15), now: at(15) },
      { incident: 'INC-1', at: at(20), now: at(20) },
      { incident: 'INC-2', at: at(25), now: at(25) },
      { incident: 'INC-1', at: at(30), now: at(30) },
      { incident: 'INC-2', at: at(35), now: at(35) },
    ]);
    expect(clock.iso()).toBe(at(45));
  });
});

describe('FakeClock', () => {
  test('starts on a Monday morning and refuses to go back', () => {
    const clock = new FakeClock();
    expect(clock.iso()).toBe(START);
    expect(() => clock.set('2026-01-05T08:59:59.999Z')).toThrow(RangeError);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(clock.iso()).toBe(START);
    clock.advance('PT1H');
    expect(clock.iso()).toBe(at(60));
    clock.set(at(60)); // staying put is fine
    expect(clock.now()).toBe(Date.parse(at(60)));
  });

  test('createTestKit accepts a clock and advance() refuses to go back', async () => {
    const clock = new FakeClock('2030-01-01T00:00:00.000Z');
    const { kit, advance } = createTestKit({ clock });
    const incident: Incident = await kit.report(REPORT);
    expect(incident.reportedAt).toBe('2030-01-01T00:00:00.000Z');
    await expect(advance(-5)).rejects.toThrow(RangeError);
  });
});
