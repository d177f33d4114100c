import { z } from 'zod';
import { customIssue, optionIssues, unknownName, ValidationError } from '../domain/errors.js';
import type { NotificationConfig } from '../notify/config.js';
import {
  defineEscalationPolicy,
  type EscalationPolicy,
  type EscalationPolicyConfig,
  type EscalationSettings,
} from './policy.js';
import { defineSchedule, type Schedule, type ScheduleConfig, whoIsOnCall } from './schedule.js';

/** The kit's `oncall` option. */
export interface OncallOptions {
  /** On-call schedules by name, as escalation targets name them (`{ schedule: 'dba-primary' }`). */
  schedules?: Record<string, Schedule | ScheduleConfig>;
  /**
   * Escalation policies, tried in order: an incident is paged by the first whose filters match
   * it when it first opens. An incident no policy matches escalates per `lifecycle.escalateAfter`.
   */
  escalationPolicies?: readonly (EscalationPolicyConfig | EscalationPolicy)[];
  /**
   * The schedule of incident commanders (a name in `schedules`): when an incident is declared
   * major and has no commander, whoever is on call there becomes its commander.
   */
  commanders?: string;
  /**
   * Teams by name with the schedule that is their on-call: an escalation to a team that names
   * nobody (`escalate({ kind: 'lateral', mode: 'swarm', team: 'storage' })`) pages whoever is on
   * call there.
   */
  teams?: Record<string, { schedule: string }>;
}

/** The `oncall` option, resolved. */
export interface OncallSettings {
  /** Escalation policies; undefined without any. */
  escalation: EscalationSettings | undefined;
  /** Who is on call in the `commanders` schedule at `at`; undefined without one. */
  commander: ((at: number) => string | null) | undefined;
  /** Who is on call for `team` at `at` (the team's schedule in `teams`); null for other teams. */
  teamOnCall: (team: string, at: number) => string | null;
}

type Issue = z.core.$ZodIssue;

/** Runs `define`, turning its `ValidationError` into issues under `path`. */
function collect<T>(path: PropertyKey[], define: () => T, issues: Issue[]): T | undefined {
  try {
    return define();
  } catch (error) {
    if (!ValidationError.isInstance(error)) throw error;
    issues.push(...error.issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] })));
    return undefined;
  }
}

const isSchedule = (value: Schedule | ScheduleConfig): value is Schedule =>
  typeof (value as Schedule).config === 'object' && Array.isArray((value as Schedule).layers);

const objectOf = (what: string) => z.custom<object>((v) => typeof v === 'object' && v !== null, `Expected ${what}`);

/** The shape of the `oncall` option; its parts are validated by their own `define...()`. */
const OncallOptionsSchema = z.strictObject({
  schedules: z.record(z.string().min(1), objectOf('a schedule or its config')).optional(),
  escalationPolicies: z.array(objectOf('an escalation policy')).optional(),
  commanders: z.string().min(1).optional(),
  teams: z.record(z.string().min(1), z.strictObject({ schedule: z.string().min(1) })).optional(),
});

/**
 * Validates the `oncall` option: issues under `oncall.schedules.<name>` and
 * `oncall.escalationPolicies[i]` (a target naming a schedule the kit does not have, too),
 * `oncall.commanders` and `oncall.teams.<team>`.
 */
export function resolveOncall(options: OncallOptions | undefined): OncallSettings {
  const shape = OncallOptionsSchema.safeParse(options ?? {});
  if (!shape.success) throw optionIssues('oncall', shape.error.issues);
  const issues: Issue[] = [];
  const given = options?.schedules ?? {};
  const schedules = new Map<string, Schedule>();
  for (const [name, value] of Object.entries(given)) {
    const schedule = collect(
      ['schedules', name],
      () => defineSchedule(isSchedule(value) ? value.config : value),
      issues,
    );
    if (schedule) schedules.set(name, schedule);
  }
  /** Every schedule named elsewhere must be one of `schedules`. */
  const knownSchedule = (path: PropertyKey[], name: string) => {
    if (given[name] === undefined) issues.push(unknownName(path, 'schedule', name, Object.keys(given)));
  };
  const policies: EscalationPolicy[] = [];
  (options?.escalationPolicies ?? []).forEach((config, i) => {
    const policy = collect(['escalationPolicies', i], () => defineEscalationPolicy(config), issues);
    if (!policy) return;
    if (policies.some((p) => p.name === policy.name)) {
      const message = `Two escalation policies are named "${policy.name}"`;
      issues.push(customIssue(['escalationPolicies', i, 'name'], message, policy.name));
    }
    for (const { target, path } of targetsOf(policy, i)) {
      if ('schedule' in target) knownSchedule([...path, 'schedule'], target.schedule);
    }
    policies.push(policy);
  });
  const commanders = options?.commanders;
  if (commanders !== undefined) knownSchedule(['commanders'], commanders);
  const teams = new Map(Object.entries(options?.teams ?? {}).map(([team, { schedule }]) => [team, schedule]));
  for (const [team, schedule] of teams) knownSchedule(['teams', team, 'schedule'], schedule);
  if (issues.length > 0) throw optionIssues('oncall', issues);
  const onCall = (name: string, at: number) => {
    const schedule = schedules.get(name);
    return schedule ? (whoIsOnCall(schedule, at)?.member ?? null) : null;
  };
  const teamOnCall = (team: string, at: number) => {
    const schedule = teams.get(team);
    return schedule === undefined ? null : onCall(schedule, at);
  };
  return {
    escalation: policies.length === 0 ? undefined : { policies, schedules, onCall, teamOnCall, teams },
    commander: commanders === undefined ? undefined : (at) => onCall(commanders, at),
    teamOnCall,
  };
}

/**
 * When a route notifies escalation targets, everyone a policy can page (persons, and the members
 * and overrides of the schedules it names) must be a contact: otherwise they would be paged into
 * the void. Issues under `oncall.escalationPolicies[i]`.
 */
export function checkPagedContacts(
  escalation: EscalationSettings | undefined,
  notifications: NotificationConfig,
): void {
  if (!escalation || !notifications.routes?.some((route) => route.escalationTargets)) return;
  const { contacts } = notifications;
  const issues: Issue[] = [];
  escalation.policies.forEach((policy, i) => {
    for (const { target, path } of targetsOf(policy, i)) {
      const people =
        'person' in target
          ? [target.person]
          : 'schedule' in target
            ? membersOf(escalation.schedules.get(target.schedule))
            : membersOf(escalation.schedules.get(escalation.teams?.get(target.team) ?? ''));
      for (const person of people) {
        if (!contacts.has(person)) {
          issues.push(
            customIssue(
              path,
              `"${person}" can be paged and a route notifies escalation targets, but is not one of the kit's contacts`,
              person,
            ),
          );
        }
      }
    }
  });
  if (issues.length > 0) throw optionIssues('oncall', issues);
}

/** Every target of `policy` (the `i`-th), with its path in the `oncall` option. */
function* targetsOf(policy: EscalationPolicy, i: number) {
  for (const [j, level] of policy.levels.entries()) {
    for (const [k, target] of level.targets.entries()) {
      yield { target, path: ['escalationPolicies', i, 'levels', j, 'targets', k] as PropertyKey[] };
    }
  }
}

/** Everyone a schedule can put on call: its layers' members and its overrides' people. */
function membersOf(schedule: Schedule | undefined): string[] {
  if (!schedule) return [];
  const { layers, overrides } = schedule.config;
  return [...new Set([...layers.flatMap((layer) => layer.members), ...(overrides ?? []).map((o) => o.member)])];
}
