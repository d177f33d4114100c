/** Property-based tests of the priority engine: random policies from a pool of rules, random incidents. */
import fc from 'fast-check';
import {
  createPriorityEngine,
  type PriorityDecision,
  PriorityDecisionSchema,
  type PriorityInput,
  type PriorityRule,
} from 'incidentkit';
import { describe, expect, test } from 'vitest';

const level = fc.constantFrom('high', 'medium', 'low', null);

const incident: fc.Arbitrary<PriorityInput> = fc.record({
  impact: level,
  urgency: level,
  title: fc.constantFrom('Checkout is down', 'Postgres replica lag', 'DNS timeouts', 'ok'),
  description: fc.constantFrom('', 'the database is slow', 'customers cannot pay'),
  service: fc.constantFrom('shop', 'payments', 'api'),
  environment: fc.constantFrom('production', 'staging', 'test'),
  tenant: fc.constantFrom(undefined, 'acme', 'globex'),
  category: fc.constantFrom(undefined, 'database', 'billing'),
  subcategory: fc.constantFrom(undefined, 'replica'),
  usersAffected: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
  severity: fc.constantFrom(undefined, 'sev1', 'sev3'),
  source: fc.constantFrom(undefined, 'prometheus', 'web-form'),
  reporterKind: fc.constantFrom('employee', 'customer', 'monitoring', 'vendor'),
  flags: fc.record({
    security: fc.boolean(),
    compliance: fc.boolean(),
    financial: fc.boolean(),
    reputation: fc.boolean(),
  }),
  labels: fc.subarray(['vip', 'page', 'eu']),
  custom: fc.record({ oncall: fc.boolean(), region: fc.constantFrom('eu', 'us') }),
  facts: fc.record(
    {
      recentSimilar: fc.integer({ min: 0, max: 10 }),
      slaTier: fc.constantFrom('gold', 'silver'),
      businessHours: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
});

/** Rules a random policy picks from; each exercises another operator or effect. */
const POOL: PriorityRule[] = [
  {
    id: 'set-impact',
    when: { field: 'service', op: 'equals', value: 'payments' },
    effects: [{ type: 'setImpact', level: 'high' }],
  },
  {
    id: 'set-urgency',
    when: { field: 'reporter.kind', op: 'equals', value: 'monitoring' },
    effects: [{ type: 'setUrgency', level: 'medium' }],
  },
  {
    id: 'raise-urgency',
    when: { field: 'facts.businessHours', op: 'equals', value: true },
    effects: [{ type: 'raiseUrgency', to: 'high' }],
  },
  { id: 'raise', when: { field: 'facts.slaTier', op: 'in', value: ['gold'] }, effects: [{ type: 'raise', by: 2 }] },
  { id: 'lower', when: { not: { field: 'labels', op: 'exists' } }, effects: [{ type: 'lower', by: 3 }] },
  { id: 'cap', when: { field: 'usersAffected', op: 'lte', value: 10 }, effects: [{ type: 'cap', priority: 'P5' }] },
  {
    id: 'storm',
    when: { field: 'facts.recentSimilar', op: 'gte', value: 3 },
    effects: [{ type: 'major', mode: 'candidate' }],
  },
  {
    id: 'auto-major',
    when: {
      all: [
        { field: 'flags.reputation', op: 'equals', value: true },
        { field: 'title', op: 'matches', value: 'down$' },
      ],
    },
    effects: [{ type: 'major', mode: 'automatic' }],
  },
  {
    id: 'labels',
    when: { field: 'custom.region', op: 'equals', value: 'eu' },
    effects: [{ type: 'addLabels', labels: ['gdpr'] }],
  },
  {
    id: 'category',
    when: { field: 'severity', op: 'exists' },
    effects: [{ type: 'setCategory', category: 'alerting' }],
  },
  { id: 'function', when: (i) => i.description.length > 0, effects: [{ type: 'lower', by: 1 }] },
];

/** Last, so that no priority effect comes after it. */
const FLOOR: PriorityRule = {
  id: 'floor-p2',
  when: {
    any: [
      { field: 'tenant', op: 'equals', value: 'acme' },
      { field: 'custom.oncall', op: 'equals', value: true },
    ],
  },
  effects: [{ type: 'floor', priority: 'P2' }],
};

/** Settings of the facts that the pool's rules read (the input carries the facts themselves). */
const FACTS = {
  slaTiers: { acme: 'gold' },
  businessHours: { timeZone: 'Europe/Berlin', start: '09:00', end: '17:00' },
};

const policy = fc.record({
  rules: fc.subarray(POOL),
  defaultRules: fc.boolean(),
  categories: fc.constantFrom(
    [],
    [
      { id: 'db', keywords: ['database', 'postgres'], category: 'database' },
      { id: 'net', pattern: 'dns|timeout', category: 'network' },
    ],
  ),
});

describe('the engine, for random policies and incidents', () => {
  test('is deterministic, prioritizes exactly when both levels are known, honours a final floor, and returns valid decisions', () => {
    fc.assert(
      fc.property(policy, incident, ({ rules, defaultRules, categories }, input) => {
        const engine = createPriorityEngine({ defaultRules, categories, facts: FACTS, rules: [...rules, FLOOR] });
        const frozen = structuredClone({ ...input, custom: input.custom }) as PriorityInput;
        const decision: PriorityDecision = engine.evaluate(input);
        // Same input, same decision; and evaluating does not change the input.
        expect(engine.evaluate(input)).toEqual(decision);
        expect(input).toEqual(frozen);
        expect(PriorityDecisionSchema.safeParse(decision).success).toBe(true);
        const unknown = decision.impact === null || decision.urgency === null;
        expect(decision.priority === null).toBe(unknown);
        if (decision.priority !== null) expect(['P1', 'P2', 'P3', 'P4', 'P5']).toContain(decision.priority);
        const floorMatches = input.tenant === 'acme' || input.custom.oncall === true;
        if (floorMatches && decision.priority !== null) expect(['P1', 'P2']).toContain(decision.priority);
        // Priority effects (and their reasons) apply only once there is a priority.
        if (decision.priority !== null) {
          expect(decision.reasons.some((r) => r.rule === 'rule:floor-p2')).toBe(floorMatches);
        }
        expect(decision.labels.includes('major-candidate')).toBe(decision.major === 'candidate');
      }),
      { numRuns: 200 },
    );
  });
});
