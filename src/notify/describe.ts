import type { Incident } from '../domain/incident.js';
import type { TimelineEntry, TimelineEntryOf } from '../domain/timeline.js';

function who(a: { team: string | null; tier: number; assignee: string | null }): string {
  const parts = [a.team ?? 'no team', `tier ${a.tier}`];
  if (a.assignee) parts.push(a.assignee);
  return parts.join(' / ');
}

/** One line of plain English for a timeline entry, e.g. `escalated vertically to ops / tier 2`. */
export function describeEntry(entry: TimelineEntry): string {
  switch (entry.type) {
    case 'reported':
      return `reported by ${entry.reporter.name} (${entry.reporter.kind}): ${entry.title}`;
    case 'duplicate_reported':
      return `reported again by ${entry.reporter.name} (${entry.reporter.kind}): ${entry.title}`;
    case 'triaged': {
      const change = entry.previousPriority ? `${entry.previousPriority} -> ${entry.priority}` : entry.priority;
      return `prioritized ${change} (impact ${entry.impact}, urgency ${entry.urgency}): ${entry.reasons.map((r) => r.detail).join('; ')}`;
    }
    case 'acknowledged':
      return `acknowledged${entry.note ? `: ${entry.note}` : ''}`;
    case 'acknowledgement_expired':
      return 'acknowledgement expired; unacknowledged again';
    case 'assigned':
      return `assigned ${who(entry.from)} -> ${who(entry.to)}`;
    case 'escalated': {
      const s = entry.step;
      const how = s.mode === 'swarm' ? 'swarmed' : 'escalated';
      const auto = s.automatic ? ' automatically' : '';
      return `${how}${auto} ${s.kind === 'vertical' ? 'vertically' : 'laterally'} to ${who(s.to)} (level ${s.level}): ${s.reason}`;
    }
    case 'participant_added':
      return `${entry.participant.name} joined as ${entry.participant.role}`;
    case 'role_set':
      return `${entry.participantId}: ${entry.from} -> ${entry.to}`;
    case 'note':
      return `note (${entry.visibility}): ${entry.text}`;
    case 'update_posted': {
      const phase = entry.phase ? ` [${entry.phase}]` : '';
      return `update to ${entry.audiences.join(', ')}${phase}: ${entry.message}`;
    }
    case 'held':
      return `on hold: ${entry.reason}${entry.detail ? ` (${entry.detail})` : ''}`;
    case 'resumed':
      return `resumed (${entry.to})${entry.note ? `: ${entry.note}` : ''}`;
    case 'major_declared':
      return `declared major: ${entry.reason}`;
    case 'major_downgraded':
      return `major downgraded: ${entry.reason}`;
    case 'resolved':
      return `resolved (${entry.resolution.code}): ${entry.resolution.summary}`;
    case 'recovered':
      return `recovered${entry.note ? `: ${entry.note}` : ''}`;
    case 'reopened':
      return `reopened: ${entry.reason}`;
    case 'review_recorded':
      return `review recorded (${entry.actionItems} action item${entry.actionItems === 1 ? '' : 's'})`;
    case 'closed':
      return entry.automatic ? 'closed automatically' : `closed${entry.note ? `: ${entry.note}` : ''}`;
    case 'cancelled':
      return `cancelled (${entry.reason})${entry.duplicateOf ? ` as duplicate of ${entry.duplicateOf}` : ''}`;
    case 'sla_warning':
      return `SLA warning: ${entry.clock} target nearly reached`;
    case 'sla_met':
      return `SLA met: ${entry.clock} target reached in time`;
    case 'sla_breached':
      return `SLA breached: ${entry.clock} target missed`;
    case 'communication_due':
      return `stakeholder update due (none for ${Math.round(entry.sinceLastUpdateMs / 60_000)} min)`;
    case 'notified':
      return describeNotified(entry);
  }
}

/** `notified #4 incident.resolved: management on email to ana (held until ...), ...; no route for customers` */
function describeNotified(entry: TimelineEntryOf<'notified'>): string {
  const sent = entry.deliveries.map((d) => {
    const to = d.recipients ? ` to ${d.recipients.join(', ')}` : '';
    const held = d.heldUntil ? ` (quiet hours: held until ${d.heldUntil})` : '';
    return `${d.audience} on ${d.channel}${to}${held}`;
  });
  const parts = [sent.length > 0 ? sent.join(', ') : 'nobody'];
  if (entry.unrouted.length > 0) parts.push(`no route for ${entry.unrouted.join(', ')}`);
  return `notified about #${entry.about} ${entry.event}: ${parts.join('; ')}`;
}

/**
 * A readable timeline, one line per entry: `#3 2026-11-27 12:05 [ana] acknowledged`.
 * Handy in logs, CLIs and the quickstart.
 */
export function formatTimeline(entries: readonly TimelineEntry[]): string {
  return entries
    .map((e) => `#${e.seq} ${e.at.slice(0, 16).replace('T', ' ')} [${e.actor.name ?? e.actor.id}] ${describeEntry(e)}`)
    .join('\n');
}

/** `INC-7 [P1, major] Checkout is down (active/investigating)` */
export function describeIncident(
  incident: Pick<Incident, 'number' | 'priority' | 'major' | 'title' | 'status' | 'phase'>,
): string {
  const tags = [incident.priority ?? 'untriaged', ...(incident.major ? ['major'] : [])].join(', ');
  const state = incident.phase ? `${incident.status}/${incident.phase}` : incident.status;
  return `${incident.number} [${tags}] ${incident.title} (${state})`;
}
