import { initialTransition, transition } from 'xstate';
import { type Actor, type Incident, SYSTEM_ACTOR } from '../domain/incident.js';
import type { NewTimelineEntry, Reason, TimelineEntry } from '../domain/timeline.js';
import { toIso } from '../ports/clock.js';
import type { PriorityFacts, PriorityPolicy } from '../priority/types.js';
import { slaTimers, updateSla } from '../sla/clocks.js';
import type { SlaPolicy } from '../sla/policy.js';
import { applyEvent } from './apply.js';
import { mergeTimerEffects, type TimerEffects, timerEffects } from './effects.js';
import { pageOnOpen, policyDelay, resolver } from './escalation.js';
import { incidentMachine, type LifecycleEvent } from './machine.js';
import { contextOf, type LifecycleSettings, snapshotOf, statusOf } from './snapshot.js';

/** What deciding needs besides the incident and the event. */
export interface DecideContext {
  settings: LifecycleSettings;
  priority: PriorityPolicy;
  /** Derived facts for the priority policy; only triage reads them. */
  facts: PriorityFacts;
  /** The SLA policy, when the kit has one. */
  sla?: SlaPolicy | undefined;
  now: number;
  actor: Actor;
}

/** Everything one commit writes for an incident. No entries means there is nothing to write. */
export interface Decision {
  incident: Incident;
  entries: TimelineEntry[];
  timers: TimerEffects;
}

/** No timer changes. */
export const NO_TIMERS: TimerEffects = { set: [], cancel: [] };

/**
 * The next version of `before`: `changed` with `version`, `lastSeq` and `updatedAt` moved on,
 * and `entries` stamped with their place in the timeline, the instant and the actor.
 */
export function advance(
  before: Incident,
  changed: Incident,
  entries: readonly NewTimelineEntry[],
  now: number,
  actor: Actor,
): Omit<Decision, 'timers'> {
  const at = toIso(now);
  return {
    incident: { ...changed, version: before.version + 1, lastSeq: before.lastSeq + entries.length, updatedAt: at },
    entries: stamp(before.id, before.lastSeq, entries, at, actor),
  };
}

/** `entries` with their place in the incident's timeline after `lastSeq`, their instant and actor. */
export function stamp(
  incidentId: string,
  lastSeq: number,
  entries: readonly NewTimelineEntry[],
  at: string,
  actor: Actor,
): TimelineEntry[] {
  return entries.map((entry, i) => ({ ...entry, incidentId, seq: lastSeq + 1 + i, at, actor })) as TimelineEntry[];
}

/**
 * Runs `event` through the lifecycle machine (as a pure reducer) and the data reducers: the
 * incident's next version, its new timeline entries and its timer changes. Null when the
 * incident's state does not take the event.
 */
export function decide(incident: Incident, event: LifecycleEvent, ctx: DecideContext): Decision | null {
  const snapshot = snapshotOf(incident, ctx.settings);
  if (!snapshot.can(event)) return null;
  const [next, actions] = transition(incidentMachine, snapshot, event);
  const applied = applyEvent(incident, event, {
    at: toIso(ctx.now),
    actor: ctx.actor,
    priority: ctx.priority,
    facts: ctx.facts,
    communicationCadenceMs: ctx.settings.communicationCadenceMs,
    escalation: resolver(ctx.settings.escalation, ctx.now),
    commander: ctx.settings.commander && (() => ctx.settings.commander?.(ctx.now) ?? null),
    teamOnCall: ctx.settings.teamOnCall && ((team) => ctx.settings.teamOnCall?.(team, ctx.now) ?? null),
  });
  if (applied.entries.length === 0) return { incident, entries: [], timers: NO_TIMERS };
  const paged = pageOnOpen(
    incident,
    { ...applied.incident, ...statusOf(next.value) },
    ctx.settings.escalation,
    ctx.now,
  );
  let changed: Incident = paged.incident;
  let entries = [...applied.entries, ...paged.entries];
  const chosen = changed.escalation.policy !== undefined && incident.escalation.policy === undefined;
  const climbed = event.type === 'escalate' && changed.escalation.level > incident.escalation.level;
  let timers = policyDelay(
    changed,
    timerEffects(actions, incident.id, ctx.now),
    ctx.settings.escalation,
    ctx.now,
    chosen || climbed,
  );
  if (ctx.sla) {
    // SLA clocks follow the change; their timers come from the clocks, not from the states.
    const sla = updateSla(changed, ctx.sla, ctx.now);
    changed = { ...changed, sla: { clocks: sla.clocks } };
    entries = [...entries, ...sla.entries];
    timers = mergeTimerEffects(timers, slaTimers(changed, ctx.now));
  }
  return { ...advance(incident, changed, entries, ctx.now, ctx.actor), timers };
}

/** `decision` followed by `event` on its result, as one commit from `before`. */
export function andThen(before: Incident, decision: Decision, event: LifecycleEvent, ctx: DecideContext): Decision {
  const next = decide(decision.incident, event, ctx);
  if (next === null || next.entries.length === 0) return decision;
  return {
    incident: { ...next.incident, version: before.version + 1 },
    entries: [...decision.entries, ...next.entries],
    timers: mergeTimerEffects(decision.timers, next.timers),
  };
}

/** The `declareMajor` event for a priority decision whose rules declare the incident major. */
export function declareMajorBy(reasons: readonly Reason[]): LifecycleEvent {
  const rules = reasons
    .filter((r) => r.field === 'major' && r.after === 'automatic')
    .map((r) => r.rule.replace(/^rule:/, ''));
  return { type: 'declareMajor', reason: `Priority rule ${rules.join(', ')} declares it major` };
}

/**
 * What a decision asks to happen next in the same commit, as the system: a triage whose rules
 * declare the incident major declares it major; a breach under `onBreach: 'escalate'` escalates
 * vertically.
 */
export function withFollowUps(before: Incident, decision: Decision, ctx: DecideContext): Decision {
  const breached = decision.entries.filter((e) => e.type === 'sla_breached');
  if (breached.length > 0 && ctx.sla?.onBreach === 'escalate') {
    const clocks = breached.map((e) => (e.type === 'sla_breached' ? e.clock : '')).join(' and ');
    const escalate: LifecycleEvent = {
      type: 'escalate',
      kind: 'vertical',
      mode: 'reassign',
      reason: `SLA ${clocks} breached`,
    };
    return andThen(before, decision, escalate, { ...ctx, actor: SYSTEM_ACTOR });
  }
  const triaged = decision.entries.find((e) => e.type === 'triaged');
  if (triaged?.type !== 'triaged' || triaged.major !== 'automatic' || decision.incident.major) return decision;
  return andThen(before, decision, declareMajorBy(triaged.reasons), { ...ctx, actor: SYSTEM_ACTOR });
}

/**
 * The first commit of a new incident: the machine's initial state, the `reported` entry, and,
 * when `next` is given (the automatic triage, or a rule's major declaration), that event by the
 * system actor, all as version 1.
 */
export function create(
  draft: Incident,
  reported: NewTimelineEntry,
  ctx: DecideContext,
  next?: LifecycleEvent,
): Decision {
  const [, actions] = initialTransition(incidentMachine, contextOf(draft, ctx.settings));
  const created: Decision = {
    ...advance(draft, draft, [reported], ctx.now, ctx.actor),
    timers: timerEffects(actions, draft.id, ctx.now),
  };
  if (!next) return created;
  return withFollowUps(draft, andThen(draft, created, next, { ...ctx, actor: SYSTEM_ACTOR }), ctx);
}
