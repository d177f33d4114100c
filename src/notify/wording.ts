import type { TimelineEntry, TimelineEntryOf } from '../domain/timeline.js';
import type { IncidentSummary, OutboxRecord } from '../ports/store.js';
import { BUSINESS_AUDIENCES, PUBLIC_AUDIENCES } from './audiences.js';
import { describeEntry, describeIncident } from './describe.js';
import { isNotifying, type NotifyingEntryType } from './routing.js';
import type { MessageContent } from './templates.js';
import { publicContent } from './wording-public.js';
import { clip, oneLine, SHORT_TITLE_MAX, SUBJECT_UPDATE_MAX, unreachable, updateLine, when } from './wording-text.js';

// The default wording of a message, per audience group:
// - responders: operational, every detail (what describeEntry says, owner, actor);
// - stakeholders and management: a business summary of structured facts, never free text
//   written for responders (notes, reasons, resolution summaries), never a person;
// - customers and reporter (public): plain language from public fields only.
// A user's templates (the kit's `templates` option, see templates.ts) may replace parts of any of them.

function tags(incident: IncidentSummary): string {
  return [incident.priority ?? 'untriaged', ...(incident.major ? ['major'] : [])].join(', ');
}

/** The incident's state for the business audiences, e.g. `Cause identified, fix in progress`. */
function statusInWords(incident: IncidentSummary): string {
  switch (incident.status) {
    case 'new':
      return 'Reported, not assessed yet';
    case 'open':
      return 'Open, waiting for a responder';
    case 'active':
      if (incident.phase === 'identified') return 'Cause identified, fix in progress';
      if (incident.phase === 'monitoring') return 'Fix applied, being monitored';
      return 'Being investigated';
    case 'on_hold':
      return 'On hold';
    case 'resolved':
      return incident.phase === 'recovering' ? 'Resolved, recovery under way' : 'Resolved';
    case 'closed':
      return 'Closed';
    case 'cancelled':
      return 'Cancelled';
  }
}

/** The business headline of an event: a few words, e.g. `escalated`, `priority P3 -> P1`. */
function businessHeadline(entry: TimelineEntry): string {
  const type = entry.type;
  if (!isNotifying(type)) return 'updated';
  switch (type) {
    case 'reported':
      return 'reported';
    case 'triaged': {
      const { priority, previousPriority } = entry as TimelineEntryOf<'triaged'>;
      return previousPriority ? `priority ${previousPriority} -> ${priority}` : `prioritized ${priority}`;
    }
    case 'acknowledged':
      return 'acknowledged';
    case 'acknowledgement_expired':
      return 'acknowledgement expired';
    case 'assigned':
      return 'assigned';
    case 'escalated':
      return 'escalated';
    case 'update_posted':
      return 'update';
    case 'held':
      return 'on hold';
    case 'resumed':
      return 'resumed';
    case 'major_declared':
      return 'declared major';
    case 'major_downgraded':
      return 'no longer major';
    case 'resolved':
      return 'resolved';
    case 'recovered':
      return 'recovered';
    case 'reopened':
      return 'reopened';
    case 'closed':
      return 'closed';
    case 'cancelled':
      return 'cancelled';
    case 'sla_warning':
      return `${(entry as TimelineEntryOf<'sla_warning'>).clock} target at risk`;
    case 'sla_breached':
      return `${(entry as TimelineEntryOf<'sla_breached'>).clock} target missed`;
    case 'sla_met':
      return `${(entry as TimelineEntryOf<'sla_met'>).clock} target met`;
    case 'communication_due':
      return 'update due';
    default:
      return unreachable(type);
  }
}

const REPORTER_KINDS: Readonly<Record<string, string>> = {
  employee: 'an employee',
  customer: 'a customer',
  vendor: 'a vendor',
  monitoring: 'monitoring',
  automation: 'automation',
};

const HOLD_REASONS_IN_WORDS: Readonly<Record<string, string>> = {
  awaiting_caller: 'waiting on the caller',
  awaiting_vendor: 'waiting on a vendor',
  awaiting_change: 'waiting on a change',
  awaiting_problem: 'waiting on a problem investigation',
};

const RESOLUTIONS_IN_WORDS: Readonly<Record<string, string>> = {
  fixed: 'fixed',
  workaround: 'a workaround is in place',
  no_fault_found: 'no fault found',
  vendor_fixed: 'fixed by the vendor',
  other: 'resolved',
};

const CANCEL_REASONS_IN_WORDS: Readonly<Record<string, string>> = {
  duplicate: 'a duplicate of another incident',
  false_positive: 'a false alarm',
  not_an_incident: 'not an incident',
  merged: 'merged into another incident',
};

function team(assignment: { team: string | null; tier: number }): string {
  return `${assignment.team ?? 'no team'}, tier ${assignment.tier}`;
}

/**
 * What changed, in one sentence for the business audiences: structured facts only (priorities,
 * teams, codes), never the free text responders wrote (notes, reasons, summaries) and never a
 * person's name.
 */
function businessSentence(entry: TimelineEntry): string {
  if (!isNotifying(entry.type)) return 'The incident was updated.';
  const e = entry as Extract<TimelineEntry, { type: NotifyingEntryType }>;
  switch (e.type) {
    case 'reported':
      return `Reported by ${REPORTER_KINDS[e.reporter.kind] ?? e.reporter.kind}.`;
    case 'triaged':
      return e.previousPriority
        ? `Priority changed from ${e.previousPriority} to ${e.priority}.`
        : `Prioritized ${e.priority} (impact ${e.impact}, urgency ${e.urgency}).`;
    case 'acknowledged':
      return 'A responder acknowledged the incident and is working on it.';
    case 'acknowledgement_expired':
      return 'The acknowledgement expired; the incident is waiting for a responder again.';
    case 'assigned':
      return `Assigned to ${team(e.to)}.`;
    case 'escalated': {
      const step = e.step;
      const level = `escalation level ${step.level}`;
      if (step.mode === 'swarm') return `${step.to.team ?? 'Another team'} was brought in to help (${level}).`;
      return `Escalated${step.automatic ? ' automatically' : ''} to ${team(step.to)} (${level}).`;
    }
    case 'update_posted':
      return e.message;
    case 'held': {
      const reason = HOLD_REASONS_IN_WORDS[e.reason];
      return reason ? `On hold, ${reason}.` : 'On hold.';
    }
    case 'resumed':
      return 'Work has resumed.';
    case 'major_declared':
      return 'Declared a major incident.';
    case 'major_downgraded':
      return 'No longer a major incident.';
    case 'resolved':
      return `Resolved: ${RESOLUTIONS_IN_WORDS[e.resolution.code] ?? 'resolved'}.`;
    case 'recovered':
      return 'Recovery is complete.';
    case 'reopened':
      return 'Reopened: the problem came back.';
    case 'closed':
      return e.automatic ? 'Closed automatically.' : 'Closed.';
    case 'cancelled':
      return `Cancelled: ${CANCEL_REASONS_IN_WORDS[e.reason] ?? e.reason}.`;
    case 'sla_warning':
      return `The ${e.clock} target is at risk.`;
    case 'sla_breached':
      return `The ${e.clock} target was missed.`;
    case 'sla_met':
      return `The ${e.clock} target was met.`;
    case 'communication_due':
      return `No update for ${Math.round(e.sinceLastUpdateMs / 60_000)} minutes: a stakeholder update is due.`;
    default:
      return unreachable(e);
  }
}

// --- Default content per audience -----------------------------------------------------------

/** Responders: everything, as `describeEntry` says it, with the owner and the actor. */
function responderContent(incident: IncidentSummary, entry: TimelineEntry): MessageContent {
  const subject = `${describeIncident(incident)}: ${describeEntry(entry)}`;
  const { assignment } = incident;
  const lines = [
    subject,
    `Service: ${incident.service} (${incident.environment})${incident.tenant ? `, tenant ${incident.tenant}` : ''}`,
    ...(assignment
      ? [`Owner: ${assignment.team ?? 'unassigned'}${assignment.assignee ? ` / ${assignment.assignee}` : ''}`]
      : []),
    `At: ${entry.at} by ${entry.actor.name ?? entry.actor.id}`,
  ];
  const reference = `${incident.number} [${tags(incident)}] ${clip(oneLine(incident.title), SHORT_TITLE_MAX)}`;
  const short =
    entry.type === 'update_posted'
      ? `${reference}: ${oneLine(entry.message)}`
      : `${reference}: ${businessHeadline(entry)}`;
  return { subject, text: lines.join('\n'), short };
}

/** Stakeholders and management: the business summary. */
function businessContent(incident: IncidentSummary, entry: TimelineEntry): MessageContent {
  const reference = `${incident.number} [${tags(incident)}] ${incident.title}`;
  const shortReference = `${incident.number} [${tags(incident)}] ${clip(oneLine(incident.title), SHORT_TITLE_MAX)}`;
  const update = entry.type === 'update_posted' ? entry.message : undefined;
  const subject =
    update === undefined
      ? `${reference}: ${businessHeadline(entry)}`
      : updateLine(reference, update, SUBJECT_UPDATE_MAX);
  const priority = incident.priority ?? 'not set yet';
  const owner = incident.assignment?.team;
  const lines = [
    subject,
    update === undefined ? businessSentence(entry) : `Update: ${update}`,
    `Status: ${statusInWords(incident)}`,
    `Priority: ${priority}${incident.major ? ', major incident' : ''}`,
    `Service: ${incident.service} (${incident.environment})${incident.tenant ? `, tenant ${incident.tenant}` : ''}`,
    ...(incident.assignment ? [`Owning team: ${owner ?? 'not assigned yet'}`] : []),
    `Updated: ${when(entry.at)}`,
  ];
  const short =
    update === undefined ? `${shortReference}: ${businessHeadline(entry)}` : `${shortReference}: ${oneLine(update)}`;
  return { subject, text: lines.join('\n'), short };
}

/**
 * The default content of an outbox message for its audience: the responders' operational
 * detail, the business summary for stakeholders and management, or the public wording for
 * customers and the reporter.
 */
export function defaultContent(message: OutboxRecord): MessageContent {
  const { incident, entry } = message.payload;
  if (PUBLIC_AUDIENCES.has(message.audience)) return publicContent(incident, entry);
  // Messages to internal audiences carry the whole entry (see outboxMessages).
  const full = entry as TimelineEntry;
  if (BUSINESS_AUDIENCES.has(message.audience)) return businessContent(incident, full);
  return responderContent(incident, full);
}
