import { invalidInput } from '../domain/errors.js';
import type { IdGenerator } from '../domain/ids.js';
import type { Incident } from '../domain/incident.js';
import type { NewTimelineEntry, NotificationDecision, TimelineEntry, TimelineEntryType } from '../domain/timeline.js';
import type { Channel, RenderedMessage } from '../ports/channel.js';
import type { IncidentSummary, OutboxMessage, OutboxRecord, PublicTimelineEntry } from '../ports/store.js';
import type { NotificationConfig } from './config.js';
import { type Contact, messageRecipient, reachableFrom } from './contacts.js';
import { checkRateLimit } from './rate-limit.js';
import { deliveries, NOTIFYING_ENTRY_TYPES, urgencyOf } from './routing.js';
import { type MessageTemplates, messageContent, PUBLIC_AUDIENCES } from './templates.js';

/** Timeline entries that notify. */
const NOTIFYING: ReadonlySet<TimelineEntryType> = new Set<TimelineEntryType>(NOTIFYING_ENTRY_TYPES);

/** Who a public message is from: the organisation, never a person or an internal id. */
const PUBLIC_ACTOR = { id: 'support' } as const;

/** An entry as a public message carries it: no field but its type, place and time (an update keeps its message). */
function publicEntry(entry: TimelineEntry): PublicTimelineEntry {
  if (entry.type === 'update_posted') return { ...entry, actor: PUBLIC_ACTOR };
  const { type, incidentId, seq, at } = entry;
  return { type, incidentId, seq, at, actor: PUBLIC_ACTOR };
}

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
      const about = internal ? entry : publicEntry(entry);
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

/**
 * Renders an outbox message for its channel: the content for its audience (the default wording,
 * or the user's template, see {@link messageContent}) with the message's id, event and payload.
 * Rejects with a permanent `ChannelError` when a template fails.
 */
export async function renderMessage(message: OutboxRecord, templates?: MessageTemplates): Promise<RenderedMessage> {
  const { subject, text, short } = await messageContent(message, templates);
  return {
    id: message.id,
    event: message.payload.event,
    audience: message.audience,
    subject,
    text,
    short,
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
