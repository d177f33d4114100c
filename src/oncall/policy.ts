import { z } from 'zod';
import { TimerDurationSchema } from '../domain/duration.js';
import { customIssue, parseInput, ValidationError } from '../domain/errors.js';
import { fnv1a } from '../domain/hash.js';
import {
  type Incident,
  type MessageUrgency,
  MessageUrgencySchema,
  PRIORITY_ORDER,
  PrioritySchema,
} from '../domain/incident.js';
import type { Schedule } from './schedule.js';

const IdSchema = z.string().trim().min(1).max(200);

/**
 * Who a level pages: a person (a contact id), whoever is on call in a schedule of the kit's
 * `oncall.schedules`, or a team (it becomes the owning team).
 */
export const EscalationTargetSchema = z.union([
  z.strictObject({ person: IdSchema }),
  z.strictObject({ schedule: IdSchema }),
  z.strictObject({ team: IdSchema }),
]);
/** A target of an escalation level. */
export type EscalationTarget = z.infer<typeof EscalationTargetSchema>;

/** One level of an escalation policy. */
export const EscalationLevelSchema = z.strictObject({
  /** Who this level pages. */
  targets: z.array(EscalationTargetSchema).min(1).max(20),
  /** How long this level has to acknowledge before the next level is paged (ms or ISO 8601). */
  delay: TimerDurationSchema,
  /** Page one target per incident, in turn (by incident number), instead of all of them. */
  roundRobin: z.boolean().optional(),
  /** The urgency of this level's messages; default: the incident's. */
  urgency: MessageUrgencySchema.optional(),
});

const NamesSchema = z.array(IdSchema).min(1);

/**
 * Zod schema of an {@link EscalationPolicyConfig}. `defineEscalationPolicy()` adds the checks
 * across fields (`repeat.fromLevel` within the levels).
 */
export const EscalationPolicyConfigSchema = z.strictObject({
  /** Named on the timeline and in `incident.escalation.policy`. */
  name: z.string().trim().min(1).max(100),
  /** Levels in order: level 0 is paged when the incident opens. */
  levels: z.array(EscalationLevelSchema).min(1).max(20),
  /** After the last level: go round again `times` times, from level `fromLevel` (default 0). */
  repeat: z
    .strictObject({ times: z.number().int().min(1).max(10), fromLevel: z.number().int().min(0).optional() })
    .optional(),
  /** Applies to incidents of these services (omitted: any). */
  services: NamesSchema.optional(),
  /** Applies to incidents of these tenants (omitted: any; an incident without one never matches a list). */
  tenants: NamesSchema.optional(),
  /** Applies to incidents in these environments (omitted: any). */
  environments: NamesSchema.optional(),
  /** Applies to incidents of this priority or a more urgent one (omitted: any, untriaged too). */
  minPriority: PrioritySchema.optional(),
});

/**
 * An escalation policy as data: who is paged first, how long each level has, and who comes
 * next. Validated by `defineEscalationPolicy()`.
 *
 * @example
 * ```ts
 * const database: EscalationPolicyConfig = {
 *   name: 'database',
 *   services: ['postgres'],
 *   levels: [
 *     { targets: [{ schedule: 'dba-primary' }], delay: 'PT15M' },
 *     { targets: [{ person: 'dba-lead' }, { team: 'platform' }], delay: 'PT30M' },
 *   ],
 *   repeat: { times: 2, fromLevel: 1 },
 * };
 * ```
 */
export type EscalationPolicyConfig = z.input<typeof EscalationPolicyConfigSchema>;

/** A validated escalation policy, made by {@link defineEscalationPolicy}. */
export interface EscalationPolicy {
  readonly name: string;
  /** Levels with their delays in ms. */
  readonly levels: readonly z.output<typeof EscalationLevelSchema>[];
  /** How many escalations it allows in all: levels, then the repeats. */
  readonly steps: number;
  /** The validated configuration, with defaults; `defineEscalationPolicy(policy.config)` gives the same policy. */
  readonly config: z.output<typeof EscalationPolicyConfigSchema>;
}

/**
 * Validates an escalation policy given as data. Throws `ValidationError` with issue paths such as
 * `levels[1].delay` or `repeat.fromLevel`.
 */
export function defineEscalationPolicy(config: EscalationPolicyConfig | EscalationPolicy): EscalationPolicy {
  const input = 'config' in config ? config.config : config;
  const parsed = parseInput(EscalationPolicyConfigSchema, input, 'escalation policy');
  const n = parsed.levels.length;
  const from = parsed.repeat?.fromLevel ?? 0;
  if (from >= n) {
    throw new ValidationError('escalation policy', [
      customIssue(['repeat', 'fromLevel'], `Must be a level of the policy: 0 to ${n - 1}`, from),
    ]);
  }
  const repeats = parsed.repeat?.times ?? 0;
  return Object.freeze({
    name: parsed.name,
    levels: Object.freeze(parsed.levels.map((level) => Object.freeze(level))),
    steps: n + repeats * (n - from),
    config: parsed,
  });
}

/**
 * The policy level of escalation step `count` (0: the first page, 1: the first escalation, ...),
 * going round again per `repeat`; null once the policy is exhausted.
 */
export function levelAt(policy: EscalationPolicy, count: number): number | null {
  const n = policy.levels.length;
  if (count < 0 || count >= policy.steps) return null;
  if (count < n) return count;
  const from = policy.config.repeat?.fromLevel ?? 0;
  return from + ((count - n) % (n - from));
}

/** Whether `policy` applies to `incident` (its filters all match). */
export function policyMatches(policy: EscalationPolicy, incident: Incident): boolean {
  const { services, tenants, environments, minPriority } = policy.config;
  if (services && !services.includes(incident.service)) return false;
  if (tenants && (incident.tenant === undefined || !tenants.includes(incident.tenant))) return false;
  if (environments && !environments.includes(incident.environment)) return false;
  if (minPriority !== undefined) {
    const { priority } = incident;
    if (priority === null || PRIORITY_ORDER.indexOf(priority) > PRIORITY_ORDER.indexOf(minPriority)) return false;
  }
  return true;
}

/** Who one escalation step pages, resolved at an instant. */
export interface ResolvedLevel {
  policy: string;
  /** The policy level (0-based). */
  level: number;
  /** The team a team target names, if any: the new owning team. */
  team: string | null;
  /** The people paged: persons, and whoever is on call in the schedules (in target order). */
  people: string[];
  urgency?: MessageUrgency;
}

/** Who is on call in the schedule named `name` at `at`; null when nobody (or no such schedule). */
export type OnCallLookup = (name: string, at: number) => string | null;

/** The turn of an incident in round-robin levels: its number's digits, else a hash of its id. */
function turnOf(incident: Pick<Incident, 'id' | 'number'>): number {
  const digits = /(\d+)$/.exec(incident.number);
  return digits ? Number(digits[1]) : fnv1a(incident.id);
}

/**
 * Who escalation step `count` of `policy` pages for `incident` at `at`; null once the policy is
 * exhausted. Schedules are asked through `onCall`.
 */
export function resolveLevel(
  policy: EscalationPolicy,
  count: number,
  incident: Pick<Incident, 'id' | 'number'>,
  at: number,
  onCall: OnCallLookup,
  teamOnCall?: OnCallLookup,
): ResolvedLevel | null {
  const index = levelAt(policy, count);
  if (index === null) return null;
  const level = policy.levels[index]!;
  /** The person a target pages now: a person, a schedule's or a team's on-call; null: nobody. */
  const personOf = (target: EscalationTarget) =>
    'person' in target
      ? target.person
      : 'schedule' in target
        ? onCall(target.schedule, at)
        : (teamOnCall?.(target.team, at) ?? null);
  let targets = level.targets;
  if (level.roundRobin) {
    // This incident's turn, or the next target after it that reaches someone (or names a team).
    const n = targets.length;
    const start = turnOf(incident) % n;
    const order = Array.from({ length: n }, (_, i) => level.targets[(start + i) % n]!);
    targets = [order.find((t) => 'team' in t || personOf(t) !== null) ?? order[0]!];
  }
  let team: string | null = null;
  const people: string[] = [];
  for (const target of targets) {
    if ('team' in target) team ??= target.team;
    const person = personOf(target);
    if (person !== null && !people.includes(person)) people.push(person);
  }
  return {
    policy: policy.name,
    level: index,
    team,
    people,
    ...(level.urgency === undefined ? {} : { urgency: level.urgency }),
  };
}

/** The kit's escalation policies and how to ask its schedules who is on call. */
export interface EscalationSettings {
  policies: readonly EscalationPolicy[];
  /** The kit's schedules, by the names targets use. */
  schedules: ReadonlyMap<string, Schedule>;
  onCall: OnCallLookup;
  /** Who is on call for a team (its schedule in `oncall.teams`); null: nobody known. */
  teamOnCall?: OnCallLookup;
  /** The schedule of each team in `oncall.teams`. */
  teams?: ReadonlyMap<string, string>;
}

/**
 * The policy that pages `incident`: the one it recorded when it opened, else the first policy
 * whose filters match it.
 */
export function policyFor(settings: EscalationSettings, incident: Incident): EscalationPolicy | undefined {
  const recorded = incident.escalation.policy;
  if (recorded !== undefined) return settings.policies.find((p) => p.name === recorded);
  return settings.policies.find((p) => policyMatches(p, incident));
}
