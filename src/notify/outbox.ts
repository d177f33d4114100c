import { invalidInput } from '../domain/errors.js';
import { fnv1a } from '../domain/hash.js';
import type { IdGenerator } from '../domain/ids.js';
import type { Incident, MessageUrgency } from '../domain/incident.js';
import type { NewTimelineEntry, NotificationDecision, TimelineEntry } from '../domain/timeline.js';
import type { Channel, RenderedMessage } from '../ports/channel.js';
import type {
  IncidentSummary,
  NotificationPayload,
  OutboxMessage,
  OutboxRecord,
  PublicTimelineEntry,
} from '../ports/store.js';
import { PUBLIC_AUDIENCES } from './audiences.js';
import type { NotificationConfig } from './config.js';
import { type Contact, messageRecipient, reachableFrom } from './contacts.js';
import { checkRateLimit } from './rate-limit.js';
import { deliveries, isNotifying, urgencyOf } from './routing.js';
import { type MessageTemplates, messageContent } from './templates.js';

/** Who a public message is from: the organisation, never a person or an internal id. */
const PUBLIC_ACTOR = { id: 'support' } as const;

/** An entry as a public message carries it: no field but its type, place and time (an update keeps its message). */
function publicEntry(entry: TimelineEntry | PublicTimelineEntry): PublicTimelineEntry {
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

/** One message of a delivery: the recipients it addresses and the instant it is due. */
interface Sending {
  at: number;
  group: Contact[];
}

/**
 * How one delivery's recipients are sent. A channel that addresses contacts (`channel.contacts`)
 * gets one message per group of recipients reachable at the same instant (low urgency: after
 * their quiet hours), and, for the public audiences, one message per recipient, so that no
 * customer sees another's address. Any other channel gets one message, at once.
 */
function sendings(
  contacts: Contact[],
  addresses: boolean,
  isPublic: boolean,
  urgency: MessageUrgency,
  now: number,
): Sending[] {
  if (!addresses || contacts.length === 0) return [{ at: now, group: contacts }];
  const dueOf = (contact: Contact) => (urgency === 'high' ? now : reachableFrom(contact, now));
  if (isPublic) return contacts.map((contact) => ({ at: dueOf(contact), group: [contact] }));
  const groups = new Map<number, Contact[]>();
  for (const contact of contacts) {
    const due = dueOf(contact);
    groups.set(due, [...(groups.get(due) ?? []), contact]);
  }
  return [...groups].sort(([a], [b]) => a - b).map(([at, group]) => ({ at, group }));
}

/** The outbox lane of messages held for `group`: short and fixed-length, whatever the ids. */
function quietLane(group: readonly Contact[]): string {
  return `quiet:${fnv1a(group.map((c) => c.id).join('\u0000')).toString(36)}`;
}

/**
 * Notification intents of a commit: outbox messages per notifying entry, audience and channel,
 * in timeline order. Without routes every channel receives every message; with them,
 * {@link deliveries} decides, each internal message carries its `route` explanation, messages to
 * channels that address contacts are split per {@link sendings}, and each entry's decisions are
 * recorded in a `notified` entry.
 */
export function outboxMessages(
  incident: Incident,
  entries: readonly TimelineEntry[],
  channels: ReadonlyMap<string, Channel>,
  ids: IdGenerator,
  now: number,
  config: NotificationConfig,
): Notifications {
  const result: Notifications = { outbox: [], decisions: [] };
  if (channels.size === 0) return result;
  const names = [...channels.keys()];
  // One summary per view, shared by the commit's messages.
  const views = new Map<boolean, IncidentSummary>();
  const viewOf = (internal: boolean) => {
    const view = views.get(internal) ?? summary(incident, internal);
    views.set(internal, view);
    return view;
  };
  const incidentUrgency = urgencyOf(incident, config.highUrgencyFrom);
  for (const entry of entries) {
    if (!isNotifying(entry.type)) continue;
    // An escalation policy level may set the urgency of the messages that page it.
    const urgency = (entry.type === 'escalated' ? entry.step.urgency : undefined) ?? incidentUrgency;
    const routed = deliveries(incident, entry, names, config.routes);
    const decisions: NotificationDecision[] = [];
    for (const { audience, channel, route, recipients } of routed.deliveries) {
      const isPublic = PUBLIC_AUDIENCES.has(audience);
      const contacts = recipients.map((id) => config.contacts.get(id)).filter((c) => c !== undefined);
      const addresses = channels.get(channel)?.contacts !== undefined;
      for (const { at, group } of sendings(contacts, addresses, isPublic, urgency, now)) {
        const id = ids();
        result.outbox.push({
          id,
          incidentId: incident.id,
          channel,
          audience,
          payload: {
            event: `incident.${entry.type}`,
            incident: viewOf(!isPublic),
            entry: isPublic ? publicEntry(entry) : entry,
            urgency,
            ...(group.length === 0 ? {} : { recipients: group.map(messageRecipient) }),
            // Route names and reasons are configuration: internal.
            ...(route === undefined || isPublic ? {} : { route }),
          },
          createdAt: now,
          availableAt: at,
          // Held messages queue apart, per recipient group: they must not hold up the others.
          ...(at > now ? { lane: quietLane(group) } : {}),
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
          ...(at > now ? { heldUntil: new Date(at).toISOString() } : {}),
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
  const safe = PUBLIC_AUDIENCES.has(message.audience)
    ? { ...message, payload: publicPayload(message.payload) }
    : message;
  const { subject, text, short } = await messageContent(safe, templates);
  return {
    id: message.id,
    event: message.payload.event,
    audience: message.audience,
    subject,
    text,
    short,
    payload: safe.payload,
  };
}

/**
 * A public audience's payload as it must be, whatever the store holds: messages queued by an
 * earlier version may carry the whole entry, the assignment or the route.
 */
function publicPayload(payload: NotificationPayload): NotificationPayload {
  const { route: _route, incident, entry, ...rest } = payload;
  const { assignment: _assignment, ...view } = incident;
  return { ...rest, urgency: rest.urgency ?? 'high', incident: view, entry: publicEntry(entry) };
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
