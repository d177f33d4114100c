import { invalidInput } from '../domain/errors.js';
import type { IdGenerator } from '../domain/ids.js';
import type { Incident } from '../domain/incident.js';
import type {
  Audience,
  NewTimelineEntry,
  NotificationDecision,
  TimelineEntry,
  TimelineEntryType,
} from '../domain/timeline.js';
import type { Channel, RenderedMessage } from '../ports/channel.js';
import type { IncidentSummary, OutboxMessage, OutboxRecord } from '../ports/store.js';
import type { NotificationConfig } from './config.js';
import { type Contact, messageRecipient, reachableFrom } from './contacts.js';
import { describeEntry, describeIncident } from './describe.js';
import { checkRateLimit } from './rate-limit.js';
import { deliveries, NOTIFYING_ENTRY_TYPES, urgencyOf } from './routing.js';

/** Timeline entries that notify. */
const NOTIFYING: ReadonlySet<TimelineEntryType> = new Set<TimelineEntryType>(NOTIFYING_ENTRY_TYPES);

/** Audiences outside the organisation: their messages never say who works on the incident. */
export const PUBLIC_AUDIENCES: ReadonlySet<Audience> = new Set<Audience>(['customers', 'reporter']);

/** Who a public message is from: the organisation, never a person or an internal id. */
const PUBLIC_ACTOR = { id: 'support' } as const;

function summary(incident: Incident, internal: boolean): IncidentSummary {
  const { id, number, title, status, phase, priority, major, service, environment, tenant, assignment } = incident;
  return {
    id,
    number,
    title,
    status,
    phase,
    priority,
    major,
    service,
    environment,
    ...(tenant === undefined ? {} : { tenant }),
    ...(internal ? { assignment } : {}),
  };
}

/** What a commit notifies: outbox messages, and (with routes) the decisions for the timeline. */
export interface Notifications {
  outbox: OutboxMessage[];
  /** One `notified` entry per notifying entry, to append to the commit's entries. */
  decisions: NewTimelineEntry[];
}

/** Recipients grouped by the instant a message may reach them, earliest first. */
function byReachableInstant(contacts: readonly Contact[], urgency: 'high' | 'low', now: number): [number, Contact[]][] {
  if (contacts.length === 0 || urgency === 'high') return [[now, [...contacts]]];
  const groups = new Map<number, Contact[]>();
  for (const contact of contacts) {
    const at = reachableFrom(contact, now);
    groups.set(at, [...(groups.get(at) ?? []), contact]);
  }
  return [...groups].sort(([a], [b]) => a - b);
}

/**
 * Notification intents of a commit: outbox messages per notifying entry, audience and channel,
 * in timeline order. Without routes every channel receives every message; with them,
 * {@link deliveries} decides, each message carries its `route` explanation, one message goes to
 * each group of recipients that may be reached at the same instant (low-urgency messages wait
 * for quiet hours to end), and each entry's decisions are recorded in a `notified` entry.
 */
export function outboxMessages(
  incident: Incident,
  entries: readonly TimelineEntry[],
  channels: readonly string[],
  ids: IdGenerator,
  now: number,
  config: NotificationConfig,
): Notifications {
  const result: Notifications = { outbox: [], decisions: [] };
  if (channels.length === 0) return result;
  // One summary per view, shared by the commit's messages.
  const views = new Map<boolean, IncidentSummary>();
  const urgency = urgencyOf(incident, config.highUrgencyFrom);
  for (const entry of entries) {
    if (!NOTIFYING.has(entry.type)) continue;
    const routed = deliveries(incident, entry, channels, config.routes);
    const decisions: NotificationDecision[] = [];
    for (const { audience, channel, route, recipients } of routed.deliveries) {
      const internal = !PUBLIC_AUDIENCES.has(audience);
      let view = views.get(internal);
      if (view === undefined) {
        view = summary(incident, internal);
        views.set(internal, view);
      }
      const about = internal ? entry : { ...entry, actor: PUBLIC_ACTOR };
      const contacts = recipients.map((id) => config.contacts.get(id)).filter((c) => c !== undefined);
      for (const [availableAt, group] of byReachableInstant(contacts, urgency, now)) {
        const id = ids();
        result.outbox.push({
          id,
          incidentId: incident.id,
          channel,
          audience,
          payload: {
            event: `incident.${entry.type}`,
            incident: view,
            entry: about,
            urgency,
            ...(group.length === 0 ? {} : { recipients: group.map(messageRecipient) }),
            ...(route === undefined ? {} : { route }),
          },
          createdAt: now,
          availableAt,
          // Held messages queue apart, per recipient group: they must not hold up the others.
          ...(availableAt > now ? { lane: `quiet:${group.map((c) => c.id).join(',')}` } : {}),
        });
        if (route === undefined) continue;
        decisions.push({
          messageId: id,
          audience,
          channel,
          ...(group.length === 0 ? {} : { recipients: group.map((c) => c.id) }),
          routes: route.names,
          reason: route.reason,
          urgency,
          ...(availableAt > now ? { heldUntil: new Date(availableAt).toISOString() } : {}),
        });
      }
    }
    if (config.routes !== undefined) {
      result.decisions.push({
        type: 'notified',
        about: entry.seq,
        event: `incident.${entry.type}`,
        deliveries: decisions,
        unrouted: routed.unrouted,
      });
    }
  }
  return result;
}

/** The default rendering: a one-line subject and a short plain-text body. */
export function renderMessage(message: OutboxRecord): RenderedMessage {
  const { incident, entry, event } = message.payload;
  const what = describeEntry(entry);
  const subject = `${describeIncident(incident)}: ${what}`;
  const { assignment } = incident;
  const internal = !PUBLIC_AUDIENCES.has(message.audience);
  const lines = [
    subject,
    `Service: ${incident.service} (${incident.environment})${incident.tenant ? `, tenant ${incident.tenant}` : ''}`,
    ...(internal && assignment
      ? [`Owner: ${assignment.team ?? 'unassigned'}${assignment.assignee ? ` / ${assignment.assignee}` : ''}`]
      : []),
    internal ? `At: ${entry.at} by ${entry.actor.name ?? entry.actor.id}` : `At: ${entry.at}`,
  ];
  return {
    id: message.id,
    event,
    audience: message.audience,
    subject,
    text: lines.join('\n'),
    payload: message.payload,
  };
}

/** Channels by name, from the kit's `channels` option; `ValidationError` for a bad `rateLimit`. */
export function channelMap(channels: Record<string, Channel> | readonly Channel[] | undefined): Map<string, Channel> {
  const map = new Map<string, Channel>();
  if (!channels) return map;
  const list = Array.isArray(channels)
    ? (channels as readonly Channel[]).map((c) => [c.name, c] as const)
    : Object.entries(channels);
  for (const [name, channel] of list) {
    if (map.has(name)) {
      throw invalidInput('channels', ['channels', name], `Two channels are named "${name}"`, name);
    }
    checkRateLimit(name, channel);
    map.set(name, channel);
  }
  return map;
}
