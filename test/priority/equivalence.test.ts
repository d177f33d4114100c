/**
 * Equivalence of the priority engine with an independent reference on a realistic 50-rule policy
 * (bench/fixtures/fifty-rules.ts): json-rules-engine decides which rules fire, in order, on the
 * evolving input, and a straightforward reference applies the effects and picks the matrix
 * (bench/fixtures/json-rules.ts, shared with the benchmark). 10,000 seeded random inputs.
 */
import { isDeepStrictEqual } from 'node:util';
import { type Condition, createPriorityEngine, type PriorityDecision, type PriorityInput } from 'incidentkit';
import { describe, expect, test } from 'vitest';
import { FIFTY_RULES, randomPriorityInputs } from '../../bench/fixtures/fifty-rules.js';
import { createJsonRulesPolicy, type ReferenceDecision } from '../../bench/fixtures/json-rules.js';

const COUNT = Number(process.env.EQUIVALENCE_COUNT ?? 10_000);
const rules = FIFTY_RULES.rules ?? [];

function pick(d: PriorityDecision | ReferenceDecision) {
  const { priority, impact, urgency, major, category, subcategory, labels } = d;
  return { priority, impact, urgency, major, category, subcategory, labels };
}

function walk(condition: Condition, visit: (c: Condition, depth: number) => void, depth = 1): void {
  visit(condition, depth);
  if ('all' in condition) for (const c of condition.all) walk(c, visit, depth + 1);
  else if ('any' in condition) for (const c of condition.any) walk(c, visit, depth + 1);
  else if ('not' in condition) walk(condition.not, visit, depth + 1);
}

describe('the 50-rule fixture', () => {
  test('has 50 declarative rules using every operator, combinator, effect and kind of field', () => {
    expect(rules).toHaveLength(50);
    const ops = new Set<string>();
    const kinds = new Set<string>();
    const fields = new Set<string>();
    let depth = 0;
    for (const rule of rules) {
      if (typeof rule.when === 'function') throw new Error(`${rule.id} is not declarative`);
      walk(rule.when, (c, d) => {
        depth = Math.max(depth, d);
        if ('all' in c) kinds.add('all');
        else if ('any' in c) kinds.add('any');
        else if ('not' in c) kinds.add('not');
        else {
          ops.add(c.op);
          fields.add(c.field);
        }
      });
    }
    const effects = new Set(
      rules.flatMap((r) => r.effects.map((e) => (e.type === 'major' ? `major:${e.mode}` : e.type))),
    );
    expect([...ops].sort()).toEqual(['equals', 'exists', 'gte', 'in', 'lte', 'matches']);
    expect([...kinds].sort()).toEqual(['all', 'any', 'not']);
    expect(depth).toBeGreaterThanOrEqual(4);
    for (const field of [
      'custom.region',
      'custom.plan',
      'facts.slaTier',
      'facts.businessHours',
      'facts.recentSimilar',
    ]) {
      expect(fields).toContain(field);
    }
    expect([...effects].sort()).toEqual(
      [
        'addLabels',
        'cap',
        'floor',
        'lower',
        'major:automatic',
        'major:candidate',
        'raise',
        'raiseImpact',
        'raiseUrgency',
        'setCategory',
        'setImpact',
        'setUrgency',
      ].sort(),
    );
  });
});

describe('engine vs json-rules-engine reference', () => {
  const inputs = randomPriorityInputs(COUNT);
  const engine = createPriorityEngine(FIFTY_RULES);
  const reference = createJsonRulesPolicy(FIFTY_RULES);

  test('the reference harness: one engine with rule priorities = one engine per rule, in turn', async () => {
    for (const input of inputs.slice(0, 300)) {
      expect(await reference.evaluate(input)).toEqual(await reference.evaluateOneByOne(input));
    }
  });

  test(`${COUNT} random inputs: same priority, impact, urgency, major, category, labels`, async () => {
    const started = performance.now();
    const mismatches: { index: number; input: PriorityInput; engine: unknown; reference: unknown }[] = [];
    const unfired: { index: number; id: string }[] = [];
    const fired = new Map<string, number>();
    const matrices = new Map<string, number>();
    const priorities = new Map<string, number>();
    for (const [index, input] of inputs.entries()) {
      const decision = engine.evaluate(input);
      const expected = await reference.evaluate(input);
      if (!isDeepStrictEqual(pick(decision), pick(expected))) {
        mismatches.push({ index, input, engine: pick(decision), reference: pick(expected) });
      }
      // Every rule named in the engine's reasons fired in the reference.
      for (const reason of decision.reasons) {
        const id = reason.rule.slice('rule:'.length);
        if (reason.rule.startsWith('rule:') && !expected.fired.includes(id)) unfired.push({ index, id });
        if (reason.rule.startsWith('matrix:')) {
          const name = reason.rule.slice('matrix:'.length, reason.rule.indexOf('['));
          matrices.set(name, (matrices.get(name) ?? 0) + 1);
        }
      }
      for (const id of expected.fired) fired.set(id, (fired.get(id) ?? 0) + 1);
      const p = String(decision.priority);
      priorities.set(p, (priorities.get(p) ?? 0) + 1);
    }
    const ms = performance.now() - started;
    console.log(
      `equivalence: ${COUNT} inputs in ${(ms / 1000).toFixed(2)} s, ${mismatches.length} mismatches; priorities ${JSON.stringify(Object.fromEntries([...priorities].sort()))}; matrices ${JSON.stringify(Object.fromEntries(matrices))}`,
    );
    expect(mismatches.slice(0, 3)).toEqual([]);
    expect(unfired.slice(0, 3)).toEqual([]);
    // The inputs exercise every rule, every matrix and every outcome.
    expect(rules.filter((r) => !fired.has(r.id)).map((r) => r.id)).toEqual([]);
    expect([...matrices.keys()].sort()).toEqual(
      ['acme', 'globex-card-processing', 'itil', 'service=payments,environment=production'].sort(),
    );
    expect([...priorities.keys()].sort()).toEqual(['P1', 'P2', 'P3', 'P4', 'P5', 'null']);
  }, 120_000);
});

describe('labels added by rules', () => {
  // engine.ts documents that label effects "apply at once, so later rules see them". The 50-rule
  // fixture keeps its `labels` rules before any rule that adds labels, so this pins it down.
  test('a label added by a rule is seen by a later rule reading `labels`', () => {
    const engine = createPriorityEngine({
      defaultRules: false,
      rules: [
        {
          id: 'tag-payments',
          when: { field: 'service', op: 'equals', value: 'payments' },
          effects: [{ type: 'addLabels', labels: ['revenue'] }],
        },
        {
          id: 'revenue-floor',
          when: { field: 'labels', op: 'equals', value: 'revenue' },
          effects: [{ type: 'floor', priority: 'P2' }],
        },
      ],
    });
    const [input] = randomPriorityInputs(1);
    const decision = engine.evaluate({ ...input!, service: 'payments', impact: 'low', urgency: 'low', labels: [] });
    expect(decision.labels).toContain('revenue');
    expect(decision.priority).toBe('P2');
  });
});
