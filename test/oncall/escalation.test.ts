import {
  createIncidentKit,
  defineEscalationPolicy,
  defineSchedule,
  type EscalationPolicyConfig,
  type IncidentStore,
  memoryStore,
  type TimelineEntryOf,
  ValidationError,
} from 'incidentkit';
import { createTestKit, FakeClock, RecordingChannel } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { TRIAGED_REPORT } from '../support.js';

/** Three levels; after the last, once more from level 1. */
const DATABASE: EscalationPolicyConfig = {
  name: 'database',
  services: ['shop'],
  levels: [
    { targets: [{ person: 'ana' }], delay: 'PT5M' },
    { targets: [{ person: 'bo' }, { team: 'dba' }], delay: 'PT10M' },
    { targets: [{ person: 'cy' }], delay: 'PT15M' },
  ],
  repeat: { times: 1, fromLevel: 1 },
};

type Escalated = TimelineEntryOf<'escalated'>;
const escalations = (entries: readonly { type: string }[]) =>
  entries
    .filter((e): e is Escalated => e.type === 'escalated')
    .map((e) => [e.at.slice(11, 16), e.step.targets, e.step.policy?.level]);

function setup(store: IncidentStore = memoryStore(), clock = new FakeClock('2026-01-05T09:00:00Z')) {
  return createTestKit({ clock, store, oncall: { escalationPolicies: [DATABASE] } });
}

describe('escalation policies', () => {
  test('an unacknowledged incident climbs the levels at their delays, repeats as configured, then stops', async () => {
    const { kit, advance } = setup();
    const incident = await kit.report(TRIAGED_REPORT);
    // Level 0 paged on open: the policy is recorded and its person owns the incident.
    expect(incident.escalation).toMatchObject({ level: 0, policy: 'database', targets: ['ana'] });
    expect(incident.assignment).toMatchObject({ assignee: 'ana' });
    const timeline = await kit.timeline(incident.id);
    expect(timeline.find((e) => e.type === 'assigned')).toMatchObject({ to: { assignee: 'ana' } });

    await advance('PT5M');
    await advance('PT10M');
    await advance('PT15M');
    await advance('PT10M');
    await advance('P1D'); // exhausted: nothing more
    const entries = await kit.timeline(incident.id);
    expect(escalations(entries)).toEqual([
      ['09:05', ['bo'], 1],
      ['09:15', ['cy'], 2],
      ['09:30', ['bo'], 1],
      ['09:40', ['cy'], 2],
    ]);
    const after = await kit.get(incident.id);
    expect(after.escalation).toMatchObject({ level: 4, targets: ['cy'] });
    expect(after.assignment).toMatchObject({ team: 'dba', assignee: 'cy' });
    expect(await kit.store.timers(incident.id)).toEqual([]);
  });

  test('acknowledgement at any level stops further levels', async () => {
    const { kit, advance } = setup();
    const { id } = await kit.report(TRIAGED_REPORT);
    await advance('PT5M');
    await kit.acknowledge(id, {}, { actor: 'bo' });
    await advance('P1D');
    expect(escalations(await kit.timeline(id))).toEqual([['09:05', ['bo'], 1]]);
  });

  test('the acknowledgement timeout puts it back to unacknowledged and escalation resumes at the same level', async () => {
    const clock = new FakeClock('2026-01-05T09:00:00Z');
    const { kit, advance } = createTestKit({
      clock,
      oncall: { escalationPolicies: [DATABASE] },
      lifecycle: { acknowledgementTimeout: 'PT30M' },
    });
    const { id } = await kit.report(TRIAGED_REPORT);
    await kit.acknowledge(id, {}, { actor: 'ana' });
    await advance('PT30M'); // unacknowledged again at 09:30: level 0's 5 minutes start over
    await advance('PT5M');
    expect(escalations(await kit.timeline(id))).toEqual([['09:35', ['bo'], 1]]);
  });

  test('a restart between levels loses no level and repeats none', async () => {
    const store = memoryStore();
    const clock = new FakeClock('2026-01-05T09:00:00Z');
    const first = setup(store, clock);
    const { id } = await first.kit.report(TRIAGED_REPORT);
    await first.advance('PT7M'); // level 1 at 09:05
    // A new process on the same store and clock.
    const second = setup(store, clock);
    await second.advance('PT8M'); // level 2 due at 09:15
    await second.advance('PT1M');
    expect(escalations(await second.kit.timeline(id))).toEqual([
      ['09:05', ['bo'], 1],
      ['09:15', ['cy'], 2],
    ]);
  });

  test('policies are chosen per service, tenant and priority; an incident none matches does not escalate', async () => {
    const urgentOnly: EscalationPolicyConfig = { ...DATABASE, name: 'urgent', services: ['shop'], minPriority: 'P2' };
    const other: EscalationPolicyConfig = { ...DATABASE, name: 'billing', services: ['billing'] };
    const { kit, advance } = createTestKit({ oncall: { escalationPolicies: [other, urgentOnly] } });
    const p1 = await kit.report(TRIAGED_REPORT);
    const p4 = await kit.report({ ...TRIAGED_REPORT, impact: 'medium', urgency: 'low' });
    expect(p1.escalation.policy).toBe('urgent');
    expect(p4.escalation.policy).toBeUndefined();
    await advance('PT1H');
    expect(escalations(await kit.timeline(p4.id))).toEqual([]);
  });

  test('round robin pages one target per incident, in turn', async () => {
    const { kit } = createTestKit({
      oncall: {
        escalationPolicies: [
          { name: 'rr', levels: [{ targets: [{ person: 'ana' }, { person: 'bo' }], delay: 'PT5M', roundRobin: true }] },
        ],
      },
    });
    const a = await kit.report(TRIAGED_REPORT); // INC-1
    const b = await kit.report({ ...TRIAGED_REPORT, title: 'Another' }); // INC-2
    const c = await kit.report({ ...TRIAGED_REPORT, title: 'A third' }); // INC-3
    expect([a, b, c].map((i) => i.escalation.targets)).toEqual([['bo'], ['ana'], ['bo']]);
  });

  test('routes with escalationTargets notify the people each step pages', async () => {
    const email = new RecordingChannel('email', { contacts: 'email' });
    const { kit, advance } = createTestKit({
      channels: [email],
      contacts: { ana: { email: 'ana@example.com' }, bo: { email: 'bo@example.com' }, cy: { email: 'cy@example.com' } },
      routes: [
        { audience: 'responders', channels: ['email'], escalationTargets: true, events: ['triaged', 'escalated'] },
      ],
      oncall: { escalationPolicies: [DATABASE] },
    });
    await kit.report(TRIAGED_REPORT);
    await advance('PT5M');
    await advance('PT10M');
    expect(email.messages.map((m) => `${m.event} ${m.payload.recipients?.map((r) => r.id).join(',')}`)).toEqual([
      'incident.triaged ana',
      'incident.escalated bo',
      'incident.escalated cy',
    ]);
  });

  test('a manual vertical escalation that names nobody takes the next level; naming someone overrides it', async () => {
    const { kit } = setup();
    const { id } = await kit.report(TRIAGED_REPORT);
    await kit.escalate(id, { kind: 'vertical', mode: 'reassign', reason: 'Needs the DBAs' }, { actor: 'ana' });
    const named = await kit.escalate(
      id,
      { kind: 'vertical', mode: 'reassign', reason: 'Straight to the CTO', assignee: 'cto' },
      { actor: 'ana' },
    );
    expect(escalations(await kit.timeline(id))).toEqual([
      ['09:00', ['bo'], 1],
      ['09:00', ['cto'], undefined],
    ]);
    expect(named.assignment.assignee).toBe('cto');
  });

  test('bad policies are a ValidationError with the path of each problem', () => {
    const issues = (policies: unknown[]) => {
      try {
        createIncidentKit({ oncall: { escalationPolicies: policies as EscalationPolicyConfig[] } });
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      }
      throw new Error('expected a ValidationError');
    };
    expect(issues([{ ...DATABASE, repeat: { times: 1, fromLevel: 3 } }])).toEqual([
      'oncall.escalationPolicies.0.repeat.fromLevel: Must be a level of the policy: 0 to 2',
    ]);
    expect(issues([DATABASE, DATABASE])).toEqual([
      'oncall.escalationPolicies.1.name: Two escalation policies are named "database"',
    ]);
    expect(issues([{ ...DATABASE, levels: [{ targets: [], delay: 'PT0S' }] }])).toHaveLength(2);
    expect(defineEscalationPolicy(defineEscalationPolicy(DATABASE)).steps).toBe(5);
  });
});

describe('escalation policies with schedules', () => {
  const primary = defineSchedule({
    name: 'dba-primary',
    timeZone: 'Europe/Berlin',
    layers: [{ start: '2026-01-05T09:00', rotation: { days: 1 }, members: ['ana', 'bo'] }],
  });
  const policy: EscalationPolicyConfig = {
    name: 'dba',
    levels: [
      { targets: [{ schedule: 'dba-primary' }], delay: 'PT10M' },
      { targets: [{ person: 'cy' }], delay: 'PT10M', urgency: 'low' },
    ],
  };
  const contacts = { ana: { email: 'a@example.com' }, bo: { email: 'b@example.com' }, cy: { email: 'c@example.com' } };

  test('a schedule target pages whoever is on call then; a level may set its messages urgency', async () => {
    const email = new RecordingChannel('email', { contacts: 'email' });
    // Tuesday 2026-01-06 10:00 Berlin: bo's day (ana Monday 09:00, bo from Tuesday 09:00).
    const { kit, advance } = createTestKit({
      clock: '2026-01-06T09:00:00Z',
      channels: [email],
      contacts,
      routes: [
        { audience: 'responders', channels: ['email'], escalationTargets: true, events: ['triaged', 'escalated'] },
      ],
      oncall: { schedules: { 'dba-primary': primary }, escalationPolicies: [policy] },
    });
    const incident = await kit.report(TRIAGED_REPORT);
    expect(incident.escalation.targets).toEqual(['bo']);
    await advance('PT10M');
    expect(email.messages.map((m) => [m.event, m.payload.urgency, m.payload.recipients?.[0]?.id])).toEqual([
      ['incident.triaged', 'high', 'bo'],
      ['incident.escalated', 'low', 'cy'],
    ]);
  });

  test('unknown schedules, and people who can be paged but are not contacts, are refused', () => {
    const issues = (options: Parameters<typeof createIncidentKit>[0]) => {
      try {
        createIncidentKit(options);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      }
      throw new Error('expected a ValidationError');
    };
    expect(issues({ oncall: { escalationPolicies: [policy] } })).toEqual([
      'oncall.escalationPolicies.0.levels.0.targets.0.schedule: Unknown schedule "dba-primary"; the kit\'s schedules are none',
    ]);
    const email = new RecordingChannel('email', { contacts: 'email' });
    expect(
      issues({
        channels: [email],
        contacts: { ana: { email: 'a@example.com' } },
        routes: [{ audience: 'responders', channels: ['email'], escalationTargets: true }],
        oncall: { schedules: { 'dba-primary': primary.config }, escalationPolicies: [policy] },
      }),
    ).toEqual([
      'oncall.escalationPolicies.0.levels.0.targets.0: "bo" can be paged and a route notifies escalation targets, but is not one of the kit\'s contacts',
      'oncall.escalationPolicies.0.levels.1.targets.0: "cy" can be paged and a route notifies escalation targets, but is not one of the kit\'s contacts',
    ]);
  });
});

test('an SLA breach under onBreach escalate pages the next level of the policy', async () => {
  const { kit, advance } = createTestKit({
    sla: { targets: [{ scope: { priority: 'P1' }, response: 'PT3M', resolution: 'PT4H' }], onBreach: 'escalate' },
    oncall: { escalationPolicies: [DATABASE] },
  });
  const { id } = await kit.report(TRIAGED_REPORT);
  await advance('PT4M'); // response breached at 09:03, before level 0's 5 minutes
  const steps = (await kit.timeline(id)).filter((e): e is Escalated => e.type === 'escalated').map((e) => e.step);
  expect(steps.map((s) => [s.reason, s.targets, s.policy?.level])).toEqual([['SLA response breached', ['bo'], 1]]);
  await advance('PT10M'); // level 1's 10 minutes from 09:03
  expect(escalations(await kit.timeline(id)).map((e) => e[0])).toEqual(['09:03', '09:13']);
});

describe('review fixes', () => {
  test('a policy with minPriority climbs (it matches only once the report is triaged)', async () => {
    const urgent: EscalationPolicyConfig = { ...DATABASE, minPriority: 'P2' };
    const { kit, advance } = createTestKit({ oncall: { escalationPolicies: [urgent] } });
    const { id } = await kit.report(TRIAGED_REPORT);
    await advance('PT5M');
    expect(escalations(await kit.timeline(id))).toEqual([['09:05', ['bo'], 1]]);
  });

  test('the policy is chosen once: an incident that opened without one is not paged when re-triaged', async () => {
    const urgent: EscalationPolicyConfig = { ...DATABASE, minPriority: 'P2' };
    const { kit, advance } = createTestKit({ oncall: { escalationPolicies: [urgent] } });
    const { id } = await kit.report({ ...TRIAGED_REPORT, impact: 'medium', urgency: 'low' }); // P4
    const retriaged = await kit.triage(id, { impact: 'high', urgency: 'high' });
    expect(retriaged.priority).toBe('P1');
    expect(retriaged.escalation.policy).toBeUndefined();
    await advance('PT1H');
    expect(escalations(await kit.timeline(id))).toEqual([]);
  });

  test("a team target pages the team's on-call; round robin skips a target that reaches nobody", async () => {
    const storage = defineSchedule({
      name: 'storage',
      timeZone: 'UTC',
      layers: [{ start: '2026-01-05T00:00', rotation: { days: 1 }, members: ['sven'] }],
    });
    const nobody = defineSchedule({
      name: 'later',
      timeZone: 'UTC',
      layers: [{ start: '2030-01-01T00:00', rotation: { days: 1 }, members: ['zed'] }],
    });
    const { kit } = createTestKit({
      oncall: {
        schedules: { storage, later: nobody },
        teams: { storage: { schedule: 'storage' } },
        escalationPolicies: [
          {
            name: 'rr',
            levels: [{ targets: [{ schedule: 'later' }, { team: 'storage' }], delay: 'PT5M', roundRobin: true }],
          },
        ],
      },
    });
    const a = await kit.report(TRIAGED_REPORT); // INC-1: turn 1, the team
    const b = await kit.report({ ...TRIAGED_REPORT, title: 'Another' }); // INC-2: turn 0 reaches nobody: the team
    for (const incident of [a, b]) {
      expect(incident.escalation.targets).toEqual(['sven']);
      expect(incident.assignment).toMatchObject({ team: 'storage', assignee: 'sven' });
    }
  });

  test('a malformed oncall option is a ValidationError naming the field', () => {
    expect(() => createIncidentKit({ oncall: { commander: 'x' } as never })).toThrow(/oncall/);
    expect(() => createIncidentKit({ oncall: { teams: { st: 'storage' } } as never })).toThrow(
      /oncall\.teams\.st: Invalid input/,
    );
  });
});
