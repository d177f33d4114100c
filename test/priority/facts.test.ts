/** Derived facts (recent similar incidents, SLA tier, business hours) and category suggestion. */
import { createPriorityEngine, type PriorityPolicyConfig, type TimelineEntry, ValidationError } from 'incidentkit';
import { createTestKit } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { input } from './helpers.js';

const REPORTER = { name: 'Prometheus', kind: 'monitoring' } as const;
const ALERT = { title: 'API 5xx rate high', service: 'api', reporter: REPORTER, impact: 'medium', urgency: 'medium' };

/** The documented storm rule: 2 other open incidents on the service within 10 minutes -> major candidate. */
const STORM: PriorityPolicyConfig = {
  facts: { recentSimilarWindow: 'PT10M' },
  rules: [
    {
      id: 'storm',
      description: 'Three incidents on one service within 10 minutes: maybe a major incident',
      when: { field: 'facts.recentSimilar', op: 'gte', value: 2 },
      effects: [{ type: 'major', mode: 'candidate' }],
    },
  ],
};

type Kit = ReturnType<typeof createTestKit>['kit'];

async function triagedEntries(kit: Kit, id: string) {
  const entries = (await kit.timeline(id)).filter((e) => e.type === 'triaged');
  return entries as Extract<TimelineEntry, { type: 'triaged' }>[];
}

describe('facts.recentSimilar: the storm rule', () => {
  test('the third report on one service within the window is a major candidate', async () => {
    const { kit, clock } = createTestKit({ priority: STORM });
    const first = await kit.report(ALERT);
    clock.advance('PT4M');
    const second = await kit.report(ALERT);
    clock.advance('PT4M');
    const third = await kit.report(ALERT);
    for (const calm of [first, second]) {
      expect(calm.labels).not.toContain('major-candidate');
      expect((await triagedEntries(kit, calm.id))[0]).not.toHaveProperty('major');
    }
    expect(third.labels).toContain('major-candidate');
    expect(third.major).toBe(false);
    const [triaged] = await triagedEntries(kit, third.id);
    expect(triaged).toMatchObject({ major: 'candidate', labels: ['major-candidate'] });
    expect(triaged?.reasons).toContainEqual(
      expect.objectContaining({ rule: 'rule:storm', field: 'major', after: 'candidate' }),
    );
  });

  test('incidents outside the window, on other services, or no longer open do not count', async () => {
    const { kit, clock } = createTestKit({ priority: STORM });
    await kit.report(ALERT); // t = 0
    clock.advance('PT5M');
    await kit.report(ALERT); // t = 5
    clock.advance('PT11M');
    // t = 16: the window starts at t = 6, so only the second counts.
    expect((await kit.report(ALERT)).labels).not.toContain('major-candidate');

    const other = await kit.report({ ...ALERT, service: 'web' });
    expect(other.labels).not.toContain('major-candidate');

    const cancelled = await kit.report({ ...ALERT, service: 'db' });
    await kit.cancel(cancelled.id, { reason: 'false_positive' });
    await kit.report({ ...ALERT, service: 'db' });
    expect((await kit.report({ ...ALERT, service: 'db' })).labels).not.toContain('major-candidate');
  });

  test('a triage later counts the other open incidents, not the incident itself', async () => {
    const { kit, clock } = createTestKit({ priority: STORM });
    const untriaged = { title: 'API 5xx rate high', service: 'api', reporter: REPORTER };
    const first = await kit.report(untriaged);
    clock.advance('PT1M');
    await kit.report(untriaged);
    clock.advance('PT1M');
    const third = await kit.report(untriaged);
    const triaged = await kit.triage(first.id, { impact: 'medium', urgency: 'medium' });
    expect(triaged.labels).toContain('major-candidate');
    clock.advance('PT9M');
    // t = 11: the window starts at t = 1; first is outside but the incident being triaged never counts.
    await kit.triage(third.id, { impact: 'medium', urgency: 'medium' });
    const [entry] = await triagedEntries(kit, third.id);
    expect(entry).not.toHaveProperty('major');
    expect(entry?.reasons.map((r) => r.rule)).not.toContain('rule:storm');
  });

  test('a storm of alerts without impact or urgency still flags the candidate', async () => {
    const { kit, clock } = createTestKit({ priority: STORM });
    const alert = { title: 'API 5xx rate high', service: 'api', reporter: REPORTER };
    await kit.report(alert);
    clock.advance('PT1M');
    await kit.report(alert);
    clock.advance('PT1M');
    const third = await kit.report(alert);
    expect(third.status).toBe('new');
    expect(third.labels).toContain('major-candidate');
  });

  test('the engine asks for the window only when a rule reads the fact', () => {
    expect(createPriorityEngine(STORM).facts?.recentSimilarWindowMs).toBe(600_000);
    const defaultWindow = createPriorityEngine({ rules: STORM.rules ?? [] });
    expect(defaultWindow.facts?.recentSimilarWindowMs).toBe(30 * 60_000);
    expect(createPriorityEngine({ facts: { recentSimilarWindow: 'PT10M' } }).facts?.recentSimilarWindowMs).toBe(
      undefined,
    );
  });
});

describe('facts.slaTier', () => {
  const TIERS: PriorityPolicyConfig = {
    facts: { slaTiers: { acme: 'gold', globex: 'silver' }, defaultSlaTier: 'bronze' },
    rules: [
      {
        id: 'gold',
        when: { field: 'facts.slaTier', op: 'equals', value: 'gold' },
        effects: [{ type: 'raise', by: 1 }],
      },
      {
        id: 'tier-label',
        when: { field: 'facts.slaTier', op: 'in', value: ['silver', 'bronze'] },
        effects: [{ type: 'addLabels', labels: ['standard-sla'] }],
      },
    ],
  };

  test('comes from the tenant, with the default tier for other tenants and for none', async () => {
    const { kit } = createTestKit({ priority: TIERS });
    const acme = await kit.report({ ...ALERT, tenant: 'acme' });
    expect(acme.priority).toBe('P2');
    expect(acme.labels).toEqual([]);
    const globex = await kit.report({ ...ALERT, tenant: 'globex' });
    expect(globex).toMatchObject({ priority: 'P3', labels: ['standard-sla'] });
    const unknown = await kit.report({ ...ALERT, tenant: 'initech' });
    expect(unknown).toMatchObject({ priority: 'P3', labels: ['standard-sla'] });
    const none = await kit.report(ALERT);
    expect(none).toMatchObject({ priority: 'P3', labels: ['standard-sla'] });
  });

  test('without a default tier, a tenant without one has no tier', async () => {
    const { kit } = createTestKit({
      priority: {
        facts: { slaTiers: { acme: 'gold' } },
        rules: [
          {
            id: 'no-tier',
            when: { field: 'facts.slaTier', op: 'exists', value: false },
            effects: [{ type: 'addLabels', labels: ['no-sla'] }],
          },
        ],
      },
    });
    expect((await kit.report({ ...ALERT, tenant: 'acme' })).labels).toEqual([]);
    expect((await kit.report({ ...ALERT, tenant: 'globex' })).labels).toEqual(['no-sla']);
  });

  test('the engine publishes the lookup', () => {
    const engine = createPriorityEngine(TIERS);
    expect(engine.facts?.slaTier?.('acme')).toBe('gold');
    expect(engine.facts?.slaTier?.('initech')).toBe('bronze');
    expect(engine.facts?.slaTier?.(undefined)).toBe('bronze');
  });
});

describe('facts.businessHours', () => {
  const BERLIN: PriorityPolicyConfig = {
    facts: { businessHours: { timeZone: 'Europe/Berlin', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' } },
    rules: [
      {
        id: 'after-hours',
        when: { field: 'facts.businessHours', op: 'equals', value: false },
        effects: [{ type: 'addLabels', labels: ['after-hours'] }],
      },
    ],
  };

  // In ascending order; Berlin is UTC+1 until 2026-03-29 and UTC+2 from then on.
  const INSTANTS = [
    ['2026-01-05T07:59:00Z', false, 'Monday 08:59 CET'],
    ['2026-01-05T08:00:00Z', true, 'Monday 09:00 CET, the start'],
    ['2026-01-05T15:59:00Z', true, 'Monday 16:59 CET'],
    ['2026-01-05T16:00:00Z', false, 'Monday 17:00 CET, the end'],
    ['2026-01-10T10:00:00Z', false, 'Saturday 11:00 CET'],
    ['2026-03-27T07:30:00Z', false, 'Friday 08:30 CET, before the DST change'],
    ['2026-03-27T15:30:00Z', true, 'Friday 16:30 CET, before the DST change'],
    ['2026-03-30T07:30:00Z', true, 'Monday 09:30 CEST, after the DST change'],
    ['2026-03-30T15:30:00Z', false, 'Monday 17:30 CEST, after the DST change'],
  ] as const;

  test('is true within the weekly window in the time zone, across a DST change', async () => {
    const { kit, clock } = createTestKit({ priority: BERLIN, clock: INSTANTS[0][0] });
    for (const [instant, open, what] of INSTANTS) {
      clock.set(instant);
      const incident = await kit.report({ ...ALERT, title: what });
      expect(incident.labels.includes('after-hours'), what).toBe(!open);
    }
  });

  test('the engine publishes the check; other days can be configured', () => {
    const engine = createPriorityEngine(BERLIN);
    for (const [instant, open, what] of INSTANTS) {
      expect(engine.facts?.businessHours?.(Date.parse(instant)), what).toBe(open);
    }
    const weekend = createPriorityEngine({
      ...BERLIN,
      facts: { businessHours: { timeZone: 'Europe/Berlin', days: [6, 7], start: '10:00', end: '14:00' } },
    });
    expect(weekend.facts?.businessHours?.(Date.parse('2026-01-10T10:00:00Z'))).toBe(true);
    expect(weekend.facts?.businessHours?.(Date.parse('2026-01-05T10:00:00Z'))).toBe(false);
  });

  test('re-triage reads the hours at the time of the triage', async () => {
    const { kit, clock } = createTestKit({ priority: BERLIN, clock: '2026-01-05T18:00:00Z' });
    const incident = await kit.report(ALERT);
    expect(incident.labels).toEqual(['after-hours']);
    clock.set('2026-01-06T09:00:00Z');
    const triaged = await kit.triage(incident.id, { urgency: 'high' });
    const [, second] = await triagedEntries(kit, triaged.id);
    expect(second?.reasons.map((r) => r.rule)).not.toContain('rule:after-hours');
  });

  test('a bad time zone or window is a ValidationError at construction', () => {
    const paths = (businessHours: unknown) => {
      try {
        createPriorityEngine({ facts: { businessHours } } as PriorityPolicyConfig);
      } catch (error) {
        expect(ValidationError.isInstance(error)).toBe(true);
        return (error as ValidationError).issues.map((i) => i.path);
      }
      throw new Error('expected a ValidationError');
    };
    expect(paths({ timeZone: 'Mars/Olympus_Mons', start: '09:00', end: '17:00' })).toEqual([
      ['facts', 'businessHours', 'timeZone'],
    ]);
    expect(paths({ timeZone: 'UTC', start: '9:00', end: '17:00' })).toEqual([['facts', 'businessHours', 'start']]);
    expect(paths({ timeZone: 'UTC', start: '09:00', end: '17:00', days: [0] })).toEqual([
      ['facts', 'businessHours', 'days', 0],
    ]);
  });
});

describe('category suggestion', () => {
  const CATEGORIES: PriorityPolicyConfig = {
    categories: [
      { id: 'db', keywords: ['database', 'postgres'], category: 'database', subcategory: 'postgres' },
      { id: 'network', pattern: '\\b(dns|timeouts?)\\b', category: 'network' },
    ],
  };
  const engine = createPriorityEngine(CATEGORIES);

  test('a keyword (whole word, any case) in the title or description sets category and subcategory', () => {
    const decision = engine.evaluate(input({ title: 'POSTGRES replica lag' }));
    expect(decision).toMatchObject({ category: 'database', subcategory: 'postgres' });
    expect(decision.reasons[0]).toMatchObject({ rule: 'category:db', field: 'category', after: 'database' });
    expect(decision.reasons[0]).not.toHaveProperty('before');
    const described = engine.evaluate(input({ title: 'Slow', description: 'the database is at 100% CPU' }));
    expect(described.category).toBe('database');
    expect(engine.evaluate(input({ title: 'Too many databases' })).category).toBe('general');
  });

  test('a pattern matches too; the first rule that matches wins', () => {
    const decision = engine.evaluate(input({ title: 'Timeouts from the edge' }));
    expect(decision).toMatchObject({ category: 'network' });
    expect(decision.subcategory).toBeUndefined();
    expect(decision.reasons[0]?.rule).toBe('category:network');
    expect(engine.evaluate(input({ title: 'DNS fails for the database' })).category).toBe('database');
  });

  test('a reported category is kept, without a suggestion', () => {
    const decision = engine.evaluate(input({ title: 'Postgres down', category: 'billing' }));
    expect(decision.category).toBe('billing');
    expect(decision.reasons.map((r) => r.rule)).not.toContain('category:db');
  });

  test('no match is general', () => {
    const decision = engine.evaluate(input({ title: 'Something odd' }));
    expect(decision.category).toBe('general');
    expect(decision.reasons.map((r) => r.rule)).toEqual(['matrix:itil[impact=medium][urgency=medium]']);
  });

  test('the kit stores the suggestion on report, prioritized or not, and keeps it on re-triage', async () => {
    const { kit } = createTestKit({ priority: CATEGORIES });
    const prioritized = await kit.report({ ...ALERT, title: 'Postgres replica lag' });
    expect(prioritized).toMatchObject({ category: 'database', subcategory: 'postgres' });
    const [triaged] = await triagedEntries(kit, prioritized.id);
    expect(triaged).toMatchObject({ category: 'database', subcategory: 'postgres' });
    expect(triaged?.reasons[0]).toMatchObject({ rule: 'category:db', after: 'database' });

    const unprioritized = await kit.report({ title: 'DNS timeouts', service: 'edge', reporter: REPORTER });
    expect(unprioritized).toMatchObject({ status: 'new', category: 'network' });
    const later = await kit.triage(unprioritized.id, { impact: 'low', urgency: 'low' });
    expect(later.category).toBe('network');

    const reported = await kit.report({ ...ALERT, title: 'Postgres replica lag', category: 'billing' });
    expect(reported.category).toBe('billing');
    expect(reported.subcategory).toBeUndefined();
    expect((await kit.report({ ...ALERT, title: 'Odd' })).category).toBe('general');
  });
});
