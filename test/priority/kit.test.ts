/** The priority engine inside the kit: report, triage, events, major incidents, and what is written. */
import {
  createIncidentKit,
  createPriorityEngine,
  type IncidentEvent,
  type PriorityPolicy,
  type PriorityPolicyConfig,
  SYSTEM_ACTOR,
  type TimelineEntry,
  ValidationError,
} from 'incidentkit';
import { createTestKit } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { rejection, written } from '../support.js';

type Kit = ReturnType<typeof createTestKit>['kit'];
type Triaged = Extract<TimelineEntry, { type: 'triaged' }>;

const REPORTER = { name: 'Ana', kind: 'employee' } as const;
const REPORT = { title: 'Checkout is slow', service: 'shop', reporter: REPORTER } as const;

async function triaged(kit: Kit, id: string): Promise<Triaged[]> {
  return (await kit.timeline(id)).filter((e): e is Triaged => e.type === 'triaged');
}

describe('report', () => {
  test('writes the triaged entry with the reasons, by the system actor', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report({ ...REPORT, impact: 'low', urgency: 'high', usersAffected: 150 });
    expect(incident).toMatchObject({ impact: 'medium', urgency: 'high', priority: 'P2', status: 'open', version: 1 });
    const timeline = await kit.timeline(incident.id);
    expect(timeline.map((e) => e.type)).toEqual(['reported', 'triaged']);
    const entry = timeline[1] as Triaged;
    expect(entry.actor).toEqual(SYSTEM_ACTOR);
    expect(entry).toMatchObject({ priority: 'P2', previousPriority: null, impact: 'medium', urgency: 'high' });
    expect(entry.reasons).toEqual([
      expect.objectContaining({
        rule: 'rule:default.users-affected-100',
        field: 'impact',
        before: 'low',
        after: 'medium',
      }),
      expect.objectContaining({ rule: 'matrix:itil[impact=medium][urgency=high]', field: 'priority', after: 'P2' }),
    ]);
  });

  test('without impact and urgency the incident stays new and unprioritized', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report(REPORT);
    expect(incident).toMatchObject({ status: 'new', priority: null, impact: null, urgency: null });
    expect((await kit.timeline(incident.id)).map((e) => e.type)).toEqual(['reported']);
  });

  test('rules that set impact and urgency prioritize a report that gave neither', async () => {
    const { kit } = createTestKit({
      priority: {
        rules: [
          {
            id: 'monitoring-defaults',
            when: { field: 'reporter.kind', op: 'equals', value: 'monitoring' },
            effects: [
              { type: 'setImpact', level: 'medium' },
              { type: 'setUrgency', level: 'high' },
            ],
          },
        ],
      },
    });
    const incident = await kit.report({ ...REPORT, reporter: { name: 'Prometheus', kind: 'monitoring' } });
    expect(incident).toMatchObject({ status: 'open', impact: 'medium', urgency: 'high', priority: 'P2' });
    expect((await kit.report(REPORT)).status).toBe('new');
  });

  test('a policy engine can be passed as is; conditions can read custom fields', async () => {
    const engine = createPriorityEngine({
      name: 'regions',
      rules: [
        {
          id: 'eu-floor',
          when: { field: 'custom.region', op: 'equals', value: 'eu' },
          effects: [{ type: 'floor', priority: 'P2' }],
        },
      ],
    });
    const { kit } = createTestKit({ priority: engine, custom: z.object({ region: z.string() }) });
    const eu = await kit.report({ ...REPORT, impact: 'low', urgency: 'low', custom: { region: 'eu' } });
    expect(eu.priority).toBe('P2');
    const [entry] = await triaged(kit, eu.id);
    expect(entry?.reasons.at(-1)).toMatchObject({ rule: 'rule:eu-floor', before: 'P4', after: 'P2' });
    expect(entry?.reasons[0]?.detail).toContain('regions');
    const us = await kit.report({ ...REPORT, impact: 'low', urgency: 'low', custom: { region: 'us' } });
    expect(us.priority).toBe('P4');
  });

  test('a decision that breaks the schema is refused and nothing is written', async () => {
    const broken: PriorityPolicy = {
      name: 'broken',
      levels: { impact: ['high', 'medium', 'low'], urgency: ['high', 'medium', 'low'] },
      evaluate: (i) => ({ ...createPriorityEngine().evaluate(i), priority: 'P9' as never }),
    };
    const { kit } = createTestKit({ priority: broken });
    const error = await rejection(kit.report({ ...REPORT, impact: 'high', urgency: 'high' }));
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).message).toContain('broken');
    expect((await kit.list()).items).toEqual([]);
  });
});

describe('triage', () => {
  test('re-prioritizes with the current levels and the new facts', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report({ ...REPORT, impact: 'low', urgency: 'low' });
    expect(incident.priority).toBe('P4');
    const after = await kit.triage(incident.id, { usersAffected: 5000 }, { actor: 'bob' });
    expect(after).toMatchObject({ impact: 'high', urgency: 'low', priority: 'P3', usersAffected: 5000, version: 2 });
    const [, second] = await triaged(kit, incident.id);
    expect(second?.actor).toEqual({ id: 'bob' });
    expect(second).toMatchObject({ priority: 'P3', previousPriority: 'P4', impact: 'high', urgency: 'low' });
    expect(second?.reasons.map((r) => r.rule)).toEqual([
      'rule:default.users-affected-1000',
      'rule:default.users-affected-100',
      'matrix:itil[impact=high][urgency=low]',
    ]);
  });

  test('keeps the level that is not given and records the reason given', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report({ ...REPORT, impact: 'medium', urgency: 'low' });
    const after = await kit.triage(incident.id, { urgency: 'high', reason: 'Customers are calling' });
    expect(after).toMatchObject({ impact: 'medium', urgency: 'high', priority: 'P2' });
    const [, second] = await triaged(kit, incident.id);
    expect(second?.reasons[0]).toEqual({ rule: 'triage.reason', detail: 'Customers are calling' });
  });

  test('a level the policy does not have is a ValidationError and nothing is written', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report({ ...REPORT, impact: 'low', urgency: 'low' });
    const before = await written(kit, incident.id);
    const error = await rejection(kit.triage(incident.id, { impact: 'critical' }));
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([['impact']]);
    const urgency = await rejection(kit.triage(incident.id, { urgency: 'asap' }));
    expect((urgency as ValidationError).issues.map((i) => i.path)).toEqual([['urgency']]);
    expect(await written(kit, incident.id)).toEqual(before);
  });

  test('a custom level set is what triage accepts', async () => {
    const four = ['critical', 'high', 'medium', 'low'];
    const table = Object.fromEntries(four.map((i) => [i, { high: 'P1', medium: 'P2', low: 'P3' } as const]));
    const { kit } = createTestKit({ priority: { levels: { impact: four }, matrices: [{ table }] } });
    const incident = await kit.report({ ...REPORT, impact: 'low', urgency: 'low' });
    expect((await kit.triage(incident.id, { impact: 'critical', urgency: 'high' })).priority).toBe('P1');
  });

  test('a new incident without impact or urgency cannot be triaged, and nothing is written', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report(REPORT);
    const before = await written(kit, incident.id);
    const error = await rejection(kit.triage(incident.id, {}));
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([['impact']]);
    expect(ValidationError.isInstance(await rejection(kit.triage(incident.id, { impact: 'high' })))).toBe(true);
    expect(await written(kit, incident.id)).toEqual(before);
    const opened = await kit.triage(incident.id, { impact: 'high', urgency: 'medium' });
    expect(opened).toMatchObject({ status: 'open', priority: 'P2' });
  });

  test('incident.prioritized fires when the priority changes, not when a re-triage keeps it', async () => {
    const { kit } = createTestKit();
    const prioritized: IncidentEvent<'triaged'>[] = [];
    const triagedEvents: unknown[] = [];
    kit.on('incident.prioritized', (event) => {
      prioritized.push(event);
    });
    kit.on('incident.triaged', (event) => {
      triagedEvents.push(event);
    });
    const incident = await kit.report({ ...REPORT, impact: 'medium', urgency: 'medium' });
    expect(prioritized.map((e) => [e.entry.previousPriority, e.entry.priority])).toEqual([[null, 'P3']]);
    await kit.triage(incident.id, { impact: 'low', urgency: 'high' }); // still P3
    expect(prioritized).toHaveLength(1);
    expect(triagedEvents).toHaveLength(2);
    await kit.triage(incident.id, { impact: 'high' });
    expect(prioritized.map((e) => [e.entry.previousPriority, e.entry.priority])).toEqual([
      [null, 'P3'],
      ['P3', 'P1'],
    ]);
    expect(prioritized[1]?.incident.priority).toBe('P1');
  });
});

describe('rule effects through the kit', () => {
  const MAJOR: PriorityPolicyConfig = {
    rules: [
      {
        id: 'huge',
        when: { field: 'usersAffected', op: 'gte', value: 10_000 },
        effects: [{ type: 'major', mode: 'automatic' }],
      },
      {
        id: 'vip',
        when: { field: 'tenant', op: 'equals', value: 'acme' },
        effects: [
          { type: 'major', mode: 'candidate' },
          { type: 'addLabels', labels: ['vip'] },
          { type: 'setCategory', category: 'customer', subcategory: 'acme' },
        ],
      },
    ],
  };

  test('major automatic on report: declared major in the same commit, by the system', async () => {
    const { kit } = createTestKit({ priority: MAJOR });
    const incident = await kit.report({ ...REPORT, impact: 'high', urgency: 'high', usersAffected: 20_000 });
    expect(incident).toMatchObject({ major: true, version: 1 });
    const timeline = await kit.timeline(incident.id);
    expect(timeline.map((e) => e.type)).toEqual(['reported', 'triaged', 'major_declared']);
    expect(timeline[1]).toMatchObject({ major: 'automatic' });
    expect(timeline[2]).toMatchObject({ actor: SYSTEM_ACTOR, at: timeline[1]?.at });
    if (timeline[2]?.type !== 'major_declared') throw new Error('no major_declared entry');
    expect(timeline[2].reason).toContain('huge');
  });

  test('major automatic on triage: one commit with the triage by the caller and the declaration by the system', async () => {
    const { kit, clock } = createTestKit({ priority: MAJOR });
    const declared: unknown[] = [];
    kit.on('incident.major_declared', (event) => {
      declared.push(event);
    });
    const incident = await kit.report({ ...REPORT, impact: 'medium', urgency: 'medium' });
    clock.advance('PT5M');
    const after = await kit.triage(incident.id, { usersAffected: 12_000 }, { actor: 'bob' });
    expect(after).toMatchObject({ major: true, version: 2 });
    const timeline = await kit.timeline(incident.id);
    expect(timeline.slice(2).map((e) => [e.type, e.actor.id, e.at])).toEqual([
      ['triaged', 'bob', clock.iso()],
      ['major_declared', SYSTEM_ACTOR.id, clock.iso()],
    ]);
    expect(declared).toHaveLength(1);
    // Already major: a second triage declares nothing more.
    await kit.triage(incident.id, { usersAffected: 15_000 });
    expect((await kit.timeline(incident.id)).filter((e) => e.type === 'major_declared')).toHaveLength(1);
  });

  test('major candidate: a label and the triaged entry say so, but the incident is not major', async () => {
    const { kit } = createTestKit({ priority: MAJOR });
    const incident = await kit.report({ ...REPORT, tenant: 'acme', impact: 'low', urgency: 'low' });
    expect(incident).toMatchObject({ major: false, category: 'customer', subcategory: 'acme' });
    expect(incident.labels).toEqual(['vip', 'major-candidate']);
    const timeline = await kit.timeline(incident.id);
    expect(timeline.map((e) => e.type)).toEqual(['reported', 'triaged']);
    expect(timeline[1]).toMatchObject({
      major: 'candidate',
      labels: ['vip', 'major-candidate'],
      category: 'customer',
      subcategory: 'acme',
    });
    // A re-triage does not add the labels twice.
    const again = await kit.triage(incident.id, { urgency: 'high' });
    expect(again.labels).toEqual(['vip', 'major-candidate']);
    const [, second] = await triaged(kit, incident.id);
    expect(second).not.toHaveProperty('labels');
    expect(second).toMatchObject({ major: 'candidate' });
  });

  test('labels added by rules are appended to the reported ones', async () => {
    const { kit } = createTestKit({ priority: MAJOR });
    const incident = await kit.report({
      ...REPORT,
      tenant: 'acme',
      labels: ['checkout', 'vip'],
      impact: 'low',
      urgency: 'low',
    });
    expect(incident.labels).toEqual(['checkout', 'vip', 'major-candidate']);
    const [entry] = await triaged(kit, incident.id);
    expect(entry?.labels).toEqual(['major-candidate']);
  });
});

describe('a bad policy', () => {
  test('fails at createIncidentKit with a message that names the path under priority', () => {
    const error = (() => {
      try {
        createIncidentKit({
          priority: {
            rules: [
              { id: 'x', when: { field: 'title', op: 'exists' }, effects: [{ type: 'setImpact', level: 'huge' }] },
            ],
          },
        });
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).message).toContain('priority.rules[0].effects[0].level');
  });
});

describe('automatic major without a priority', () => {
  test('a rule that declares major applies on a report that cannot be prioritized yet', async () => {
    const { kit } = createTestKit({
      priority: {
        rules: [
          {
            id: 'checkout-down',
            when: { field: 'title', op: 'matches', value: 'checkout.*down' },
            effects: [{ type: 'major', mode: 'automatic' }],
          },
        ],
      },
    });
    const incident = await kit.report({ ...REPORT, title: 'Checkout is down' });
    expect([incident.status, incident.priority, incident.major]).toEqual(['new', null, true]);
    const declared = (await kit.timeline(incident.id)).find((e) => e.type === 'major_declared');
    expect(declared?.actor.id).toBe('system');
    expect(declared?.type === 'major_declared' && declared.reason).toBe(
      'Priority rule checkout-down declares it major',
    );
  });
});

describe('the built-in policy', () => {
  test('a kit without a priority option uses the ITIL policy by name', async () => {
    const { kit } = createTestKit();
    const { id } = await kit.report({ ...REPORT, impact: 'high', urgency: 'high' });
    const triaged = (await kit.timeline(id)).find((e) => e.type === 'triaged');
    expect(triaged?.type === 'triaged' && triaged.reasons.map((r) => r.rule)).toEqual([
      'matrix:itil[impact=high][urgency=high]',
    ]);
    expect(triaged?.type === 'triaged' && triaged.reasons[0]?.detail).toMatch(/of policy itil$/);
  });
});
