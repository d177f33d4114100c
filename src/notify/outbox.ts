import { invalidInput } from '../domain/errors.js';
import type { IdGenerator } from '../domain/ids.js';
import type { Incident } from '../domain/incident.js';
import type { Audience, TimelineEntry, TimelineEntryType } from '../domain/timeline.js';
import type { Route } from '../options.js';
import type { Channel, RenderedMessage } from '../ports/channel.js';
import type { IncidentSummary, OutboxMessage, OutboxRecord } from '../ports/store.js';
import { describeEntry, describeIncident } from './describe.js';
import { checkRateLimit } from './rate-limit.js';
import { deliveries, NOTIFYING_ENTRY_TYPES } from './routing.js';

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
      const about = internal ? entry : { ...entry, actor: PUBLIC_ACTOR };
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
