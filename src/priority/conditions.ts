import { z } from 'zod';
import type { PriorityInput } from './types.js';

/** Fields a condition can read. `custom.<path>` reads custom fields; `facts.*` derived facts. */
export const CONDITION_FIELDS = [
  'impact',
  'urgency',
  'title',
  'description',
  'service',
  'environment',
  'tenant',
  'category',
  'subcategory',
  'usersAffected',
  'severity',
  'source',
  'reporter.kind',
  'flags.security',
  'flags.compliance',
  'flags.financial',
  'flags.reputation',
  'labels',
  'facts.recentSimilar',
  'facts.slaTier',
  'facts.businessHours',
] as const;

/** A field a condition can read. */
export type ConditionField = (typeof CONDITION_FIELDS)[number] | `custom.${string}`;

/** Comparison operators. */
export const OPERATORS = ['equals', 'in', 'gte', 'lte', 'exists', 'matches'] as const;
export type Operator = (typeof OPERATORS)[number];

/** A test of one field. */
export type FieldCondition =
  | { field: ConditionField; op: 'equals'; value: string | number | boolean }
  | { field: ConditionField; op: 'in'; value: readonly (string | number)[] }
  | { field: ConditionField; op: 'gte' | 'lte'; value: number }
  | { field: ConditionField; op: 'exists'; value?: boolean }
  | { field: ConditionField; op: 'matches'; value: string };

/** A declarative condition: a field test, or `all`/`any`/`not` of conditions. */
export type Condition =
  | FieldCondition
  | { all: readonly Condition[] }
  | { any: readonly Condition[] }
  | { not: Condition };

/** What conditions read: the input, with impact, urgency and category as rules have left them. */
export type ConditionView = PriorityInput;

const KNOWN = new Set<string>(CONDITION_FIELDS);

const FieldSchema = z.string().refine((f) => KNOWN.has(f) || /^custom\.[A-Za-z0-9_$]+(\.[A-Za-z0-9_$]+)*$/.test(f), {
  message: `Unknown field; expected one of ${CONDITION_FIELDS.join(', ')}, or custom.<name>`,
});

/** The source of a regular expression, checked to compile (matched case-insensitively). */
export const RegExpSourceSchema = z.string().refine(
  (pattern) => {
    try {
      new RegExp(pattern, 'i');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'Not a valid regular expression' },
);

const FieldConditionSchema = z.discriminatedUnion('op', [
  z.strictObject({
    field: FieldSchema,
    op: z.literal('equals'),
    value: z.union([z.string(), z.number(), z.boolean()]),
  }),
  z.strictObject({ field: FieldSchema, op: z.literal('in'), value: z.array(z.union([z.string(), z.number()])).min(1) }),
  z.strictObject({ field: FieldSchema, op: z.literal('gte'), value: z.number() }),
  z.strictObject({ field: FieldSchema, op: z.literal('lte'), value: z.number() }),
  z.strictObject({ field: FieldSchema, op: z.literal('exists'), value: z.boolean().optional() }),
  z.strictObject({ field: FieldSchema, op: z.literal('matches'), value: RegExpSourceSchema }),
]);

const AllSchema = z.strictObject({ all: z.array(z.lazy(() => ConditionSchema)).min(1) });
const AnySchema = z.strictObject({ any: z.array(z.lazy(() => ConditionSchema)).min(1) });
const NotSchema = z.strictObject({ not: z.lazy(() => ConditionSchema) });
const LeafSchema = z
  .object({ field: z.unknown(), op: z.enum(OPERATORS) })
  .passthrough()
  .pipe(FieldConditionSchema);

/**
 * Zod schema of a {@link Condition}. It picks the branch by key (`all`, `any`, `not`, else a
 * field test), so that an issue names its exact path, e.g. `rules[3].when.all[0].field`.
 */
export const ConditionSchema: z.ZodType<Condition> = z.custom<Condition>().check((ctx) => {
  const value = ctx.value as Record<string, unknown> | null;
  const isObject = typeof value === 'object' && value !== null;
  const schema = !isObject
    ? LeafSchema
    : 'all' in value
      ? AllSchema
      : 'any' in value
        ? AnySchema
        : 'not' in value
          ? NotSchema
          : LeafSchema;
  const result = schema.safeParse(value);
  if (!result.success) for (const issue of result.error.issues) ctx.issues.push({ ...issue, input: value } as never);
});

type Getter = (view: ConditionView) => unknown;

/**
 * Getters with named property access (fast, monomorphic on the engine's fixed-shape view),
 * one per known field.
 */
const GETTERS: Record<(typeof CONDITION_FIELDS)[number], Getter> = {
  impact: (v) => v.impact,
  urgency: (v) => v.urgency,
  title: (v) => v.title,
  description: (v) => v.description,
  service: (v) => v.service,
  environment: (v) => v.environment,
  tenant: (v) => v.tenant,
  category: (v) => v.category,
  subcategory: (v) => v.subcategory,
  usersAffected: (v) => v.usersAffected,
  severity: (v) => v.severity,
  source: (v) => v.source,
  'reporter.kind': (v) => v.reporterKind,
  'flags.security': (v) => v.flags.security,
  'flags.compliance': (v) => v.flags.compliance,
  'flags.financial': (v) => v.flags.financial,
  'flags.reputation': (v) => v.flags.reputation,
  labels: (v) => v.labels,
  'facts.recentSimilar': (v) => v.facts.recentSimilar,
  'facts.slaTier': (v) => v.facts.slaTier,
  'facts.businessHours': (v) => v.facts.businessHours,
};

/** A getter for a field path, compiled once. */
export function compileField(field: ConditionField): Getter {
  if (field.startsWith('custom.')) {
    const path = field.slice('custom.'.length).split('.');
    return (v) => {
      let value: unknown = v.custom;
      for (const key of path) {
        if (value === null || typeof value !== 'object') return undefined;
        value = (value as Record<string, unknown>)[key];
      }
      return value;
    };
  }
  return GETTERS[field as (typeof CONDITION_FIELDS)[number]];
}

/** A compiled condition. */
export type Predicate = (view: ConditionView) => boolean;

function compileTest(getter: Getter, condition: FieldCondition): Predicate {
  switch (condition.op) {
    case 'equals': {
      const expected = condition.value;
      return (v) => {
        const value = getter(v);
        return Array.isArray(value) ? value.includes(expected) : value === expected;
      };
    }
    case 'in': {
      const set = new Set<unknown>(condition.value);
      return (v) => {
        const value = getter(v);
        return Array.isArray(value) ? value.some((item) => set.has(item)) : set.has(value);
      };
    }
    case 'gte': {
      const bound = condition.value;
      return (v) => {
        const value = getter(v);
        return typeof value === 'number' && value >= bound;
      };
    }
    case 'lte': {
      const bound = condition.value;
      return (v) => {
        const value = getter(v);
        return typeof value === 'number' && value <= bound;
      };
    }
    case 'exists': {
      const wanted = condition.value ?? true;
      return (v) => {
        const value = getter(v);
        const present = value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
        return present === wanted;
      };
    }
    case 'matches': {
      const pattern = new RegExp(condition.value, 'i');
      return (v) => {
        const value = getter(v);
        return typeof value === 'string' && pattern.test(value);
      };
    }
  }
}

/** Compiles a validated condition into one closure: no interpretation at evaluation time. */
export function compileCondition(condition: Condition): Predicate {
  if ('all' in condition) {
    const parts = condition.all.map(compileCondition);
    return (v) => {
      for (const part of parts) if (!part(v)) return false;
      return true;
    };
  }
  if ('any' in condition) {
    const parts = condition.any.map(compileCondition);
    return (v) => {
      for (const part of parts) if (part(v)) return true;
      return false;
    };
  }
  if ('not' in condition) {
    const inner = compileCondition(condition.not);
    return (v) => !inner(v);
  }
  return compileTest(compileField(condition.field), condition);
}

/** Every field a condition reads. */
export function fieldsOf(condition: Condition, into: Set<string> = new Set()): Set<string> {
  if ('all' in condition) for (const c of condition.all) fieldsOf(c, into);
  else if ('any' in condition) for (const c of condition.any) fieldsOf(c, into);
  else if ('not' in condition) fieldsOf(condition.not, into);
  else into.add(condition.field);
  return into;
}
