/** Priority matrices: the ITIL default, scoped tables, ties, custom level sets and complete tables. */
import {
  createIncidentKit,
  createPriorityEngine,
  definePriorityPolicy,
  ITIL_MATRIX,
  itilPriorityPolicy,
  type Priority,
  type PriorityMatrix,
  ValidationError,
} from 'incidentkit';
import { createTestKit } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { ITIL_CELLS, rejection } from '../support.js';
import { input, validationPaths } from './helpers.js';

const REPORTER = { name: 'Ana', kind: 'employee' } as const;

/** A table over `impact` x `urgency` levels with every cell `priority`. */
function uniform(
  priority: Priority,
  impact: readonly string[] = ['high', 'medium', 'low'],
  urgency: readonly string[] = ['high', 'medium', 'low'],
): PriorityMatrix['table'] {
  return Object.fromEntries(impact.map((i) => [i, Object.fromEntries(urgency.map((u) => [u, priority]))]));
}

describe('the ITIL default', () => {
  test.each(ITIL_CELLS)(
    'impact %s x urgency %s is %s in createPriorityEngine() and itilPriorityPolicy()',
    (impact, urgency, priority) => {
      for (const engine of [createPriorityEngine(), itilPriorityPolicy()]) {
        const decision = engine.evaluate(input({ impact, urgency }));
        expect(decision.priority).toBe(priority);
        expect(decision.impact).toBe(impact);
        expect(decision.urgency).toBe(urgency);
        expect(decision.reasons).toEqual([
          expect.objectContaining({
            rule: `matrix:itil[impact=${impact}][urgency=${urgency}]`,
            field: 'priority',
            after: priority,
          }),
        ]);
      }
    },
  );

  test('ITIL_MATRIX is the published table and the default levels are high, medium, low', () => {
    for (const [impact, urgency, priority] of ITIL_CELLS) expect(ITIL_MATRIX[impact][urgency]).toBe(priority);
    const engine = itilPriorityPolicy();
    expect(engine.name).toBe('itil');
    expect(engine.levels).toEqual({ impact: ['high', 'medium', 'low'], urgency: ['high', 'medium', 'low'] });
  });

  test.each(ITIL_CELLS)(
    'a kit without a policy reports impact %s x urgency %s as %s, with the cell as reason',
    async (impact, urgency, priority) => {
      const { kit } = createTestKit();
      const incident = await kit.report({
        title: 'Checkout is down',
        service: 'shop',
        reporter: REPORTER,
        impact,
        urgency,
      });
      expect(incident.priority).toBe(priority);
      expect(incident.status).toBe('open');
      const [triaged] = (await kit.timeline(incident.id)).filter((e) => e.type === 'triaged');
      expect(triaged).toMatchObject({ type: 'triaged', priority, previousPriority: null, impact, urgency });
      if (triaged?.type !== 'triaged') throw new Error('no triaged entry');
      expect(triaged.reasons.map((r) => r.rule)).toEqual([`matrix:itil[impact=${impact}][urgency=${urgency}]`]);
    },
  );

  test('without impact or urgency there is no priority, with a reason saying what is missing', () => {
    const engine = itilPriorityPolicy();
    const noImpact = engine.evaluate(input({ impact: null, urgency: 'high' }));
    expect(noImpact.priority).toBeNull();
    expect(noImpact.reasons.at(-1)).toMatchObject({ rule: 'itil:unprioritized' });
    expect(noImpact.reasons.at(-1)?.detail).toContain('impact');
    const noUrgency = engine.evaluate(input({ impact: 'high', urgency: null }));
    expect(noUrgency.priority).toBeNull();
    expect(noUrgency.reasons.at(-1)?.detail).toContain('urgency');
  });
});

describe('scoped matrices', () => {
  const layered = createPriorityEngine({
    name: 'layered',
    defaultRules: false,
    matrices: [
      { name: 'fallback', table: uniform('P5') },
      { name: 'payments', scope: { service: 'payments' }, table: uniform('P4') },
      { name: 'acme-payments', scope: { service: 'payments', tenant: 'acme' }, table: uniform('P2') },
    ],
  });

  test('a tenant matrix overrides a service matrix, which overrides the default', () => {
    expect(layered.evaluate(input({ service: 'search' })).priority).toBe('P5');
    expect(layered.evaluate(input({ service: 'search', tenant: 'acme' })).priority).toBe('P5');
    expect(layered.evaluate(input({ service: 'payments' })).priority).toBe('P4');
    expect(layered.evaluate(input({ service: 'payments', tenant: 'globex' })).priority).toBe('P4');
    expect(layered.evaluate(input({ service: 'payments', tenant: 'acme' })).priority).toBe('P2');
  });

  test('the reason names the matrix that was used and its cell', () => {
    const decision = layered.evaluate(input({ service: 'payments', tenant: 'acme', impact: 'low', urgency: 'high' }));
    expect(decision.reasons).toEqual([
      expect.objectContaining({ rule: 'matrix:acme-payments[impact=low][urgency=high]', after: 'P2' }),
    ]);
    expect(decision.reasons[0]?.detail).toContain('layered');
    const fallback = layered.evaluate(input({ service: 'search' }));
    expect(fallback.reasons[0]?.rule).toBe('matrix:fallback[impact=medium][urgency=medium]');
  });

  test('an unnamed matrix is named by its scope; the ITIL table stays the fallback when no matrix is unscoped', () => {
    const engine = createPriorityEngine({
      defaultRules: false,
      matrices: [{ scope: { service: 'payments', environment: 'production' }, table: uniform('P1') }],
    });
    const scoped = engine.evaluate(input({ service: 'payments', impact: 'low', urgency: 'low' }));
    expect(scoped.priority).toBe('P1');
    expect(scoped.reasons[0]?.rule).toBe('matrix:service=payments,environment=production[impact=low][urgency=low]');
    const other = engine.evaluate(input({ service: 'search', impact: 'low', urgency: 'low' }));
    expect(other.priority).toBe('P4');
    expect(other.reasons[0]?.rule).toBe('matrix:itil[impact=low][urgency=low]');
  });

  test('service + environment beats service alone', () => {
    const engine = createPriorityEngine({
      defaultRules: false,
      matrices: [
        { name: 'payments', scope: { service: 'payments' }, table: uniform('P3') },
        { name: 'payments-staging', scope: { service: 'payments', environment: 'staging' }, table: uniform('P5') },
      ],
    });
    expect(engine.evaluate(input({ service: 'payments', environment: 'staging' })).priority).toBe('P5');
    expect(engine.evaluate(input({ service: 'payments', environment: 'production' })).priority).toBe('P3');
  });

  test('a category scope matches the category as reported or as suggested', () => {
    const engine = createPriorityEngine({
      defaultRules: false,
      categories: [{ id: 'db', keywords: ['database'], category: 'database' }],
      matrices: [{ name: 'db', scope: { category: 'database' }, table: uniform('P1') }],
    });
    expect(engine.evaluate(input({ category: 'database' })).priority).toBe('P1');
    expect(engine.evaluate(input({ title: 'The database is down' })).priority).toBe('P1');
    expect(engine.evaluate(input({ category: 'network' })).priority).toBe('P3');
  });

  test('a matrix scoped to category general applies to incidents whose category is general by default', () => {
    const engine = createPriorityEngine({
      defaultRules: false,
      matrices: [{ name: 'general', scope: { category: 'general' }, table: uniform('P5') }],
    });
    const decision = engine.evaluate(input({ title: 'Something odd' }));
    expect(decision.category).toBe('general');
    expect(decision.priority).toBe('P5');
    expect(decision.reasons[0]?.rule).toBe('matrix:general[impact=medium][urgency=medium]');
  });

  test('through the kit, the most specific matrix decides the reported priority', async () => {
    const { kit } = createTestKit({
      priority: {
        matrices: [
          { name: 'payments', scope: { service: 'payments' }, table: uniform('P4') },
          { name: 'acme-payments', scope: { service: 'payments', tenant: 'acme' }, table: uniform('P1') },
        ],
      },
    });
    const report = { title: 'Payments fail', service: 'payments', reporter: REPORTER, impact: 'low', urgency: 'low' };
    expect((await kit.report(report)).priority).toBe('P4');
    expect((await kit.report({ ...report, tenant: 'acme' })).priority).toBe('P1');
    expect((await kit.report({ ...report, service: 'search' })).priority).toBe('P4');
  });
});

describe('ties between matrices', () => {
  test('two matrices of equal specificity that can both match are rejected at construction', () => {
    const paths = validationPaths(() =>
      createPriorityEngine({
        matrices: [
          { scope: { service: 'a' }, table: uniform('P3') },
          { scope: { tenant: 'x' }, table: uniform('P2') },
        ],
      }),
    );
    expect(paths).toEqual([['matrices', 1, 'scope']]);
  });

  test('two unscoped matrices tie', () => {
    const paths = validationPaths(() =>
      definePriorityPolicy({ matrices: [{ table: uniform('P3') }, { table: uniform('P4') }] }),
    );
    expect(paths).toEqual([['matrices', 1, 'scope']]);
  });

  test('service+tenant and service+environment tie: an incident can match both', () => {
    const paths = validationPaths(() =>
      createPriorityEngine({
        matrices: [
          { scope: { service: 'a', tenant: 'x' }, table: uniform('P3') },
          { scope: { service: 'a', environment: 'staging' }, table: uniform('P2') },
        ],
      }),
    );
    expect(paths).toEqual([['matrices', 1, 'scope']]);
  });

  test('matrices that cannot overlap are fine', () => {
    const engine = createPriorityEngine({
      defaultRules: false,
      matrices: [
        { scope: { service: 'a' }, table: uniform('P1') },
        { scope: { service: 'b' }, table: uniform('P5') },
        { scope: { service: 'a', environment: 'staging' }, table: uniform('P4') },
        { scope: { service: 'a', environment: 'production' }, table: uniform('P2') },
      ],
    });
    expect(engine.evaluate(input({ service: 'a', environment: 'test' })).priority).toBe('P1');
    expect(engine.evaluate(input({ service: 'b' })).priority).toBe('P5');
    expect(engine.evaluate(input({ service: 'a', environment: 'staging' })).priority).toBe('P4');
    expect(engine.evaluate(input({ service: 'a', environment: 'production' })).priority).toBe('P2');
  });

  test('createIncidentKit rejects a tie with the path under priority', () => {
    let thrown: unknown;
    try {
      createIncidentKit({
        priority: {
          matrices: [
            { scope: { service: 'a' }, table: uniform('P3') },
            { scope: { tenant: 'x' }, table: uniform('P2') },
          ],
        },
      });
    } catch (error) {
      thrown = error;
    }
    expect(ValidationError.isInstance(thrown)).toBe(true);
    expect((thrown as ValidationError).issues.map((i) => i.path)).toEqual([['priority', 'matrices', 1, 'scope']]);
  });
});

describe('custom level sets', () => {
  const FOUR = ['critical', 'high', 'medium', 'low'] as const;
  const table = {
    critical: { high: 'P1', medium: 'P1', low: 'P2' },
    high: { high: 'P1', medium: 'P2', low: 'P3' },
    medium: { high: 'P2', medium: 'P3', low: 'P4' },
    low: { high: 'P3', medium: 'P4', low: 'P5' },
  } as const;

  test('four impact levels with a complete table work, and the levels are published', () => {
    const engine = createPriorityEngine({ levels: { impact: FOUR }, matrices: [{ name: 'four', table }] });
    expect(engine.levels).toEqual({ impact: FOUR, urgency: ['high', 'medium', 'low'] });
    for (const impact of FOUR) {
      for (const urgency of ['high', 'medium', 'low'] as const) {
        const decision = engine.evaluate(input({ impact, urgency }));
        expect(decision.priority).toBe(table[impact][urgency]);
        expect(decision.reasons.at(-1)?.rule).toBe(`matrix:four[impact=${impact}][urgency=${urgency}]`);
      }
    }
  });

  test('the default users-affected rules use the custom levels: top and second', () => {
    const engine = createPriorityEngine({ levels: { impact: FOUR }, matrices: [{ table }] });
    expect(engine.evaluate(input({ impact: 'low', urgency: 'low', usersAffected: 1000 })).impact).toBe('critical');
    expect(engine.evaluate(input({ impact: 'low', urgency: 'low', usersAffected: 100 })).impact).toBe('high');
  });

  test('a missing cell is a ValidationError naming the cell', () => {
    const { high: _dropped, ...lowRow } = table.low;
    const paths = validationPaths(() =>
      createPriorityEngine({ levels: { impact: FOUR }, matrices: [{ table: { ...table, low: lowRow } }] }),
    );
    expect(paths).toEqual([['matrices', 0, 'table', 'low', 'high']]);
  });

  test('a missing row, and a level the policy does not have, are named too', () => {
    const { critical: _dropped, ...threeRows } = table;
    expect(
      validationPaths(() => createPriorityEngine({ levels: { impact: FOUR }, matrices: [{ table: threeRows }] })),
    ).toEqual([['matrices', 0, 'table', 'critical']]);
    const extra = { ...table, severe: table.low };
    expect(
      validationPaths(() => createPriorityEngine({ levels: { impact: FOUR }, matrices: [{ table: extra }] })),
    ).toEqual([['matrices', 0, 'table', 'severe']]);
    const badUrgency = { ...table, low: { ...table.low, urgent: 'P1' as const } };
    expect(
      validationPaths(() => createPriorityEngine({ levels: { impact: FOUR }, matrices: [{ table: badUrgency }] })),
    ).toEqual([['matrices', 0, 'table', 'low', 'urgent']]);
  });

  test('a scoped table is checked against the levels as well', () => {
    const paths = validationPaths(() =>
      createPriorityEngine({
        matrices: [{ scope: { service: 'a' }, table: { high: { high: 'P1', medium: 'P2', low: 'P3' } } }],
      }),
    );
    expect(paths).toEqual([
      ['matrices', 0, 'table', 'medium'],
      ['matrices', 0, 'table', 'low'],
    ]);
  });

  test('custom levels need an unscoped matrix; a level listed twice is refused', () => {
    expect(
      validationPaths(() =>
        createPriorityEngine({ levels: { impact: FOUR }, matrices: [{ scope: { service: 'a' }, table }] }),
      ),
    ).toEqual([['matrices']]);
    expect(validationPaths(() => definePriorityPolicy({ levels: { urgency: ['high', 'high'] } }))).toContainEqual([
      'levels',
      'urgency',
      1,
    ]);
  });

  test('an incomplete custom table fails at createIncidentKit with the cell under priority', () => {
    const { high: _dropped, ...lowRow } = table.low;
    let thrown: unknown;
    try {
      createIncidentKit({ priority: { levels: { impact: FOUR }, matrices: [{ table: { ...table, low: lowRow } }] } });
    } catch (error) {
      thrown = error;
    }
    expect(ValidationError.isInstance(thrown)).toBe(true);
    expect((thrown as ValidationError).issues.map((i) => i.path)).toEqual([
      ['priority', 'matrices', 0, 'table', 'low', 'high'],
    ]);
  });

  test('the kit accepts the custom levels and refuses others, writing nothing', async () => {
    const { kit } = createTestKit({ priority: { levels: { impact: FOUR }, matrices: [{ table }] } });
    const report = { title: 'Everything is down', service: 'shop', reporter: REPORTER, urgency: 'low' } as const;
    const incident = await kit.report({ ...report, impact: 'critical' });
    expect(incident).toMatchObject({ impact: 'critical', urgency: 'low', priority: 'P2', status: 'open' });
    const error = await rejection(kit.report({ ...report, impact: 'severe' }));
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([['impact']]);
    expect((await kit.list()).items).toHaveLength(1);
  });
});
