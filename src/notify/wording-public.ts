import type { IncidentSummary, NotificationPayload } from '../ports/store.js';
import { isNotifying, type NotifyingEntryType } from './routing.js';
import type { MessageContent } from './templates.js';
import { clip, oneLine, SHORT_TITLE_MAX, SUBJECT_UPDATE_MAX, unreachable, updateLine, when } from './wording-text.js';

// The default wording for the public audiences (customers and the reporter): plain language
// built from the public fields only (see wording.ts for the other audiences).

/** The incident's state for the public audiences, status-page style. */
function publicStatus(incident: IncidentSummary): string {
  switch (incident.status) {
    case 'new':
    case 'open':
      return 'Investigating';
    case 'active':
      if (incident.phase === 'identified') return 'Identified';
      if (incident.phase === 'monitoring') return 'Monitoring';
      return 'Investigating';
    case 'on_hold':
      return 'On hold';
    case 'resolved':
      return 'Resolved';
    case 'closed':
    case 'cancelled':
      return 'Closed';
  }
}

/** Where the incident stands, in one public sentence. */
function publicStanding(incident: IncidentSummary): string {
  const service = incident.service;
  switch (incident.status) {
    case 'new':
    case 'open':
      return `We are investigating a problem with ${service}.`;
    case 'active':
      if (incident.phase === 'identified') {
        return `We have found the cause of the problem with ${service} and are working on a fix.`;
      }
      if (incident.phase === 'monitoring') {
        return `A fix for the problem with ${service} is in place, and we are watching the results.`;
      }
      return `We are investigating a problem with ${service}.`;
    case 'on_hold':
      return `Work on the problem with ${service} is paused while we wait on a next step.`;
    case 'resolved':
      return `The problem with ${service} has been fixed.`;
    case 'closed':
    case 'cancelled':
      return 'This incident is closed.';
  }
}

/**
 * The public headline of an event (the end of the subject and the short line): status-page
 * words, never a detail of the entry.
 */
function publicHeadline(type: NotifyingEntryType, incident: IncidentSummary): string {
  switch (type) {
    case 'reported':
      return 'investigating';
    case 'update_posted':
      return 'update';
    case 'held':
      return 'on hold';
    case 'major_declared':
      return 'major incident';
    case 'resolved':
      return 'resolved';
    case 'recovered':
      return 'recovered';
    case 'reopened':
      return 'reopened';
    case 'closed':
    case 'cancelled':
      return 'closed';
    case 'triaged':
    case 'acknowledged':
    case 'acknowledgement_expired':
    case 'assigned':
    case 'escalated':
    case 'resumed':
    case 'major_downgraded':
    case 'sla_warning':
    case 'sla_breached':
    case 'sla_met':
    case 'communication_due':
      return publicStatus(incident).toLowerCase();
    default:
      return unreachable(type);
  }
}

/**
 * What happened, in one public sentence built from the incident's service and state only: no
 * note, reason, summary, name or team ever reaches it. (An update's own message is used as it
 * is, by the caller.)
 */
function publicSentence(type: NotifyingEntryType, incident: IncidentSummary): string {
  const service = incident.service;
  switch (type) {
    case 'reported':
      return `We are investigating a problem with ${service}.`;
    case 'triaged':
      return `We have assessed the problem with ${service} and are working on it.`;
    case 'acknowledged':
      return `Our team is working on the problem with ${service}.`;
    case 'assigned':
      return `The problem with ${service} is with the team that will fix it.`;
    case 'escalated':
      return `We have brought in more help to fix the problem with ${service}.`;
    case 'held':
      return `Work on the problem with ${service} is paused while we wait on a next step. We will let you know when it continues.`;
    case 'resumed':
      return `We have resumed work on the problem with ${service}.`;
    case 'major_declared':
      return `The problem with ${service} has a wide impact, and fixing it is our top priority.`;
    case 'major_downgraded':
      return `The problem with ${service} is no longer a major incident. We are still working on it.`;
    case 'resolved':
      return incident.phase === 'recovering'
        ? `The problem with ${service} has been fixed. We are making sure everything is back to normal.`
        : `The problem with ${service} has been fixed.`;
    case 'recovered':
      return `Everything affected by the problem with ${service} is back to normal.`;
    case 'reopened':
      return `The problem with ${service} has come back. We are working on it again.`;
    case 'closed':
      return 'This incident is closed. Thank you for your patience.';
    case 'cancelled':
      return 'This incident is closed; no further action is needed.';
    case 'update_posted':
    case 'acknowledgement_expired':
    case 'sla_warning':
    case 'sla_breached':
    case 'sla_met':
    case 'communication_due':
      return publicStanding(incident);
    default:
      return unreachable(type);
  }
}

/** Customers and the reporter: plain language from the public fields only. */
export function publicContent(incident: IncidentSummary, entry: NotificationPayload['entry']): MessageContent {
  const reference = `${incident.number} ${incident.title}`;
  const shortReference = `${incident.number} ${clip(oneLine(incident.title), SHORT_TITLE_MAX)}`;
  const type = isNotifying(entry.type) ? entry.type : undefined;
  const update = entry.type === 'update_posted' ? entry.message : undefined;
  const headline = type === undefined ? publicStatus(incident).toLowerCase() : publicHeadline(type, incident);
  const subject =
    update === undefined ? `${reference}: ${headline}` : updateLine(reference, update, SUBJECT_UPDATE_MAX);
  const sentence = update ?? (type === undefined ? publicStanding(incident) : publicSentence(type, incident));
  const lines = [
    subject,
    sentence,
    `Status: ${publicStatus(incident)}`,
    `Service: ${incident.service}`,
    `Updated: ${when(entry.at)}`,
  ];
  const short = update === undefined ? `${shortReference}: ${headline}` : `${shortReference}: ${oneLine(update)}`;
  return { subject, text: lines.join('\n'), short };
}
