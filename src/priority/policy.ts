import { z } from 'zod';
import { DurationSchema } from '../domain/duration.js';
import { customIssue, parseInput, ValidationError } from '../domain/errors.js';
import { DEFAULT_LEVELS, type Level, LevelSchema, type Priority, PrioritySchema } from '../domain/incident.js';
import { scopeTies, specificity } from '../domain/scope.js';
import { type Calendar, defineCalendar, WEEKDAYS } from '../sla/calendar.js';
import { type Condition, ConditionSchema, type FieldCondition, fieldsOf, RegExpSourceSchema } from './conditions.js';
import type { PriorityInput } from './types.js';

/** What a matching rule does. Effects on priority apply after the matrix, in rule order. */
export type Effect =
  /** Set impact (or urgency) to a level of the policy. */
  | { type: 'setImpact' | 'setUrgency'; level: Level }
  /** Raise impact (or urgency) to at least this level; never lowers it. */
  | { type: 'raiseImpact' | 'raiseUrgency'; to: Level }
  /** Make the priority `by` steps more (raise) or less (lower) urgent: P3 raised by 1 is P2. */
  | { type: 'raise' | 'lower'; by: number }
  /** At least this urgent (`floor: P2` turns P3 into P2) or at most (`cap: P3` turns P1 into P3). */
  | { type: 'floor' | 'cap'; priority: Priority }
  /** Declare the incident major (`automatic`) or suggest it (`candidate`, adds the `major-candidate` label). */
  | { type: 'major'; mode: 'automatic' | 'candidate' }
  | { type: 'addLabels'; labels: readonly string[] }
  | { type: 'setCategory'; category: string; subcategory?: string };

/** A rule: when the condition holds, the effects apply. */
export interface PriorityRule {
  /** Stable id, named in the reasons (`rule:<id>`). */
  id: string;
  description?: string;
  /** A declarative condition, or a function for what data cannot say. */
  when: Condition | ((input: PriorityInput) => boolean);
  effects: readonly Effect[];
}

/** Which incidents a matrix applies to; every key given must match. More keys = more specific. */
export interface MatrixScope {
  service?: string | undefined;
  tenant?: string | undefined;
  environment?: string | undefined;
  category?: string | undefined;
}

/** An impact x urgency table, used where its scope matches. */
export interface PriorityMatrix {
  /** Named in the reasons; defaults to its scope, e.g. `service=payments,tenant=acme`. */
  name?: string;
  scope?: MatrixScope;
  /** `table[impact][urgency]`; every cell of the level sets is required. */
  table: Readonly<Record<string, Readonly<Record<string, Priority>>>>;
}

/** Category suggestion: when the title or description matches, set the category. */
export interface CategoryRule {
  id: string;
  /** Any of these words (case-insensitive, whole words) in the title or description. */
  keywords?: readonly string[];
  /** Or this regular expression (case-insensitive). */
  pattern?: string;
  category: string;
  subcategory?: string;
}

/** A policy as data: `definePriorityPolicy()` validates it; `createPriorityEngine()` compiles it. */
export interface PriorityPolicyConfig {
  /** Named in the reasons. Default `custom`. */
  name?: string;
  /** Impact and urgency levels, most severe first. Default high, medium, low. */
  levels?: { impact?: readonly string[]; urgency?: readonly string[] };
  /** Tables by scope. Without an unscoped table, the default levels use the ITIL matrix. */
  matrices?: readonly PriorityMatrix[];
  /** Your rules, in order, after the default rules. */
  rules?: readonly PriorityRule[];
  /** Include the built-in rules (`defaultPriorityRules()`). Default true. */
  defaultRules?: boolean;
  /** Category suggestion for reports that leave the category out; first match wins. */
  categories?: readonly CategoryRule[];
  /** Settings of the derived facts rules can read. */
  facts?: {
    /** `facts.recentSimilar` counts open incidents on the service reported within this window. Default 30 min. */
    recentSimilarWindow?: number | string;
    /** `facts.slaTier` by tenant. */
    slaTiers?: Readonly<Record<string, string>>;
    /** `facts.slaTier` of tenants not in `slaTiers` (and of incidents without a tenant). */
    defaultSlaTier?: string;
    /** `facts.businessHours`: a weekly window in an IANA time zone. */
    businessHours?: { timeZone: string; days?: readonly number[]; start: string; end: string };
  };
}

const PriorityRuleEffectSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.enum(['setImpact', 'setUrgency']), level: LevelSchema }),
  z.strictObject({ type: z.enum(['raiseImpact', 'raiseUrgency']), to: LevelSchema }),
  z.strictObject({ type: z.enum(['raise', 'lower']), by: z.number().int().min(1).max(4) }),
  z.strictObject({ type: z.enum(['floor', 'cap']), priority: PrioritySchema }),
  z.strictObject({ type: z.literal('major'), mode: z.enum(['automatic', 'candidate']) }),
  z.strictObject({ type: z.literal('addLabels'), labels: z.array(z.string().trim().min(1).max(200)).min(1) }),
  z.strictObject({
    type: z.literal('setCategory'),
    category: z.string().trim().min(1),
    subcategory: z.string().trim().min(1).optional(),
  }),
]);

const RuleSchema = z.strictObject({
  id: z.string().trim().min(1).max(200),
  description: z.string().optional(),
  /** A function, or a declarative condition whose issues keep their exact paths. */
  when: z.custom<Condition | ((input: PriorityInput) => boolean)>().check((ctx) => {
    if (typeof ctx.value === 'function') return;
    const result = ConditionSchema.safeParse(ctx.value);
    if (!result.success)
      for (const issue of result.error.issues) ctx.issues.push({ ...issue, input: ctx.value } as never);
  }),
  effects: z.array(PriorityRuleEffectSchema).min(1),
});

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Zod schema of a {@link PriorityPolicyConfig}; `definePriorityPolicy()` adds the cross-field checks. */
export const PriorityPolicySchema = z.strictObject({
  name: z.string().trim().min(1).max(100).default('custom'),
  levels: z
    .strictObject({
      impact: z.array(LevelSchema).min(2).max(10).optional(),
      urgency: z.array(LevelSchema).min(2).max(10).optional(),
    })
    .default({}),
  matrices: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1).optional(),
        scope: z
          .strictObject({
            service: z.string().trim().min(1).optional(),
            tenant: z.string().trim().min(1).optional(),
            environment: z.string().trim().min(1).optional(),
            category: z.string().trim().min(1).optional(),
          })
          .default({}),
        table: z.record(z.string(), z.record(z.string(), PrioritySchema)),
      }),
    )
    .default([]),
  rules: z.array(RuleSchema).default([]),
  defaultRules: z.boolean().default(true),
  categories: z
    .array(
      z
        .strictObject({
          id: z.string().trim().min(1),
          keywords: z.array(z.string().trim().min(1)).min(1).optional(),
          pattern: RegExpSourceSchema.optional(),
          category: z.string().trim().min(1),
          subcategory: z.string().trim().min(1).optional(),
        })
        .refine((c) => c.keywords !== undefined || c.pattern !== undefined, {
          message: 'Give keywords or a pattern',
        }),
    )
    .default([]),
  facts: z
    .strictObject({
      recentSimilarWindow: DurationSchema.pipe(z.number().min(1_000, 'Must be at least 1 second (PT1S)')).default(
        30 * 60_000,
      ),
      slaTiers: z.record(z.string(), z.string().min(1)).default({}),
      defaultSlaTier: z.string().min(1).optional(),
      businessHours: z
        .strictObject({
          timeZone: z.string().min(1),
          days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
          start: z.string().regex(TIME, 'Expected HH:MM'),
          end: z.string().regex(TIME, 'Expected HH:MM'),
        })
        .optional(),
    })
    .default({ recentSimilarWindow: 30 * 60_000, slaTiers: {} }),
});

/** A validated policy: what `createPriorityEngine()` compiles. */
export type PriorityPolicyDefinition = Omit<z.output<typeof PriorityPolicySchema>, 'levels'> & {
  levels: { impact: readonly Level[]; urgency: readonly Level[] };
};

type Issue = z.core.$ZodIssue;

const DEFAULT_LEVELS_REF: readonly Level[] = DEFAULT_LEVELS;

function checkLevels(def: PriorityPolicyDefinition, issues: Issue[]): void {
  for (const axis of ['impact', 'urgency'] as const) {
    const seen = new Set<string>();
    def.levels[axis].forEach((level, i) => {
      if (seen.has(level)) issues.push(customIssue(['levels', axis, i], `Level "${level}" is listed twice`, level));
      seen.add(level);
    });
  }
  const impact = new Set(def.levels.impact);
  const urgency = new Set(def.levels.urgency);
  def.matrices.forEach((matrix, m) => {
    for (const i of def.levels.impact) {
      const row = matrix.table[i];
      if (!row) {
        issues.push(customIssue(['matrices', m, 'table', i], `Missing row for impact "${i}"`));
        continue;
      }
      for (const u of def.levels.urgency) {
        if (row[u] === undefined) {
          issues.push(customIssue(['matrices', m, 'table', i, u], `Missing cell impact "${i}" x urgency "${u}"`));
        }
      }
      for (const u of Object.keys(row)) {
        if (!urgency.has(u))
          issues.push(customIssue(['matrices', m, 'table', i, u], `Unknown urgency level "${u}"`, u));
      }
    }
    for (const i of Object.keys(matrix.table)) {
      if (!impact.has(i)) issues.push(customIssue(['matrices', m, 'table', i], `Unknown impact level "${i}"`, i));
    }
  });
  def.rules.forEach((rule, r) => {
    rule.effects.forEach((effect, e) => {
      const axis =
        effect.type === 'setImpact' || effect.type === 'raiseImpact'
          ? impact
          : effect.type === 'setUrgency' || effect.type === 'raiseUrgency'
            ? urgency
            : null;
      const level = 'level' in effect ? effect.level : 'to' in effect ? effect.to : undefined;
      if (axis && level !== undefined && !axis.has(level)) {
        const key = 'level' in effect ? 'level' : 'to';
        issues.push(
          customIssue(['rules', r, 'effects', e, key], `"${level}" is not one of the policy's levels`, level),
        );
      }
    });
  });
}

type FieldKind = 'number' | 'boolean' | 'list' | 'impact' | 'urgency' | 'text' | 'any';

function kindOf(field: string): FieldKind {
  if (field === 'usersAffected' || field === 'facts.recentSimilar') return 'number';
  if (field.startsWith('flags.') || field === 'facts.businessHours') return 'boolean';
  if (field === 'labels') return 'list';
  if (field === 'impact' || field === 'urgency') return field;
  return field.startsWith('custom.') ? 'any' : 'text';
}

/** Why a field test can never hold (wrong operator for the field, a level the policy lacks), or null. */
function impossible(
  condition: FieldCondition,
  def: PriorityPolicyDefinition,
): [at: 'op' | 'value', message: string] | null {
  const kind = kindOf(condition.field);
  const { op, field } = condition;
  if ((op === 'gte' || op === 'lte') && kind !== 'number' && kind !== 'any') {
    return ['op', `${op} compares numbers; ${field} is not a number`];
  }
  if (op === 'matches' && kind !== 'text' && kind !== 'any' && kind !== 'impact' && kind !== 'urgency') {
    return ['op', `matches tests text; ${field} is not text`];
  }
  const values = op === 'equals' ? [condition.value] : op === 'in' ? condition.value : [];
  for (const value of values) {
    if (kind === 'number' && typeof value !== 'number') return ['value', `${field} is a number`];
    if (kind === 'boolean' && typeof value !== 'boolean') return ['value', `${field} is true or false`];
    if ((kind === 'impact' || kind === 'urgency') && !def.levels[kind].includes(value as string)) {
      return ['value', `"${String(value)}" is not one of the policy's ${kind} levels`];
    }
  }
  return null;
}

/** Reports every field test in `condition` that can never hold. */
function checkCondition(
  condition: Condition,
  path: PropertyKey[],
  def: PriorityPolicyDefinition,
  issues: Issue[],
): void {
  if ('all' in condition) {
    condition.all.forEach((c, i) => {
      checkCondition(c, [...path, 'all', i], def, issues);
    });
  } else if ('any' in condition) {
    condition.any.forEach((c, i) => {
      checkCondition(c, [...path, 'any', i], def, issues);
    });
  } else if ('not' in condition) {
    checkCondition(condition.not, [...path, 'not'], def, issues);
  } else {
    const problem = impossible(condition, def);
    if (problem) issues.push(customIssue([...path, problem[0]], problem[1], condition));
  }
}

/** Rule ids are unique; business hours are a real time zone and a non-empty window. */
function checkRulesAndFacts(def: PriorityPolicyDefinition, issues: Issue[]): void {
  const ids = new Map<string, number>();
  def.rules.forEach((rule, r) => {
    const first = ids.get(rule.id);
    if (first !== undefined)
      issues.push(customIssue(['rules', r, 'id'], `Rule id "${rule.id}" is also rules[${first}]'s`, rule.id));
    else ids.set(rule.id, r);
    if (def.defaultRules && rule.id.startsWith('default.')) {
      issues.push(customIssue(['rules', r, 'id'], 'Ids starting with "default." belong to the default rules', rule.id));
    }
  });
  const hours = def.facts.businessHours;
  const hasTiers = Object.keys(def.facts.slaTiers).length > 0 || def.facts.defaultSlaTier !== undefined;
  def.rules.forEach((rule, r) => {
    if (typeof rule.when === 'function') return;
    const fields = fieldsOf(rule.when);
    if (!hours && fields.has('facts.businessHours')) {
      issues.push(
        customIssue(['rules', r, 'when'], 'Reads facts.businessHours, but the policy has no facts.businessHours'),
      );
    }
    if (!hasTiers && fields.has('facts.slaTier')) {
      issues.push(
        customIssue(
          ['rules', r, 'when'],
          'Reads facts.slaTier, but the policy has no facts.slaTiers or defaultSlaTier',
        ),
      );
    }
    checkCondition(rule.when, ['rules', r, 'when'], def, issues);
  });
  const categoryIds = new Set<string>();
  def.categories.forEach((c, i) => {
    if (categoryIds.has(c.id))
      issues.push(customIssue(['categories', i, 'id'], `Category rule id "${c.id}" is used twice`, c.id));
    categoryIds.add(c.id);
  });
  const matrixNames = new Set<string>();
  def.matrices.forEach((m, i) => {
    if (m.name === undefined) return;
    if (matrixNames.has(m.name))
      issues.push(customIssue(['matrices', i, 'name'], `Matrix name "${m.name}" is used twice`, m.name));
    matrixNames.add(m.name);
  });
  if (hours) {
    if (hours.start >= hours.end) {
      issues.push(
        customIssue(['facts', 'businessHours', 'end'], 'Business hours must end after they start', hours.end),
      );
    } else {
      try {
        businessHoursCalendar(hours);
      } catch (error) {
        if (!ValidationError.isInstance(error)) throw error;
        for (const issue of error.issues) issues.push({ ...issue, path: ['facts', 'businessHours', ...issue.path] });
      }
    }
  }
}

function checkMatrices(def: PriorityPolicyDefinition, issues: Issue[]): void {
  const matrices = def.matrices;
  for (const [a, b] of scopeTies(matrices.map((m) => m.scope))) {
    issues.push(
      customIssue(
        ['matrices', b, 'scope'],
        `Ties with matrices[${a}]: both can match one incident with the same specificity; make one more specific`,
        matrices[b]?.scope,
      ),
    );
  }
  const isDefault = (levels: readonly Level[]) =>
    levels.length === DEFAULT_LEVELS.length && levels.every((level, i) => level === DEFAULT_LEVELS[i]);
  const customLevels = !isDefault(def.levels.impact) || !isDefault(def.levels.urgency);
  if (customLevels && !matrices.some((m) => specificity(m.scope) === 0)) {
    issues.push(
      customIssue(['matrices'], 'Custom levels need a matrix without scope, the fallback for every incident'),
    );
  }
}

/**
 * Validates a priority policy given as data and returns it with its defaults. Throws
 * `ValidationError` whose issue paths name the problem: `rules[3].when.field`,
 * `matrices[1].table.low.high`, `matrices[2].scope` (a tie).
 */
export function definePriorityPolicy(config: PriorityPolicyConfig = {}): PriorityPolicyDefinition {
  const parsed = parseInput(PriorityPolicySchema, config, 'priority policy');
  const def: PriorityPolicyDefinition = {
    ...parsed,
    levels: {
      impact: parsed.levels.impact ?? DEFAULT_LEVELS_REF,
      urgency: parsed.levels.urgency ?? DEFAULT_LEVELS_REF,
    },
  };
  const issues: Issue[] = [];
  checkLevels(def, issues);
  checkMatrices(def, issues);
  checkRulesAndFacts(def, issues);
  if (issues.length > 0) throw new ValidationError('priority policy', issues);
  return def;
}

/** The calendar of `facts.businessHours`: the window on each of its ISO weekdays, in its time zone. */
export function businessHoursCalendar(hours: {
  timeZone: string;
  days: readonly number[];
  start: string;
  end: string;
}): Calendar {
  const window = [{ start: hours.start, end: hours.end }];
  return defineCalendar({
    name: 'business-hours',
    timeZone: hours.timeZone,
    windows: Object.fromEntries(hours.days.map((day) => [WEEKDAYS[day - 1], window])),
  });
}
