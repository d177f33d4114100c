/** Priority rules: the default rules, every operator and effect, order, and policy validation. */
import {
  type Condition,
  createIncidentKit,
  createPriorityEngine,
  defaultPriorityRules,
  type Effect,
  type PriorityInput,
  type PriorityPolicyConfig,
  type PriorityRule,
  ValidationError,
} from 'incidentkit';
import { describe, expect, test } from 'vitest';
import { flags, input } from './helpers.js';

/** An engine without the default rules and with `rules`. */
function engineWith(...rules: PriorityRule[]) {
  return createPriorityEngine({ defaultRules: false, rules });
}

/** Whether a rule with `when` matches `overrides` (it floors a P4 incident at P1). */
function matches(when: PriorityRule['when'], overrides: Parameters<typeof input>[0] = {}): boolean {
  const engine = engineWith({ id: 'probe', when, effects: [{ type: 'floor', priority: 'P1' }] });
  return engine.evaluate(input({ impact: 'low', urgency: 'low', ...overrides })).priority === 'P1';
}

/** The decision of a rule that always matches with `effects`, on `overrides`. */
function withEffects(effects: Effect[], overrides: Parameters<typeof input>[0] = {}) {
  return engineWith({ id: 'fx', when: { field: 'service', op: 'exists' }, effects }).evaluate(input(overrides));
}

/** The issue paths `createIncidentKit({ priority })` rejects with. */
function kitPaths(priority: PriorityPolicyConfig): PropertyKey[][] {
  let thrown: unknown;
  try {
    createIncidentKit({ priority });
  } catch (error) {
    thrown = error;
  }
  expect(ValidationError.isInstance(thrown), `expected a ValidationError, got ${String(thrown)}`).toBe(true);
  return (thrown as ValidationError).issues.map((i) => i.path);
}

const FLOOR_P2: Effect[] = [{ type: 'floor', priority: 'P2' }];
const ALWAYS: Condition = { field: 'service', op: 'exists' };
const rule = (when: unknown, effects: unknown = FLOOR_P2, id = 'r'): PriorityRule => ({ id, when, effects }) as never;

describe('the default rules', () => {
  const engine = createPriorityEngine();

  test('are the four documented rules, in order', () => {
    expect(defaultPriorityRules().map((r) => r.id)).toEqual([
      'default.users-affected-1000',
      'default.users-affected-100',
      'default.non-production',
      'default.security-compliance',
    ]);
  });

  test('1,000 users or more raise impact to the top level', () => {
    const decision = engine.evaluate(input({ impact: 'low', urgency: 'high', usersAffected: 1000 }));
    expect(decision).toMatchObject({ impact: 'high', priority: 'P1' });
    expect(decision.reasons[0]).toMatchObject({
      rule: 'rule:default.users-affected-1000',
      field: 'impact',
      before: 'low',
      after: 'high',
    });
    // The 100 rule matches too, but has nothing left to raise.
    expect(decision.reasons[1]).toMatchObject({
      rule: 'rule:default.users-affected-100',
      before: 'high',
      after: 'high',
    });
    expect(decision.reasons.at(-1)?.rule).toBe('matrix:itil[impact=high][urgency=high]');
  });

  test('100 to 999 users raise impact to at least the second level, never lower it', () => {
    const low = engine.evaluate(input({ impact: 'low', urgency: 'high', usersAffected: 999 }));
    expect(low).toMatchObject({ impact: 'medium', priority: 'P2' });
    expect(low.reasons.map((r) => r.rule)).toEqual([
      'rule:default.users-affected-100',
      'matrix:itil[impact=medium][urgency=high]',
    ]);
    expect(engine.evaluate(input({ impact: 'high', urgency: 'high', usersAffected: 100 })).impact).toBe('high');
    const few = engine.evaluate(input({ impact: 'low', urgency: 'high', usersAffected: 99 }));
    expect(few).toMatchObject({ impact: 'low', priority: 'P3' });
    expect(few.reasons).toHaveLength(1);
  });

  test('outside production: one step less urgent and at most P3', () => {
    const top = engine.evaluate(input({ impact: 'high', urgency: 'high', environment: 'staging' }));
    expect(top.priority).toBe('P3');
    expect(top.reasons.slice(1)).toEqual([
      expect.objectContaining({ rule: 'rule:default.non-production', field: 'priority', before: 'P1', after: 'P2' }),
      expect.objectContaining({ rule: 'rule:default.non-production', field: 'priority', before: 'P2', after: 'P3' }),
    ]);
    expect(engine.evaluate(input({ impact: 'medium', urgency: 'medium', environment: 'test' })).priority).toBe('P4');
    expect(engine.evaluate(input({ impact: 'low', urgency: 'low', environment: 'development' })).priority).toBe('P5');
    expect(engine.evaluate(input({ impact: 'high', urgency: 'high', environment: 'production' })).priority).toBe('P1');
  });

  test('a security or compliance flag floors the priority at P2, and never lowers it', () => {
    const security = engine.evaluate(input({ impact: 'low', urgency: 'low', flags: flags({ security: true }) }));
    expect(security.priority).toBe('P2');
    expect(security.reasons.at(-1)).toMatchObject({
      rule: 'rule:default.security-compliance',
      field: 'priority',
      before: 'P4',
      after: 'P2',
    });
    expect(
      engine.evaluate(input({ impact: 'medium', urgency: 'low', flags: flags({ compliance: true }) })).priority,
    ).toBe('P2');
    expect(engine.evaluate(input({ impact: 'high', urgency: 'high', flags: flags({ security: true }) })).priority).toBe(
      'P1',
    );
    expect(engine.evaluate(input({ impact: 'low', urgency: 'low', flags: flags({ financial: true }) })).priority).toBe(
      'P4',
    );
  });

  test('security wins over non-production because it comes later', () => {
    const decision = engine.evaluate(
      input({ impact: 'high', urgency: 'high', environment: 'staging', flags: flags({ security: true }) }),
    );
    expect(decision.priority).toBe('P2');
    expect(decision.reasons.map((r) => [r.rule, r.after])).toEqual([
      ['matrix:itil[impact=high][urgency=high]', 'P1'],
      ['rule:default.non-production', 'P2'],
      ['rule:default.non-production', 'P3'],
      ['rule:default.security-compliance', 'P2'],
    ]);
  });

  test('defaultRules: false removes them all', () => {
    const bare = createPriorityEngine({ defaultRules: false });
    const decision = bare.evaluate(
      input({
        impact: 'low',
        urgency: 'low',
        usersAffected: 5000,
        environment: 'staging',
        flags: flags({ security: true, compliance: true }),
      }),
    );
    expect(decision).toMatchObject({ impact: 'low', priority: 'P4' });
    expect(decision.reasons.map((r) => r.rule)).toEqual(['matrix:itil[impact=low][urgency=low]']);
  });

  test('your rules run after the default rules', () => {
    const engine = createPriorityEngine({ rules: [rule(ALWAYS, [{ type: 'cap', priority: 'P4' }], 'mine')] });
    const decision = engine.evaluate(input({ impact: 'low', urgency: 'low', flags: flags({ security: true }) }));
    expect(decision.priority).toBe('P4');
    expect(decision.reasons.map((r) => r.rule)).toEqual([
      'matrix:itil[impact=low][urgency=low]',
      'rule:default.security-compliance',
      'rule:mine',
    ]);
  });
});

describe('operators', () => {
  test('equals compares scalars: strings, numbers, booleans', () => {
    expect(matches({ field: 'service', op: 'equals', value: 'shop' })).toBe(true);
    expect(matches({ field: 'service', op: 'equals', value: 'Shop' })).toBe(false);
    expect(matches({ field: 'usersAffected', op: 'equals', value: 5 }, { usersAffected: 5 })).toBe(true);
    expect(matches({ field: 'usersAffected', op: 'equals', value: 5 }, { usersAffected: 6 })).toBe(false);
    expect(
      matches({ field: 'flags.financial', op: 'equals', value: true }, { flags: flags({ financial: true }) }),
    ).toBe(true);
    expect(matches({ field: 'flags.financial', op: 'equals', value: true })).toBe(false);
    expect(matches({ field: 'reporter.kind', op: 'equals', value: 'monitoring' }, { reporterKind: 'monitoring' })).toBe(
      true,
    );
  });

  test('equals on labels tests membership', () => {
    const vip: Condition = { field: 'labels', op: 'equals', value: 'vip' };
    expect(matches(vip, { labels: ['eu', 'vip'] })).toBe(true);
    expect(matches(vip, { labels: ['eu'] })).toBe(false);
    expect(matches(vip)).toBe(false);
  });

  test('in matches one of the values, on scalars and on labels', () => {
    const tenants: Condition = { field: 'tenant', op: 'in', value: ['acme', 'globex'] };
    expect(matches(tenants, { tenant: 'globex' })).toBe(true);
    expect(matches(tenants, { tenant: 'initech' })).toBe(false);
    expect(matches(tenants)).toBe(false);
    const labels: Condition = { field: 'labels', op: 'in', value: ['vip', 'gold'] };
    expect(matches(labels, { labels: ['eu', 'gold'] })).toBe(true);
    expect(matches(labels, { labels: ['eu'] })).toBe(false);
    expect(matches({ field: 'usersAffected', op: 'in', value: [1, 2, 3] }, { usersAffected: 2 })).toBe(true);
  });

  test('gte and lte are inclusive and only match numbers', () => {
    const many: Condition = { field: 'usersAffected', op: 'gte', value: 50 };
    expect(matches(many, { usersAffected: 50 })).toBe(true);
    expect(matches(many, { usersAffected: 49 })).toBe(false);
    expect(matches(many)).toBe(false);
    const few: Condition = { field: 'usersAffected', op: 'lte', value: 10 };
    expect(matches(few, { usersAffected: 10 })).toBe(true);
    expect(matches(few, { usersAffected: 0 })).toBe(true);
    expect(matches(few, { usersAffected: 11 })).toBe(false);
    expect(matches(few)).toBe(false);
    expect(matches({ field: 'custom.count', op: 'gte', value: 1 }, { custom: { count: '5' } })).toBe(false);
  });

  test('exists: true when the field has a value (a non-empty list), false otherwise', () => {
    expect(matches({ field: 'tenant', op: 'exists' }, { tenant: 'acme' })).toBe(true);
    expect(matches({ field: 'tenant', op: 'exists' })).toBe(false);
    expect(matches({ field: 'tenant', op: 'exists', value: true }, { tenant: 'acme' })).toBe(true);
    expect(matches({ field: 'tenant', op: 'exists', value: false })).toBe(true);
    expect(matches({ field: 'tenant', op: 'exists', value: false }, { tenant: 'acme' })).toBe(false);
    expect(matches({ field: 'labels', op: 'exists' }, { labels: [] })).toBe(false);
    expect(matches({ field: 'labels', op: 'exists' }, { labels: ['x'] })).toBe(true);
    expect(matches({ field: 'subcategory', op: 'exists', value: false }, { subcategory: undefined })).toBe(true);
    expect(matches({ field: 'custom.flag', op: 'exists' }, { custom: { flag: false } })).toBe(true);
    expect(matches({ field: 'custom.flag', op: 'exists' }, { custom: { flag: null } })).toBe(false);
  });

  test('matches is a case-insensitive regular expression over strings', () => {
    const db: Condition = { field: 'title', op: 'matches', value: '^db-\\d+ (down|slow)' };
    expect(matches(db, { title: 'DB-12 down since noon' })).toBe(true);
    expect(matches(db, { title: 'the db-12 is down' })).toBe(false);
    expect(
      matches({ field: 'description', op: 'matches', value: 'ora-\\d{5}' }, { description: 'Got ORA-00942' }),
    ).toBe(true);
    expect(matches({ field: 'custom.code', op: 'matches', value: '^E\\d+' }, { custom: { code: 'E42' } })).toBe(true);
  });

  test('conditions that can never hold are rejected when the policy is defined', () => {
    const paths = (when: PriorityRule['when']) => {
      try {
        engineWith({ id: 'never', when, effects: [{ type: 'floor', priority: 'P1' }] });
        return [];
      } catch (error) {
        expect(ValidationError.isInstance(error)).toBe(true);
        return (error as ValidationError).issues.map((i) => i.path.join('.'));
      }
    };
    expect(paths({ field: 'usersAffected', op: 'matches', value: '5' })).toEqual(['rules.0.when.op']);
    expect(paths({ field: 'title', op: 'gte', value: 3 })).toEqual(['rules.0.when.op']);
    expect(paths({ field: 'impact', op: 'equals', value: 'critical' })).toEqual(['rules.0.when.value']);
    expect(paths({ any: [{ field: 'flags.security', op: 'equals', value: 'yes' }] })).toEqual([
      'rules.0.when.any.0.value',
    ]);
    expect(paths({ field: 'facts.slaTier', op: 'equals', value: 'gold' })).toEqual(['rules.0.when']);
    expect(paths({ field: 'impact', op: 'in', value: ['high', 'low'] })).toEqual([]);
  });

  test('all, any and not nest', () => {
    const when: Condition = {
      all: [
        { field: 'service', op: 'equals', value: 'payments' },
        {
          any: [
            { field: 'tenant', op: 'equals', value: 'acme' },
            { field: 'usersAffected', op: 'gte', value: 10 },
          ],
        },
        { not: { field: 'environment', op: 'in', value: ['staging', 'test'] } },
      ],
    };
    expect(matches(when, { service: 'payments', tenant: 'acme' })).toBe(true);
    expect(matches(when, { service: 'payments', usersAffected: 10 })).toBe(true);
    expect(matches(when, { service: 'payments' })).toBe(false);
    expect(matches(when, { service: 'shop', tenant: 'acme' })).toBe(false);
    expect(matches(when, { service: 'payments', tenant: 'acme', environment: 'staging' })).toBe(false);
    expect(matches({ not: { not: { field: 'tenant', op: 'exists' } } }, { tenant: 'x' })).toBe(true);
  });

  test('conditions read custom fields, nested ones too', () => {
    expect(matches({ field: 'custom.region', op: 'equals', value: 'eu' }, { custom: { region: 'eu' } })).toBe(true);
    expect(matches({ field: 'custom.region', op: 'equals', value: 'eu' }, { custom: { region: 'us' } })).toBe(false);
    expect(matches({ field: 'custom.region', op: 'exists' })).toBe(false);
    const country: Condition = { field: 'custom.geo.country', op: 'in', value: ['DE', 'AT'] };
    expect(matches(country, { custom: { geo: { country: 'AT' } } })).toBe(true);
    expect(matches(country, { custom: { geo: 'AT' } })).toBe(false);
  });

  test('a function condition decides with code, and sees the input', () => {
    const seen: unknown[] = [];
    const gold = (i: PriorityInput) => {
      seen.push(i.custom);
      return i.custom.tier === 1;
    };
    expect(matches(gold, { custom: { tier: 1 } })).toBe(true);
    expect(matches(gold, { custom: { tier: 2 } })).toBe(false);
    expect(seen).toEqual([{ tier: 1 }, { tier: 2 }]);
  });

  test('conditions on impact, urgency and category read them as earlier rules left them', () => {
    const engine = engineWith(
      rule({ field: 'service', op: 'equals', value: 'payments' }, [{ type: 'setImpact', level: 'high' }], 'first'),
      rule({ field: 'impact', op: 'equals', value: 'high' }, [{ type: 'addLabels', labels: ['seen-high'] }], 'second'),
      rule(ALWAYS, [{ type: 'setCategory', category: 'money' }], 'third'),
      rule({ field: 'category', op: 'equals', value: 'money' }, [{ type: 'raiseUrgency', to: 'high' }], 'fourth'),
    );
    const decision = engine.evaluate(input({ service: 'payments', impact: 'low', urgency: 'low' }));
    expect(decision).toMatchObject({ impact: 'high', urgency: 'high', category: 'money', priority: 'P1' });
    expect(decision.labels).toEqual(['seen-high']);
    expect(decision.reasons.map((r) => r.rule)).toEqual([
      'rule:first',
      'rule:second',
      'rule:third',
      'rule:fourth',
      'matrix:itil[impact=high][urgency=high]',
    ]);
  });

  test('an earlier rule does not see what a later rule changes', () => {
    const engine = engineWith(
      rule({ field: 'impact', op: 'equals', value: 'high' }, [{ type: 'addLabels', labels: ['seen-high'] }], 'first'),
      rule(ALWAYS, [{ type: 'setImpact', level: 'high' }], 'second'),
    );
    const decision = engine.evaluate(input({ impact: 'low' }));
    expect(decision.impact).toBe('high');
    expect(decision.labels).toEqual([]);
  });

  test('a later rule sees the labels an earlier rule added (documented: label effects apply at once)', () => {
    const engine = engineWith(
      rule({ field: 'service', op: 'equals', value: 'payments' }, [{ type: 'addLabels', labels: ['money'] }], 'tag'),
      rule({ field: 'labels', op: 'equals', value: 'money' }, [{ type: 'floor', priority: 'P1' }], 'money-floor'),
    );
    const decision = engine.evaluate(input({ service: 'payments', impact: 'low', urgency: 'low' }));
    expect(decision.labels).toEqual(['money']);
    expect(decision.priority).toBe('P1');
  });
});

describe('effects', () => {
  test('setImpact and setUrgency set the level, up or down', () => {
    const down = withEffects([{ type: 'setImpact', level: 'low' }], { impact: 'high', urgency: 'high' });
    expect(down).toMatchObject({ impact: 'low', priority: 'P3' });
    expect(down.reasons[0]).toMatchObject({ rule: 'rule:fx', field: 'impact', before: 'high', after: 'low' });
    const urgency = withEffects([{ type: 'setUrgency', level: 'high' }], { impact: 'medium', urgency: 'low' });
    expect(urgency).toMatchObject({ urgency: 'high', priority: 'P2' });
    expect(urgency.reasons[0]).toMatchObject({ field: 'urgency', before: 'low', after: 'high' });
  });

  test('setImpact gives an unknown impact a level, so the incident can be prioritized', () => {
    const decision = withEffects(
      [
        { type: 'setImpact', level: 'medium' },
        { type: 'setUrgency', level: 'high' },
      ],
      { impact: null, urgency: null },
    );
    expect(decision).toMatchObject({ impact: 'medium', urgency: 'high', priority: 'P2' });
    expect(decision.reasons[0]).toMatchObject({ field: 'impact', after: 'medium' });
    expect(decision.reasons[0]).not.toHaveProperty('before');
  });

  test('raiseImpact and raiseUrgency raise to at least the level and never lower', () => {
    const up = withEffects([{ type: 'raiseImpact', to: 'medium' }], { impact: 'low', urgency: 'high' });
    expect(up).toMatchObject({ impact: 'medium', priority: 'P2' });
    const kept = withEffects([{ type: 'raiseImpact', to: 'medium' }], { impact: 'high', urgency: 'high' });
    expect(kept).toMatchObject({ impact: 'high', priority: 'P1' });
    expect(kept.reasons[0]).toMatchObject({ field: 'impact', before: 'high', after: 'high' });
    expect(withEffects([{ type: 'raiseUrgency', to: 'high' }], { urgency: 'low' }).urgency).toBe('high');
    expect(withEffects([{ type: 'raiseUrgency', to: 'low' }], { urgency: 'medium' }).urgency).toBe('medium');
    expect(withEffects([{ type: 'raiseUrgency', to: 'medium' }], { urgency: null }).urgency).toBe('medium');
  });

  test('raise and lower move the priority by N steps, within P1..P5', () => {
    expect(withEffects([{ type: 'raise', by: 2 }], { impact: 'low', urgency: 'high' }).priority).toBe('P1');
    expect(withEffects([{ type: 'raise', by: 4 }], { impact: 'medium', urgency: 'high' }).priority).toBe('P1');
    expect(withEffects([{ type: 'lower', by: 1 }], { impact: 'high', urgency: 'high' }).priority).toBe('P2');
    const bottom = withEffects([{ type: 'lower', by: 3 }], { impact: 'low', urgency: 'low' });
    expect(bottom.priority).toBe('P5');
    expect(bottom.reasons.at(-1)).toMatchObject({ rule: 'rule:fx', field: 'priority', before: 'P4', after: 'P5' });
  });

  test('floor and cap bound the priority from either side', () => {
    expect(withEffects([{ type: 'floor', priority: 'P2' }], { impact: 'low', urgency: 'low' }).priority).toBe('P2');
    expect(withEffects([{ type: 'floor', priority: 'P2' }], { impact: 'high', urgency: 'high' }).priority).toBe('P1');
    expect(withEffects([{ type: 'cap', priority: 'P3' }], { impact: 'high', urgency: 'high' }).priority).toBe('P3');
    const kept = withEffects([{ type: 'cap', priority: 'P3' }], { impact: 'low', urgency: 'low' });
    expect(kept.priority).toBe('P4');
    expect(kept.reasons.at(-1)).toMatchObject({ before: 'P4', after: 'P4' });
  });

  test('priority effects apply after the matrix, in rule order', () => {
    const engine = engineWith(
      rule(ALWAYS, [{ type: 'cap', priority: 'P3' }], 'cap'),
      rule(ALWAYS, [{ type: 'raise', by: 1 }], 'raise'),
    );
    const decision = engine.evaluate(input({ impact: 'high', urgency: 'high' }));
    expect(decision.priority).toBe('P2');
    expect(decision.reasons.map((r) => [r.rule, r.before, r.after])).toEqual([
      ['matrix:itil[impact=high][urgency=high]', undefined, 'P1'],
      ['rule:cap', 'P1', 'P3'],
      ['rule:raise', 'P3', 'P2'],
    ]);
  });

  test('major: candidate suggests it and labels it; automatic wins over candidate', () => {
    const candidate = withEffects([{ type: 'major', mode: 'candidate' }]);
    expect(candidate.major).toBe('candidate');
    expect(candidate.labels).toEqual(['major-candidate']);
    expect(candidate.reasons[0]).toMatchObject({ rule: 'rule:fx', field: 'major', after: 'candidate' });
    const both = engineWith(
      rule(ALWAYS, [{ type: 'major', mode: 'candidate' }], 'maybe'),
      rule(ALWAYS, [{ type: 'major', mode: 'automatic' }], 'surely'),
      rule(ALWAYS, [{ type: 'major', mode: 'candidate' }], 'maybe-again'),
    ).evaluate(input());
    expect(both.major).toBe('automatic');
    expect(both.labels).toEqual([]);
    expect(both.reasons.filter((r) => r.field === 'major').map((r) => [r.rule, r.after])).toEqual([
      ['rule:maybe', 'candidate'],
      ['rule:surely', 'automatic'],
    ]);
    expect(withEffects([{ type: 'floor', priority: 'P5' }]).major).toBeNull();
  });

  test('addLabels adds each label once', () => {
    const decision = engineWith(
      rule(ALWAYS, [{ type: 'addLabels', labels: ['eu', 'vip'] }], 'a'),
      rule(ALWAYS, [{ type: 'addLabels', labels: ['vip', 'gold'] }], 'b'),
    ).evaluate(input());
    expect(decision.labels).toEqual(['eu', 'vip', 'gold']);
    expect(decision.reasons.filter((r) => r.field === 'labels').map((r) => r.rule)).toEqual(['rule:a', 'rule:b']);
  });

  test('setCategory sets category and subcategory, over a reported one', () => {
    const decision = withEffects([{ type: 'setCategory', category: 'network', subcategory: 'dns' }], {
      category: 'software',
    });
    expect(decision).toMatchObject({ category: 'network', subcategory: 'dns' });
    expect(decision.reasons[0]).toMatchObject({
      rule: 'rule:fx',
      field: 'category',
      before: 'software',
      after: 'network',
    });
  });

  test('a rule that does not match has no effect and no reason', () => {
    const decision = engineWith(
      rule({ field: 'tenant', op: 'equals', value: 'acme' }, [{ type: 'major', mode: 'automatic' }]),
    ).evaluate(input({ impact: 'low', urgency: 'low' }));
    expect(decision).toMatchObject({ priority: 'P4', major: null, labels: [], category: 'general' });
    expect(decision.reasons).toHaveLength(1);
  });
});

describe('a bad policy fails at createIncidentKit with the path under priority', () => {
  const fine = (id: string) => rule({ field: 'service', op: 'exists' }, FLOOR_P2, id);

  test('an unknown field', () => {
    const rules = [
      fine('a'),
      fine('b'),
      fine('c'),
      rule({ field: 'colour', op: 'equals', value: 'red' }, FLOOR_P2, 'd'),
    ];
    expect(kitPaths({ rules })).toEqual([['priority', 'rules', 3, 'when', 'field']]);
  });

  test('an unknown operator', () => {
    expect(kitPaths({ rules: [rule({ field: 'usersAffected', op: 'between', value: [1, 5] })] })).toEqual([
      ['priority', 'rules', 0, 'when', 'op'],
    ]);
  });

  test('a value of the wrong type for the operator', () => {
    expect(kitPaths({ rules: [rule({ field: 'usersAffected', op: 'gte', value: '5' })] })).toEqual([
      ['priority', 'rules', 0, 'when', 'value'],
    ]);
  });

  test('an invalid regular expression', () => {
    expect(kitPaths({ rules: [rule({ field: 'title', op: 'matches', value: '(unclosed' })] })).toEqual([
      ['priority', 'rules', 0, 'when', 'value'],
    ]);
  });

  test('a problem inside nested conditions', () => {
    const when = {
      all: [
        { field: 'title', op: 'exists' },
        { field: 'nope', op: 'exists' },
      ],
    };
    expect(kitPaths({ rules: [rule(when)] })).toEqual([['priority', 'rules', 0, 'when', 'all', 1, 'field']]);
    const deep = {
      not: {
        any: [
          { field: 'title', op: 'exists' },
          { field: 'title', op: 'lte', value: 'x' },
        ],
      },
    };
    expect(kitPaths({ rules: [rule(deep)] })).toEqual([['priority', 'rules', 0, 'when', 'not', 'any', 1, 'value']]);
  });

  test('a rule effect outside the level set', () => {
    expect(kitPaths({ rules: [rule(ALWAYS, [{ type: 'setImpact', level: 'critical' }])] })).toEqual([
      ['priority', 'rules', 0, 'effects', 0, 'level'],
    ]);
    expect(
      kitPaths({
        rules: [
          rule(ALWAYS, [
            { type: 'floor', priority: 'P1' },
            { type: 'raiseUrgency', to: 'urgent' },
          ]),
        ],
      }),
    ).toEqual([['priority', 'rules', 0, 'effects', 1, 'to']]);
  });

  test('a level of custom levels is fine, a default one that the custom set lacks is not', () => {
    const levels = { impact: ['critical', 'major', 'minor'] };
    const table = {
      critical: { high: 'P1', medium: 'P1', low: 'P2' },
      major: { high: 'P2', medium: 'P3', low: 'P3' },
      minor: { high: 'P3', medium: 'P4', low: 'P5' },
    } as const;
    const ok = createIncidentKit({
      priority: { levels, matrices: [{ table }], rules: [rule(ALWAYS, [{ type: 'setImpact', level: 'critical' }])] },
    });
    expect(ok.store).toBeDefined();
    expect(
      kitPaths({ levels, matrices: [{ table }], rules: [rule(ALWAYS, [{ type: 'setImpact', level: 'high' }])] }),
    ).toEqual([['priority', 'rules', 0, 'effects', 0, 'level']]);
  });

  test('an unknown effect, an empty effect list, a step out of range', () => {
    expect(kitPaths({ rules: [rule(ALWAYS, [{ type: 'explode' }])] })).toEqual([
      ['priority', 'rules', 0, 'effects', 0, 'type'],
    ]);
    expect(kitPaths({ rules: [rule(ALWAYS, [])] })).toEqual([['priority', 'rules', 0, 'effects']]);
    expect(kitPaths({ rules: [rule(ALWAYS, [{ type: 'raise', by: 0 }])] })).toEqual([
      ['priority', 'rules', 0, 'effects', 0, 'by'],
    ]);
  });

  test('an invalid category pattern', () => {
    expect(kitPaths({ categories: [{ id: 'db', pattern: '(unclosed', category: 'database' }] })).toEqual([
      ['priority', 'categories', 0, 'pattern'],
    ]);
  });

  test('createPriorityEngine and definePriorityPolicy report the same paths without the prefix', () => {
    let thrown: unknown;
    try {
      createPriorityEngine({ rules: [rule({ field: 'colour', op: 'exists' })] });
    } catch (error) {
      thrown = error;
    }
    expect(ValidationError.isInstance(thrown)).toBe(true);
    expect((thrown as ValidationError).issues.map((i) => i.path)).toEqual([['rules', 0, 'when', 'field']]);
  });
});
