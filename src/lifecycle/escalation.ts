import { type Incident, ownerOf } from '../domain/incident.js';
import type { NewTimelineEntry } from '../domain/timeline.js';
import { type EscalationSettings, levelAt, policyFor, type ResolvedLevel, resolveLevel } from '../oncall/policy.js';
import { type TimerEffects, timerId } from './effects.js';

// How escalation policies (the kit's `oncall.escalationPolicies`) join the lifecycle: the
// machine arms and fires the `escalation` timer as always; the policy chooses its delay per
// level and whom each step pages (apply.ts asks `resolver()` on a vertical escalation).

/** Who escalation step `count` of an incident's policy pages at `now`, or null without a policy. */
export function resolver(
  settings: EscalationSettings | undefined,
  now: number,
): ((incident: Incident, count: number) => ResolvedLevel | null) | undefined {
  if (settings === undefined) return undefined;
  return (incident, count) => {
    const policy = policyFor(settings, incident);
    return policy ? resolveLevel(policy, count, incident, now, settings.onCall, settings.teamOnCall) : null;
  };
}

/**
 * An incident that opens for the first time is paged by the first level of its policy: the
 * policy is recorded on it, the people paged become its escalation targets, and, unless someone
 * is assigned already, the level's team and first person its owners (an `assigned` entry).
 */
export function pageOnOpen(
  previous: Incident,
  incident: Incident,
  settings: EscalationSettings | undefined,
  now: number,
): { incident: Incident; entries: NewTimelineEntry[] } {
  // Only the commit that first opens it: a policy is chosen once (a later re-triage changes nothing).
  const opens = previous.status === 'new' && incident.status === 'open';
  if (settings === undefined || !opens || incident.escalation.policy !== undefined) {
    return { incident, entries: [] };
  }
  const policy = policyFor(settings, incident);
  const paged =
    policy && resolveLevel(policy, incident.escalation.level, incident, now, settings.onCall, settings.teamOnCall);
  if (!policy || !paged) return { incident, entries: [] };
  const escalation = { ...incident.escalation, policy: policy.name, targets: paged.people };
  const before = incident.assignment;
  if (before.assignee !== null || (paged.team === null && paged.people.length === 0)) {
    return { incident: { ...incident, escalation }, entries: [] };
  }
  const assignment = { ...before, team: paged.team ?? before.team, assignee: paged.people[0] ?? null };
  return {
    incident: { ...incident, escalation, assignment },
    entries: [{ type: 'assigned', from: ownerOf(before), to: ownerOf(assignment) }],
  };
}

/**
 * The escalation timer due after the delay of the incident's current level: the one a transition
 * armed, or, when `rearm` (the policy was just chosen, or a vertical escalation while open, by
 * hand or on an SLA breach), a new one: the machine armed none when no policy applied to the
 * incident as it was before (a `minPriority` policy before triage), and the new level gets its
 * whole delay instead of the old level's timer firing.
 */
export function policyDelay(
  incident: Incident,
  timers: TimerEffects,
  settings: EscalationSettings | undefined,
  now: number,
  rearm: boolean,
): TimerEffects {
  const policy = settings && policyFor(settings, incident);
  const level = policy && levelAt(policy, incident.escalation.level);
  if (!policy || level === null || level === undefined) return timers;
  const due = {
    id: timerId(incident.id, 'escalation'),
    incidentId: incident.id,
    name: 'escalation' as const,
    dueAt: now + policy.levels[level]!.delay,
  };
  const set = timers.set.map((timer) => (timer.name === 'escalation' ? due : timer));
  if (rearm && incident.status === 'open' && !set.includes(due)) set.push(due);
  return { set, cancel: timers.cancel.filter((id) => id !== due.id || !set.includes(due)) };
}
