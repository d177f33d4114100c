import type { CommandInputs } from '../domain/commands.js';
import { invalidInput, NotFoundError, parseInput } from '../domain/errors.js';
import {
  type Actor,
  type EscalationStep,
  type Incident,
  ownerOf,
  type Participant,
  type Role,
  type SlaClock,
  SYSTEM_ACTOR,
} from '../domain/incident.js';
import type { NewTimelineEntry } from '../domain/timeline.js';
import type { ResolvedLevel } from '../oncall/policy.js';
import { priorityInput } from '../priority/facts.js';
import {
  type PriorityDecision,
  PriorityDecisionSchema,
  type PriorityFacts,
  type PriorityPolicy,
} from '../priority/types.js';
import type { LifecycleEvent } from './machine.js';

/** What applying an event needs besides the incident. */
export interface ApplyContext {
  /** The instant of the command, ISO text. */
  at: string;
  actor: Actor;
  priority: PriorityPolicy;
  /** Derived facts for the priority policy (triage only). */
  facts: PriorityFacts;
  /** Communication cadence in ms, for the reminder's text. */
  communicationCadenceMs: number | undefined;
  /** Who escalation step `count` of the incident's policy pages; absent or null: no policy. */
  escalation?: ((incident: Incident, count: number) => ResolvedLevel | null) | undefined;
  /** Who is on call as incident commander now; absent: no commanders schedule. */
  commander?: (() => string | null) | undefined;
  /** Who is on call for a team now; absent or null: nobody known. */
  teamOnCall?: ((team: string) => string | null) | undefined;
}

/** The incident after an event, and the timeline entries that record it. */
export interface Applied {
  incident: Incident;
  entries: NewTimelineEntry[];
}

type Reducer<E extends LifecycleEvent> = (incident: Incident, event: E, ctx: ApplyContext) => NewTimelineEntry[];
type Reducers = { [T in LifecycleEvent['type']]: Reducer<Extract<LifecycleEvent, { type: T }>> };

/** Roles one person holds at a time; handing one over makes the previous holder a responder. */
const SINGLE_HOLDER_ROLES: readonly Role[] = ['commander', 'communications', 'scribe'];

function addParticipant(incident: Incident, participant: Participant): NewTimelineEntry[] {
  if (incident.participants.some((p) => p.id === participant.id)) return [];
  incident.participants = [...incident.participants, participant];
  return [{ type: 'participant_added', participant }];
}

/**
 * Whom an escalation pages: who the input names; else, for a vertical one, the next level of the
 * incident's policy; and for a team named without a person, the team's on-call (`oncall.teams`).
 */
function escalationTargets(incident: Incident, input: CommandInputs['escalate'], level: number, ctx: ApplyContext) {
  const paged =
    input.kind === 'vertical' && input.team === undefined && input.assignee === undefined
      ? (ctx.escalation?.(incident, level) ?? null)
      : null;
  const team = input.team ?? paged?.team ?? undefined;
  const assignee =
    input.assignee ??
    paged?.people[0] ??
    (input.team === undefined ? undefined : (ctx.teamOnCall?.(input.team) ?? undefined));
  const targets = paged ? paged.people : assignee === undefined ? undefined : [assignee];
  return { paged, team, assignee, targets };
}

function escalate(
  incident: Incident,
  input: CommandInputs['escalate'],
  ctx: ApplyContext,
  automatic: boolean,
): NewTimelineEntry[] {
  const from = ownerOf(incident.assignment);
  const vertical = input.kind === 'vertical';
  const level = vertical ? incident.escalation.level + 1 : incident.escalation.level;
  const { paged, team, assignee, targets } = escalationTargets(incident, input, level, ctx);
  const entries: NewTimelineEntry[] = [];
  let assignment = incident.assignment;
  if (input.mode === 'swarm') {
    const supporting =
      team && team !== assignment.team && !assignment.supporting.includes(team)
        ? [...assignment.supporting, team]
        : assignment.supporting;
    assignment = { ...assignment, supporting };
  } else {
    assignment = {
      ...assignment,
      team: team ?? assignment.team,
      tier: vertical ? (input.tier ?? Math.min(assignment.tier + 1, 10)) : assignment.tier,
      assignee: assignee ?? null,
    };
  }
  if (assignee) {
    const person: Participant = { id: assignee, name: assignee, role: 'responder', addedAt: ctx.at };
    if (team) person.team = team;
    entries.push(...addParticipant(incident, person));
  }
  const step: EscalationStep = {
    at: ctx.at,
    kind: input.kind,
    mode: input.mode,
    level,
    from,
    to:
      input.mode === 'swarm'
        ? { team: team ?? from.team, tier: from.tier, assignee: assignee ?? null }
        : ownerOf(assignment),
    reason: input.reason,
    automatic,
    ...(paged ? { policy: { name: paged.policy, level: paged.level } } : {}),
    ...(targets === undefined ? {} : { targets }),
    ...(paged?.urgency === undefined ? {} : { urgency: paged.urgency }),
  };
  incident.assignment = assignment;
  incident.escalation = {
    ...incident.escalation,
    level,
    history: [...incident.escalation.history, step],
    ...(targets === undefined ? {} : { targets }),
  };
  return [{ type: 'escalated', step }, ...entries];
}

/**
 * A major incident without a commander gets whoever is on call in the commanders schedule: a
 * participant already on the incident takes the role, anyone else joins with it.
 */
function commanderOnCall(incident: Incident, ctx: ApplyContext): NewTimelineEntry[] {
  if (incident.participants.some((p) => p.role === 'commander')) return [];
  const id = ctx.commander?.() ?? null;
  if (id === null) return [];
  const current = incident.participants.find((p) => p.id === id);
  if (!current) return addParticipant(incident, { id, name: id, role: 'commander', addedAt: ctx.at });
  // Someone who holds another single-holder role (communications, scribe) keeps it: no commander.
  if (SINGLE_HOLDER_ROLES.includes(current.role)) return [];
  incident.participants = incident.participants.map((p) => (p.id === id ? { ...p, role: 'commander' } : p));
  return [{ type: 'role_set', participantId: id, from: current.role, to: 'commander' }];
}

const reducers: Reducers = {
  triage(incident, event, ctx) {
    const decision = parseInput(
      PriorityDecisionSchema,
      ctx.priority.evaluate(priorityInput(incident, event, ctx.facts)),
      `decision of priority policy "${ctx.priority.name}"`,
    );
    if (decision.priority === null || decision.impact === null || decision.urgency === null) {
      throw invalidInput('triage input', ['impact'], 'Impact and urgency are needed to prioritize', event);
    }
    const previousPriority = incident.priority;
    if (event.usersAffected !== undefined) incident.usersAffected = event.usersAffected;
    const added = applyDecision(incident, decision);
    const reasons = event.reason
      ? [{ rule: 'triage.reason', detail: event.reason }, ...decision.reasons]
      : decision.reasons;
    return [
      {
        type: 'triaged',
        priority: decision.priority,
        previousPriority,
        impact: decision.impact,
        urgency: decision.urgency,
        category: decision.category,
        ...(decision.subcategory === undefined ? {} : { subcategory: decision.subcategory }),
        ...(decision.major === null ? {} : { major: decision.major }),
        ...(added.length === 0 ? {} : { labels: added }),
        reasons,
      },
    ];
  },
  assign(incident, event) {
    const from = ownerOf(incident.assignment);
    incident.assignment = {
      ...incident.assignment,
      team: event.team ?? incident.assignment.team,
      tier: event.tier ?? incident.assignment.tier,
      assignee: event.assignee === undefined ? incident.assignment.assignee : event.assignee,
    };
    return [{ type: 'assigned', from, to: ownerOf(incident.assignment) }];
  },
  acknowledge(incident, event, ctx) {
    incident.acknowledgedAt = ctx.at;
    return [{ type: 'acknowledged', ...(event.note === undefined ? {} : { note: event.note }) }];
  },
  escalate(incident, event, ctx) {
    // Escalations the system makes itself (e.g. on an SLA breach) are automatic.
    return escalate(incident, event, ctx, ctx.actor.id === SYSTEM_ACTOR.id);
  },
  hold(incident, event, ctx) {
    const resumeTo = incident.status === 'active' && incident.phase ? incident.phase : 'open';
    incident.hold = {
      reason: event.reason,
      since: ctx.at,
      resumeTo: resumeTo as 'open' | 'investigating' | 'identified' | 'monitoring',
      ...(event.detail === undefined ? {} : { detail: event.detail }),
    };
    return [{ type: 'held', reason: event.reason, ...(event.detail === undefined ? {} : { detail: event.detail }) }];
  },
  resume(incident, event) {
    const to = incident.hold?.resumeTo ?? 'investigating';
    incident.hold = null;
    return [{ type: 'resumed', to, ...(event.note === undefined ? {} : { note: event.note }) }];
  },
  postUpdate(_incident, event) {
    const audiences = Array.isArray(event.audience) ? [...new Set(event.audience)] : [event.audience];
    return [
      {
        type: 'update_posted',
        audiences,
        message: event.message,
        ...(event.phase === undefined ? {} : { phase: event.phase }),
      },
    ];
  },
  declareMajor(incident, event, ctx) {
    if (incident.major) return [];
    incident.major = true;
    return [{ type: 'major_declared', reason: event.reason }, ...commanderOnCall(incident, ctx)];
  },
  downgradeMajor(incident, event) {
    if (!incident.major) return [];
    incident.major = false;
    return [{ type: 'major_downgraded', reason: event.reason }];
  },
  addParticipant(incident, event, ctx) {
    const id = event.id ?? event.name;
    if (incident.participants.some((p) => p.id === id)) {
      throw invalidInput('participant', ['id'], `Participant "${id}" is already on the incident`, id);
    }
    const participant: Participant = { id, name: event.name, role: event.role, addedAt: ctx.at };
    if (event.team !== undefined) participant.team = event.team;
    return addParticipant(incident, participant);
  },
  setRole(incident, event) {
    const target = incident.participants.find((p) => p.id === event.participantId);
    if (!target) throw new NotFoundError(event.participantId, 'participant');
    const entries: NewTimelineEntry[] = [];
    const participants = incident.participants.map((p) => {
      if (p.id === target.id) return { ...p, role: event.role };
      if (p.role === event.role && SINGLE_HOLDER_ROLES.includes(event.role)) {
        entries.push({ type: 'role_set', participantId: p.id, from: p.role, to: 'responder' });
        return { ...p, role: 'responder' as const };
      }
      return p;
    });
    incident.participants = participants;
    return [...entries, { type: 'role_set', participantId: target.id, from: target.role, to: event.role }];
  },
  note(_incident, event) {
    return [{ type: 'note', text: event.text, visibility: event.visibility }];
  },
  resolve(incident, event, ctx) {
    const resolution = { code: event.code, summary: event.summary, resolvedAt: ctx.at };
    incident.resolution = resolution;
    incident.hold = null;
    return [{ type: 'resolved', resolution }];
  },
  recover(_incident, event) {
    return [{ type: 'recovered', ...(event.note === undefined ? {} : { note: event.note }) }];
  },
  reopen(incident, event) {
    incident.resolution = null;
    return [{ type: 'reopened', reason: event.reason }];
  },
  close(incident, event, ctx) {
    incident.closedAt = ctx.at;
    return [{ type: 'closed', automatic: false, ...(event.note === undefined ? {} : { note: event.note }) }];
  },
  cancel(incident, event, ctx) {
    incident.cancellation = {
      reason: event.reason,
      at: ctx.at,
      ...(event.note === undefined ? {} : { note: event.note }),
    };
    incident.hold = null;
    if (event.duplicateOf !== undefined) incident.links = { ...incident.links, duplicateOf: event.duplicateOf };
    return [
      {
        type: 'cancelled',
        reason: event.reason,
        ...(event.duplicateOf === undefined ? {} : { duplicateOf: event.duplicateOf }),
        ...(event.note === undefined ? {} : { note: event.note }),
      },
    ];
  },
  recordReview(incident, event, ctx) {
    incident.review = { ...event, recordedAt: ctx.at, recordedBy: ctx.actor.id };
    return [{ type: 'review_recorded', actionItems: event.actionItems.length }];
  },
  'timer.escalation'(incident, _event, ctx) {
    return escalate(incident, { kind: 'vertical', mode: 'reassign', reason: 'Not acknowledged in time' }, ctx, true);
  },
  'timer.acknowledgementTimeout'(incident) {
    incident.acknowledgedAt = null;
    return [{ type: 'acknowledgement_expired' }];
  },
  'timer.slaWarning'(incident, _event, ctx) {
    // A clock already due gets its breach, not a late warning.
    return markClocks(
      incident,
      'warnedAt',
      (c) => c.warnAt !== undefined && c.warnAt <= ctx.at && c.dueAt > ctx.at,
      'sla_warning',
    );
  },
  'timer.slaBreach'(incident, _event, ctx) {
    return markClocks(incident, 'breachedAt', (c) => c.dueAt <= ctx.at, 'sla_breached');
  },
  'timer.communicationCadence'(_incident, _event, ctx) {
    return [{ type: 'communication_due', sinceLastUpdateMs: ctx.communicationCadenceMs ?? 0 }];
  },
  'timer.autoClose'(incident, _event, ctx) {
    incident.closedAt = ctx.at;
    return [{ type: 'closed', automatic: true }];
  },
};

/**
 * Marks every running clock (not met, paused or breached) that has reached its instant, once,
 * with one timeline entry each. A timer that finds none records nothing.
 */
function markClocks(
  incident: Incident,
  mark: 'warnedAt' | 'breachedAt',
  reached: (clock: SlaClock) => boolean,
  type: 'sla_warning' | 'sla_breached',
): NewTimelineEntry[] {
  const entries: NewTimelineEntry[] = [];
  const clocks = incident.sla.clocks.map((c) => {
    if (c.metAt || c.pausedAt || c.breachedAt || c.stoppedAt || c[mark] || !reached(c)) return c;
    entries.push({ type, clock: c.name });
    // Stamped with the instant the clock reached, not the (possibly late) firing.
    return { ...c, [mark]: mark === 'breachedAt' ? c.dueAt : c.warnAt };
  });
  if (entries.length > 0) incident.sla = { clocks };
  return entries;
}

/**
 * Writes a priority decision's fields onto the incident: levels and priority (where the decision
 * has them), category and subcategory (a missing subcategory clears it), and the labels rules
 * added. Returns the labels that were new to the incident.
 */
export function applyDecision(incident: Incident, decision: Omit<PriorityDecision, 'reasons'>): string[] {
  if (decision.impact !== null) incident.impact = decision.impact;
  if (decision.urgency !== null) incident.urgency = decision.urgency;
  if (decision.priority !== null) incident.priority = decision.priority;
  incident.category = decision.category;
  if (decision.subcategory === undefined) delete incident.subcategory;
  else incident.subcategory = decision.subcategory;
  const added = decision.labels.filter((label) => !incident.labels.includes(label));
  if (added.length > 0) incident.labels = [...incident.labels, ...added];
  return added;
}

/**
 * Applies an event's data changes to a copy of the incident and returns the timeline entries
 * that record them. The lifecycle state itself comes from the machine, not from here.
 */
export function applyEvent(incident: Incident, event: LifecycleEvent, ctx: ApplyContext): Applied {
  const next: Incident = { ...incident };
  const reducer = reducers[event.type] as Reducer<LifecycleEvent>;
  const entries = reducer(next, event, ctx);
  return { incident: next, entries };
}
