import { invalidInput, type ValidationError } from '../domain/errors.js';
import { type Level, PRIORITY_ORDER, type Priority } from '../domain/incident.js';
import type { Reason } from '../domain/timeline.js';
import { isBusinessTime } from '../sla/calendar.js';
import { type ConditionView, compileCondition, fieldsOf, type Predicate } from './conditions.js';
import { defaultPriorityRules, ITIL_MATRIX } from './defaults.js';
import {
  businessHoursCalendar,
  definePriorityPolicy,
  type Effect,
  type MatrixScope,
  type PriorityPolicyConfig,
  type PriorityPolicyDefinition,
} from './policy.js';
import type { FactNeeds, PriorityDecision, PriorityInput, PriorityPolicy } from './types.js';

/** A priority effect, precomputed for each priority it may meet (indexed like PRIORITY_ORDER). */
type Adjustment = readonly Reason[];

interface CompiledRule {
  reason: string;
  test: Predicate;
  /** Effects that apply at once (levels, category, labels, major). */
  effects: readonly Effect[];
  /** Priority effects (raise, lower, floor, cap), applied after the matrix. */
  adjustments: readonly Adjustment[];
}

interface CompiledMatrix {
  name: string;
  scope: readonly [keyof MatrixScope, string][];
  table: Readonly<Record<string, Readonly<Record<string, Priority>>>>;
  /** The reason of each cell, built once. */
  reasons: Readonly<Record<string, Readonly<Record<string, Reason>>>>;
}

interface CompiledCategory {
  reason: string;
  pattern: RegExp;
  category: string;
  subcategory: string | undefined;
}

const SCOPE_KEYS = ['service', 'tenant', 'environment', 'category'] as const;

function matrixName(scope: MatrixScope): string {
  const parts = SCOPE_KEYS.filter((k) => scope[k] !== undefined).map((k) => `${k}=${scope[k]}`);
  return parts.length === 0 ? 'default' : parts.join(',');
}

function cellReasons(
  name: string,
  policy: string,
  table: CompiledMatrix['table'],
): Record<string, Record<string, Reason>> {
  const reasons: Record<string, Record<string, Reason>> = {};
  for (const [impact, row] of Object.entries(table)) {
    reasons[impact] = {};
    for (const [urgency, priority] of Object.entries(row)) {
      // Shared by every decision that uses the cell, so frozen.
      (reasons[impact] as Record<string, Reason>)[urgency] = Object.freeze({
        rule: `matrix:${name}[impact=${impact}][urgency=${urgency}]`,
        detail: `Impact ${impact} and urgency ${urgency} give ${priority} in the ${name} matrix of policy ${policy}`,
        field: 'priority',
        after: priority,
      });
    }
  }
  return reasons;
}

function compileMatrices(def: PriorityPolicyDefinition): CompiledMatrix[] {
  const matrix = (name: string, scope: CompiledMatrix['scope'], table: CompiledMatrix['table']): CompiledMatrix => ({
    name,
    scope,
    table,
    reasons: cellReasons(name, def.name, table),
  });
  const matrices: CompiledMatrix[] = def.matrices.map((m) =>
    matrix(
      m.name ?? matrixName(m.scope),
      SCOPE_KEYS.filter((k) => m.scope[k] !== undefined).map((k) => [k, m.scope[k] as string] as const),
      m.table,
    ),
  );
  if (!matrices.some((m) => m.scope.length === 0)) matrices.push(matrix('itil', [], ITIL_MATRIX));
  // Most specific first; construction rejected ties, so the first match is the only best one.
  return matrices.sort((a, b) => b.scope.length - a.scope.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compileCategories(def: PriorityPolicyDefinition): CompiledCategory[] {
  return def.categories.map((c) => ({
    reason: `category:${c.id}`,
    pattern: c.pattern
      ? new RegExp(c.pattern, 'i')
      : new RegExp(`(?<!\\w)(?:${(c.keywords ?? []).map(escapeRegExp).join('|')})(?!\\w)`, 'i'),
    category: c.category,
    subcategory: c.subcategory,
  }));
}

function factNeeds(def: PriorityPolicyDefinition, fields: Set<string>): FactNeeds {
  const needs: FactNeeds = {};
  if (fields.has('facts.recentSimilar')) needs.recentSimilarWindowMs = def.facts.recentSimilarWindow;
  if (fields.has('facts.slaTier')) {
    const { slaTiers, defaultSlaTier } = def.facts;
    needs.slaTier = (tenant) => (tenant !== undefined ? slaTiers[tenant] : undefined) ?? defaultSlaTier;
  }
  const hours = def.facts.businessHours;
  if (fields.has('facts.businessHours') && hours) {
    const calendar = businessHoursCalendar(hours);
    needs.businessHours = (now) => isBusinessTime(now, calendar);
  }
  return needs;
}

/**
 * Compiles a priority policy into an engine: conditions become closures once, and `evaluate`
 * is synchronous. Pass the engine (or the policy data itself) to `createIncidentKit({ priority })`.
 * Throws `ValidationError` for a bad policy, with paths such as `rules[3].when.field`.
 *
 * Evaluation, in order: category suggestion (only when the report left the category out), the
 * rules in order (their level, category, label and major effects apply at once, so later rules
 * see them), the most specific matching matrix, then the rules' priority effects (raise, lower,
 * floor, cap) in rule order. Every step that matched is a reason with its before and after.
 */
export function createPriorityEngine(config: PriorityPolicyConfig = {}): PriorityPolicy {
  const def = definePriorityPolicy(config);
  const ruleSpecs = [...(def.defaultRules ? defaultPriorityRules(def.levels.impact) : []), ...def.rules];
  const rules: CompiledRule[] = ruleSpecs.map((r) => {
    const reason = `rule:${r.id}`;
    const effects = r.effects as readonly Effect[];
    return {
      reason,
      test: typeof r.when === 'function' ? (r.when as Predicate) : compileCondition(r.when),
      effects: effects.filter((e) => !isAdjustment(e)),
      adjustments: effects.filter(isAdjustment).map((e) => compileAdjustment(reason, e)),
    };
  });
  // The facts rules read; a function condition may read any, so it gets every configured one.
  const fields = new Set<string>();
  for (const r of ruleSpecs) {
    if (typeof r.when !== 'function') fieldsOf(r.when, fields);
    else for (const fact of ['facts.recentSimilar', 'facts.slaTier', 'facts.businessHours']) fields.add(fact);
  }
  const matrices = compileMatrices(def);
  const categories = compileCategories(def);
  const impactRank = new Map(def.levels.impact.map((level, i) => [level, i]));
  const urgencyRank = new Map(def.levels.urgency.map((level, i) => [level, i]));
  const policyName = def.name;
  const unprioritized = {
    impact: Object.freeze({
      rule: `${policyName}:unprioritized`,
      detail: 'No impact yet: the incident cannot be prioritized',
    }),
    urgency: Object.freeze({
      rule: `${policyName}:unprioritized`,
      detail: 'No urgency yet: the incident cannot be prioritized',
    }),
  };
  // Every outcome of a level effect, for each value the field may have before it: built once.
  const outcomes = new Map<LevelEffect, Map<Level | null, LevelOutcome>>();
  function levelOutcomes(rule: CompiledRule, effect: LevelEffect): Map<Level | null, LevelOutcome> {
    let table = outcomes.get(effect);
    if (!table) {
      const isImpact = effect.type === 'setImpact' || effect.type === 'raiseImpact';
      const field = isImpact ? 'impact' : 'urgency';
      const rank = isImpact ? impactRank : urgencyRank;
      table = new Map(
        [null, ...rank.keys()].map((before) => [before, levelOutcome(field, effect, rank, rule.reason, before)]),
      );
      outcomes.set(effect, table);
    }
    return table;
  }
  // The reasons of major effects, by rule, by what it was before, by mode: built once.
  const majorReasons = new Map<string, Record<string, Record<'automatic' | 'candidate', Reason>>>();
  for (const rule of rules) {
    const from = (before: string | undefined) => ({
      automatic: Object.freeze(change(rule.reason, 'major', before, 'automatic', 'declares the incident major')),
      candidate: Object.freeze(change(rule.reason, 'major', before, 'candidate', 'suggests declaring it major')),
    });
    majorReasons.set(rule.reason, {
      none: from(undefined),
      candidate: from('candidate'),
      automatic: from('automatic'),
    });
  }

  function unknownLevel(axis: 'impact' | 'urgency', level: Level): ValidationError {
    return invalidInput(
      'priority input',
      [axis],
      `"${level}" is not one of policy ${policyName}'s ${axis} levels`,
      level,
    );
  }

  function evaluate(input: PriorityInput): PriorityDecision {
    if (input.impact !== null && !impactRank.has(input.impact)) throw unknownLevel('impact', input.impact);
    if (input.urgency !== null && !urgencyRank.has(input.urgency)) throw unknownLevel('urgency', input.urgency);
    const reasons: Reason[] = [];
    // Every key in one order: one hidden class for all views, so the getters stay monomorphic.
    const view: ConditionView = {
      impact: input.impact,
      urgency: input.urgency,
      title: input.title,
      description: input.description,
      service: input.service,
      environment: input.environment,
      tenant: input.tenant,
      category: input.category,
      subcategory: input.subcategory,
      usersAffected: input.usersAffected,
      severity: input.severity,
      source: input.source,
      reporterKind: input.reporterKind,
      flags: input.flags,
      labels: input.labels,
      custom: input.custom,
      facts: input.facts,
    };
    if (view.category === undefined) {
      suggestCategory(view, reasons);
      view.category ??= 'general';
    }
    let major: PriorityDecision['major'] = null;
    const labels: string[] = [];
    let matched: CompiledRule[] | undefined;
    for (const rule of rules) {
      if (!rule.test(view)) continue;
      if (rule.adjustments.length > 0) {
        matched ??= [];
        matched.push(rule);
      }
      for (const effect of rule.effects) {
        switch (effect.type) {
          case 'setImpact':
          case 'raiseImpact':
          case 'setUrgency':
          case 'raiseUrgency': {
            const field = effect.type === 'setImpact' || effect.type === 'raiseImpact' ? 'impact' : 'urgency';
            const outcome = levelOutcomes(rule, effect).get(view[field]) as LevelOutcome;
            reasons.push(outcome.reason);
            view[field] = outcome.after;
            break;
          }
          case 'setCategory':
            reasons.push(change(rule.reason, 'category', view.category, effect.category, 'sets the category'));
            view.category = effect.category;
            view.subcategory = effect.subcategory;
            break;
          case 'addLabels':
            for (const label of effect.labels) if (!labels.includes(label)) labels.push(label);
            // Later rules see the labels (the input's array is never mutated).
            view.labels = [...input.labels, ...labels.filter((l) => !input.labels.includes(l))];
            reasons.push({ rule: rule.reason, detail: `adds labels ${effect.labels.join(', ')}`, field: 'labels' });
            break;
          case 'major':
            if (effect.mode === 'automatic' || major === null) {
              reasons.push(majorReasons.get(rule.reason)?.[major ?? 'none']?.[effect.mode] as Reason);
              major = effect.mode;
            }
            break;
        }
      }
    }
    if (major === 'candidate' && !labels.includes('major-candidate')) labels.push('major-candidate');
    const { impact, urgency, category, subcategory } = view;
    if (impact === null || urgency === null) {
      reasons.push(impact === null ? unprioritized.impact : unprioritized.urgency);
      return { priority: null, impact, urgency, major, category, subcategory, labels, reasons };
    }
    const matrix = selectMatrix(view);
    let priority = matrix.table[impact]?.[urgency] as Priority | undefined;
    if (priority === undefined) {
      throw impactRank.has(impact) ? unknownLevel('urgency', urgency) : unknownLevel('impact', impact);
    }
    reasons.push(matrix.reasons[impact]?.[urgency] as Reason);
    if (matched) {
      for (const rule of matched) {
        for (const adjustment of rule.adjustments) {
          const reason = adjustment[PRIORITY_ORDER.indexOf(priority)] as Reason;
          reasons.push(reason);
          priority = reason.after as Priority;
        }
      }
    }
    return { priority, impact, urgency, major, category, subcategory, labels, reasons };
  }

  function suggestCategory(view: ConditionView, reasons: Reason[]): void {
    for (const c of categories) {
      if (c.pattern.test(view.title) || c.pattern.test(view.description)) {
        reasons.push(change(c.reason, 'category', undefined, c.category, 'suggests the category from the text'));
        view.category = c.category;
        view.subcategory = c.subcategory;
        return;
      }
    }
  }

  function selectMatrix(view: ConditionView): CompiledMatrix {
    for (const matrix of matrices) {
      let matches = true;
      for (const [key, value] of matrix.scope) {
        if (view[key] !== value) {
          matches = false;
          break;
        }
      }
      if (matches) return matrix;
    }
    return matrices[matrices.length - 1] as CompiledMatrix; // the unscoped one always matches
  }

  return { name: policyName, levels: def.levels, facts: factNeeds(def, fields), evaluate };
}

function change(rule: string, field: string, before: string | undefined, after: string, what: string): Reason {
  const from = before === undefined ? '' : ` from ${before}`;
  const reason: Reason = { rule, detail: `${what}${from} to ${after}`, field, after };
  if (before !== undefined) reason.before = before;
  return reason;
}

type LevelEffect = Extract<Effect, { type: 'setImpact' | 'setUrgency' | 'raiseImpact' | 'raiseUrgency' }>;

/** A level effect's reason and resulting level for one value before it. */
interface LevelOutcome {
  reason: Reason;
  after: Level | null;
}

function levelOutcome(
  field: 'impact' | 'urgency',
  effect: LevelEffect,
  rank: ReadonlyMap<Level, number>,
  rule: string,
  before: Level | null,
): LevelOutcome {
  const target = 'level' in effect ? effect.level : effect.to;
  const raising = !('level' in effect);
  if (raising && before !== null && (rank.get(before) ?? Number.POSITIVE_INFINITY) <= (rank.get(target) ?? 0)) {
    const detail = `${field} is already ${before}, at least ${target} (no change)`;
    return { reason: Object.freeze({ rule, detail, field, before, after: before }), after: before };
  }
  const what = raising ? `raises ${field}` : `sets ${field}`;
  return { reason: Object.freeze(change(rule, field, before ?? undefined, target, what)), after: target };
}

type AdjustmentEffect = Extract<Effect, { type: 'raise' | 'lower' | 'floor' | 'cap' }>;

function isAdjustment(effect: Effect): effect is AdjustmentEffect {
  return effect.type === 'raise' || effect.type === 'lower' || effect.type === 'floor' || effect.type === 'cap';
}

/** The reason (and so the resulting priority) of a priority effect for each priority it may meet. */
function compileAdjustment(rule: string, effect: AdjustmentEffect): Adjustment {
  const last = PRIORITY_ORDER.length - 1;
  let what: string;
  let move: (rank: number) => number;
  if ('by' in effect) {
    const by = effect.by;
    what = `${effect.type === 'raise' ? 'raises' : 'lowers'} the priority by ${by}`;
    move = effect.type === 'raise' ? (rank) => Math.max(0, rank - by) : (rank) => Math.min(last, rank + by);
  } else {
    const bound = PRIORITY_ORDER.indexOf(effect.priority);
    const floor = effect.type === 'floor';
    what = `keeps the priority at ${effect.priority} or ${floor ? 'more' : 'less'} urgent`;
    move = floor ? (rank) => Math.min(rank, bound) : (rank) => Math.max(rank, bound);
  }
  return PRIORITY_ORDER.map((priority, rank) => {
    const next = move(rank);
    const after = PRIORITY_ORDER[next] as Priority;
    const detail = after === priority ? `${what}: stays ${priority}` : `${what}: ${priority} -> ${after}`;
    return Object.freeze({ rule, detail, field: 'priority', before: priority, after });
  });
}

/** The built-in policy: the ITIL impact x urgency matrix and the default rules. */
export function itilPriorityPolicy(): PriorityPolicy {
  return createPriorityEngine({ name: 'itil' });
}
