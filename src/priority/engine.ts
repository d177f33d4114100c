import { Temporal } from 'temporal-polyfill';
import { ValidationError } from '../domain/errors.js';
import { type Level, PRIORITY_ORDER, type Priority } from '../domain/incident.js';
import type { Reason } from '../domain/timeline.js';
import { type ConditionView, compileCondition, fieldsOf, type Predicate } from './conditions.js';
import { defaultPriorityRules, ITIL_MATRIX } from './defaults.js';
import {
  definePriorityPolicy,
  type Effect,
  type MatrixScope,
  type PriorityPolicyConfig,
  type PriorityPolicyDefinition,
} from './policy.js';
import type { FactNeeds, PriorityDecision, PriorityInput, PriorityPolicy } from './types.js';

interface CompiledRule {
  reason: string;
  test: Predicate;
  effects: readonly Effect[];
}

interface CompiledMatrix {
  name: string;
  scope: readonly [keyof MatrixScope, string][];
  table: Readonly<Record<string, Readonly<Record<string, Priority>>>>;
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

function compileMatrices(def: PriorityPolicyDefinition): CompiledMatrix[] {
  const matrices: CompiledMatrix[] = def.matrices.map((m) => ({
    name: m.name ?? matrixName(m.scope),
    scope: SCOPE_KEYS.filter((k) => m.scope[k] !== undefined).map((k) => [k, m.scope[k] as string] as const),
    table: m.table,
  }));
  if (!matrices.some((m) => m.scope.length === 0)) matrices.push({ name: 'itil', scope: [], table: ITIL_MATRIX });
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
      : new RegExp(`\\b(?:${(c.keywords ?? []).map(escapeRegExp).join('|')})\\b`, 'i'),
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
    const days = new Set(hours.days);
    const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
    const [start, end] = [minutes(hours.start), minutes(hours.end)];
    needs.businessHours = (now) => {
      const local = Temporal.Instant.fromEpochMilliseconds(now).toZonedDateTimeISO(hours.timeZone);
      const minute = local.hour * 60 + local.minute;
      return days.has(local.dayOfWeek) && minute >= start && minute < end;
    };
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
  const rules: CompiledRule[] = ruleSpecs.map((r) => ({
    reason: `rule:${r.id}`,
    test: typeof r.when === 'function' ? (r.when as Predicate) : compileCondition(r.when),
    effects: r.effects as readonly Effect[],
  }));
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

  function evaluate(input: PriorityInput): PriorityDecision {
    const reasons: Reason[] = [];
    const view: ConditionView = { ...input };
    if (view.category === undefined) {
      suggestCategory(view, reasons);
      view.category ??= 'general';
    }
    let major: PriorityDecision['major'] = null;
    const labels: string[] = [];
    let adjustments: [string, Effect][] | undefined;
    for (const rule of rules) {
      if (!rule.test(view)) continue;
      for (const effect of rule.effects) {
        switch (effect.type) {
          case 'setImpact':
          case 'raiseImpact':
            setLevel(view, 'impact', effect, impactRank, rule.reason, reasons);
            break;
          case 'setUrgency':
          case 'raiseUrgency':
            setLevel(view, 'urgency', effect, urgencyRank, rule.reason, reasons);
            break;
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
              reasons.push(change(rule.reason, 'major', major ?? 'no', effect.mode, 'marks the incident major'));
              major = effect.mode;
            }
            break;
          default:
            adjustments ??= [];
            adjustments.push([rule.reason, effect]);
        }
      }
    }
    if (major === 'candidate' && !labels.includes('major-candidate')) labels.push('major-candidate');
    const category = view.category;
    const base = { impact: view.impact, urgency: view.urgency, major, category, subcategory: view.subcategory, labels };
    if (view.impact === null || view.urgency === null) {
      const missing = view.impact === null ? 'impact' : 'urgency';
      reasons.push({
        rule: `${policyName}:unprioritized`,
        detail: `No ${missing} yet: the incident cannot be prioritized`,
      });
      return { ...base, priority: null, reasons };
    }
    const matrix = selectMatrix(view);
    let priority = matrix.table[view.impact]?.[view.urgency] as Priority | undefined;
    if (priority === undefined) {
      const axis = impactRank.has(view.impact) ? 'urgency' : 'impact';
      throw new ValidationError('priority input', [
        {
          code: 'custom',
          path: [axis],
          message: `"${view[axis]}" is not one of policy ${policyName}'s ${axis} levels`,
          input: view[axis],
        },
      ]);
    }
    reasons.push({
      rule: `matrix:${matrix.name}[impact=${view.impact}][urgency=${view.urgency}]`,
      detail: `Impact ${view.impact} and urgency ${view.urgency} give ${priority} in the ${matrix.name} matrix of policy ${policyName}`,
      field: 'priority',
      after: priority,
    });
    if (adjustments) for (const [reason, effect] of adjustments) priority = adjust(priority, reason, effect, reasons);
    return { ...base, priority, reasons };
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

function setLevel(
  view: ConditionView,
  field: 'impact' | 'urgency',
  effect: Extract<Effect, { type: 'setImpact' | 'setUrgency' | 'raiseImpact' | 'raiseUrgency' }>,
  rank: ReadonlyMap<Level, number>,
  rule: string,
  reasons: Reason[],
): void {
  const before = view[field];
  const target = 'level' in effect ? effect.level : effect.to;
  const raising = !('level' in effect);
  if (raising && before !== null && (rank.get(before) ?? Number.POSITIVE_INFINITY) <= (rank.get(target) ?? 0)) {
    reasons.push({
      rule,
      detail: `${field} is already ${before}, at least ${target} (no change)`,
      field,
      before,
      after: before,
    });
    return;
  }
  reasons.push(change(rule, field, before ?? undefined, target, raising ? `raises ${field}` : `sets ${field}`));
  view[field] = target;
}

function adjust(priority: Priority, rule: string, effect: Effect, reasons: Reason[]): Priority {
  const rank = PRIORITY_ORDER.indexOf(priority);
  let next = rank;
  let what: string;
  switch (effect.type) {
    case 'raise':
      next = Math.max(0, rank - effect.by);
      what = `raises the priority by ${effect.by}`;
      break;
    case 'lower':
      next = Math.min(PRIORITY_ORDER.length - 1, rank + effect.by);
      what = `lowers the priority by ${effect.by}`;
      break;
    case 'floor':
      next = Math.min(rank, PRIORITY_ORDER.indexOf(effect.priority));
      what = `keeps the priority at ${effect.priority} or more urgent`;
      break;
    case 'cap':
      next = Math.max(rank, PRIORITY_ORDER.indexOf(effect.priority));
      what = `keeps the priority at ${effect.priority} or less urgent`;
      break;
    default:
      return priority;
  }
  const after = PRIORITY_ORDER[next] as Priority;
  const detail = after === priority ? `${what}: stays ${priority}` : `${what}: ${priority} -> ${after}`;
  reasons.push({ rule, detail, field: 'priority', before: priority, after });
  return after;
}

/** The built-in policy: the ITIL impact x urgency matrix and the default rules. */
export function itilPriorityPolicy(): PriorityPolicy {
  return createPriorityEngine({ name: 'itil' });
}
