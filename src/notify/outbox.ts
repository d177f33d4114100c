import { invalidInput } from '../domain/errors.js';
import type { IdGenerator } from '../domain/ids.js';
import type { Incident } from '../domain/incident.js';
import type { TimelineEntry, TimelineEntryType } from '../domain/timeline.js';
import type { Route } from '../options.js';
import type { Channel, RenderedMessage } from '../ports/channel.js';
import type { IncidentSummary, OutboxMessage, OutboxRecord, PublicTimelineEntry } from '../ports/store.js';
import { deliveries, NOTIFYING_ENTRY_TYPES } from './routing.js';
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

/**
 * Notification intents of a commit: one outbox message per notifying entry, audience and
 * channel, in timeline order. Without `routes` every channel receives every audience; with
 * them, {@link deliveries} decides (and each message carries its `route` explanation).
 */
export function outboxMessages(
  incident: Incident,
  entries: readonly TimelineEntry[],
  channels: readonly string[],
  ids: IdGenerator,
  now: number,
  routes?: readonly Route[],
): OutboxMessage[] {
  if (channels.length === 0) return [];
  const messages: OutboxMessage[] = [];
  // One summary per view, shared by the commit's messages.
  const views = new Map<boolean, IncidentSummary>();
  for (const entry of entries) {
    if (!NOTIFYING.has(entry.type)) continue;
    for (const { audience, channel, route } of deliveries(incident, entry, channels, routes)) {
      const internal = !PUBLIC_AUDIENCES.has(audience);
      let view = views.get(internal);
      if (view === undefined) {
        view = summary(incident, internal);
        views.set(internal, view);
      }
      const about = internal ? entry : publicEntry(entry);
      messages.push({
        id: ids(),
        incidentId: incident.id,
        channel,
        audience,
        payload: {
          event: `incident.${entry.type}`,
          incident: view,
          entry: about,
          ...(route === undefined ? {} : { route }),
        },
        createdAt: now,
        availableAt: now,
      });
    }
  }
  return messages;
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

/** Channels by name, from the kit's `channels` option. */
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
    map.set(name, channel);
  }
  return map;
}
