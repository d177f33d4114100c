import { z } from 'zod';
import { type Duration, DurationSchema } from '../domain/duration.js';
import { customIssue, parseInput, ValidationError } from '../domain/errors.js';
import type { Incident, Priority } from '../domain/incident.js';
import { PrioritySchema } from '../domain/incident.js';
import { scopeTies, specificity } from '../domain/scope.js';
import { ALWAYS_OPEN, type Calendar, type CalendarConfig, defineCalendar } from './calendar.js';

const SCOPE_KEYS = ['priority', 'service', 'tenant', 'environment', 'category'] as const;

/** Which incidents a target applies to; every key given must match. More keys = more specific. */
export interface SlaScope {
  priority?: Priority | undefined;
  service?: string | undefined;
  tenant?: string | undefined;
  environment?: string | undefined;
  category?: string | undefined;
}

/** Response and resolution targets for a scope, counted on a calendar. */
export interface SlaTarget {
  scope?: SlaScope;
  /** Until acknowledged. */
  response?: Duration;
  /** Until resolved. */
  resolution?: Duration;
  /** Name of a calendar of the policy; default: 24x7. */
  calendar?: string;
}

/** An SLA policy as data. */
export interface SlaPolicyConfig {
  name?: string;
  /** Calendars by name, used by targets. */
  calendars?: Readonly<Record<string, CalendarConfig>>;
  targets: readonly SlaTarget[];
  /** Share of a target after which `sla_warning` fires. Default 0.75. */
  warnAt?: number;
  /** Statuses in which running clocks pause. Default `['on_hold']`. */
  pauseIn?: readonly ('open' | 'active' | 'on_hold')[];
  /** What a breach does besides the entry and the `sla.breached` event. Default `emit` (nothing more). */
  onBreach?: 'emit' | 'escalate';
}

const ScopeSchema = z.strictObject({
  priority: PrioritySchema.optional(),
  service: z.string().trim().min(1).optional(),
  tenant: z.string().trim().min(1).optional(),
  environment: z.string().trim().min(1).optional(),
  category: z.string().trim().min(1).optional(),
});

const PositiveDuration = DurationSchema.pipe(z.number().min(1_000, 'Must be at least 1 second (PT1S)'));

/** Zod schema of an {@link SlaPolicyConfig}; `defineSlaPolicy()` adds the checks across fields. */
export const SlaPolicySchema = z.strictObject({
  name: z.string().trim().min(1).max(100).default('sla'),
  calendars: z.record(z.string().min(1), z.unknown()).default({}),
  targets: z
    .array(
      z
        .strictObject({
          scope: ScopeSchema.default({}),
          response: PositiveDuration.optional(),
          resolution: PositiveDuration.optional(),
          calendar: z.string().min(1).optional(),
        })
        .refine((t) => t.response !== undefined || t.resolution !== undefined, {
          message: 'Give a response or a resolution target (or both)',
        }),
    )
    .min(1),
  warnAt: z.number().gt(0).lt(1).default(0.75),
  pauseIn: z.array(z.enum(['open', 'active', 'on_hold'])).default(['on_hold']),
  onBreach: z.enum(['emit', 'escalate']).default('emit'),
});

/** A compiled target: its durations in ms and its calendar. */
export interface ResolvedTarget {
  name: string;
  responseMs: number | undefined;
  resolutionMs: number | undefined;
  calendar: Calendar;
}

/** A validated SLA policy: selects the target of an incident. */
export interface SlaPolicy {
  readonly name: string;
  readonly warnAt: number;
  /** Statuses in which running clocks pause. */
  readonly pauseIn: ReadonlySet<string>;
  /** `escalate`: a breach also escalates the incident vertically, in the same commit. */
  readonly onBreach: 'emit' | 'escalate';
  /** The most specific target whose scope matches, or null when none does. */
  targetFor(
    incident: Pick<Incident, 'priority' | 'service' | 'tenant' | 'environment' | 'category'>,
  ): ResolvedTarget | null;
}

type Issue = z.core.$ZodIssue;

/**
 * Validates and compiles an SLA policy: targets per priority, service, tenant, environment and
 * category (the most specific matching target wins; ties are rejected), each counted on a named
 * calendar (default 24x7). Throws `ValidationError` with paths such as `targets[2].scope`.
 */
export function defineSlaPolicy(config: SlaPolicyConfig): SlaPolicy {
  const def = parseInput(SlaPolicySchema, config, 'SLA policy');
  const issues: Issue[] = [];
  const calendars = new Map<string, Calendar>();
  for (const [name, calendar] of Object.entries(def.calendars)) {
    try {
      calendars.set(name, defineCalendar({ name, ...(calendar as CalendarConfig) }));
    } catch (error) {
      if (!ValidationError.isInstance(error)) throw error;
      for (const issue of error.issues) issues.push({ ...issue, path: ['calendars', name, ...issue.path] });
    }
  }
  def.targets.forEach((target, i) => {
    if (target.calendar !== undefined && !def.calendars[target.calendar]) {
      issues.push(customIssue(['targets', i, 'calendar'], `No calendar named "${target.calendar}"`, target.calendar));
    }
  });
  for (const [j, i] of scopeTies(def.targets.map((t) => t.scope))) {
    const message = `Ties with targets[${j}]: both can match one incident with the same specificity`;
    issues.push(customIssue(['targets', i, 'scope'], message, def.targets[i]?.scope));
  }
  if (issues.length > 0) throw new ValidationError('SLA policy', issues);
  const targets = def.targets
    .map((t) => ({
      scope: t.scope as SlaScope,
      resolved: {
        name:
          SCOPE_KEYS.filter((k) => t.scope[k] !== undefined)
            .map((k) => `${k}=${t.scope[k]}`)
            .join(',') || 'default',
        responseMs: t.response,
        resolutionMs: t.resolution,
        calendar: t.calendar === undefined ? ALWAYS_OPEN : (calendars.get(t.calendar) as Calendar),
      },
    }))
    .sort((a, b) => specificity(b.scope) - specificity(a.scope));
  return {
    name: def.name,
    warnAt: def.warnAt,
    pauseIn: new Set(def.pauseIn),
    onBreach: def.onBreach,
    targetFor(incident) {
      for (const { scope, resolved } of targets) {
        if (SCOPE_KEYS.every((k) => scope[k] === undefined || scope[k] === incident[k])) return resolved;
      }
      return null;
    },
  };
}
