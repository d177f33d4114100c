import { type Incident, type MessageUrgency, PRIORITY_ORDER, type Priority } from '../domain/incident.js';
import type { Audience, TimelineEntry, TimelineEntryType } from '../domain/timeline.js';
import type { NotificationRoute } from '../ports/store.js';
import type { Route } from './config.js';

/**
 * Timeline entry types that notify, and the values a route's `events` may list. Internal
 * bookkeeping (notes, participants, roles, reviews, repeated reports) does not notify.
 */
export const NOTIFYING_ENTRY_TYPES = [
  'reported',
  'triaged',
  'acknowledged',
  'acknowledgement_expired',
  'assigned',
  'escalated',
  'update_posted',
  'held',
  'resumed',
  'major_declared',
  'major_downgraded',
  'resolved',
  'recovered',
  'reopened',
  'closed',
  'cancelled',
  'sla_warning',
  'sla_breached',
  'sla_met',
  'communication_due',
] as const satisfies readonly TimelineEntryType[];

/** Timeline entry types that notify: the values of a route's `events`, and of templates' events. */
export type NotifyingEntryType = (typeof NOTIFYING_ENTRY_TYPES)[number];

/** {@link NOTIFYING_ENTRY_TYPES} as a set. */
export const NOTIFYING: ReadonlySet<string> = new Set(NOTIFYING_ENTRY_TYPES);

/** Whether entries of `type` notify. */
export function isNotifying(type: string): type is NotifyingEntryType {
  return NOTIFYING.has(type);
}

/** Where one notification goes: an audience on a channel, and why (only when routes decided it). */
export interface Delivery {
  audience: Audience;
  channel: string;
  route?: NotificationRoute;
  /** Contact ids the matching routes name for this channel (none: the channel chooses). */
  recipients: string[];
}

/** Where the notifications of one entry go, and the candidate audiences no route matched. */
export interface Deliveries {
  deliveries: Delivery[];
  /** Only with routes: audiences the entry addresses that no route delivers. */
  unrouted: Audience[];
}

/** A route as the kit keeps it: validated, with a label for explanations. */
interface LabelledRoute {
  label: string;
  route: Route;
}

/** How a route is named in explanations: its `name`, else its place in `routes`. */
function labelled(routes: readonly Route[]): LabelledRoute[] {
  return routes.map((route, i) => ({ label: route.name ?? `routes[${i}]`, route }));
}

/**
 * The audiences an entry addresses: `update_posted` its own `audiences`; any other entry
 * `responders`, plus (with routes) every audience a route subscribes to this entry type.
 */
export function candidateAudiences(entry: TimelineEntry, routes: readonly Route[] | undefined): Audience[] {
  if (entry.type === 'update_posted') return [...new Set(entry.audiences)];
  const audiences = new Set<Audience>(['responders']);
  for (const route of routes ?? []) {
    if (route.events?.includes(entry.type as NotifyingEntryType)) audiences.add(route.audience);
  }
  return [...audiences];
}

/**
 * Why a route matches an entry of an incident, one part per filter (`service checkout`,
 * `priority P1 >= P2`), or `null` when a filter does not match.
 */
export function matchRoute(route: Route, incident: Incident, entry: TimelineEntry): string[] | null {
  const parts = [`audience ${route.audience}`];
  if (route.events !== undefined) {
    if (!route.events.includes(entry.type as NotifyingEntryType)) return null;
    parts.push(`event ${entry.type}`);
  }
  if (route.services !== undefined) {
    if (!route.services.includes(incident.service)) return null;
    parts.push(`service ${incident.service}`);
  }
  if (route.tenants !== undefined) {
    if (incident.tenant === undefined || !route.tenants.includes(incident.tenant)) return null;
    parts.push(`tenant ${incident.tenant}`);
  }
  if (route.environments !== undefined) {
    if (!route.environments.includes(incident.environment)) return null;
    parts.push(`environment ${incident.environment}`);
  }
  if (route.minPriority !== undefined) {
    // P1 is the most urgent: an incident passes when its priority ranks at or before the minimum.
    // An untriaged incident (no priority) never passes.
    const { priority } = incident;
    if (priority === null || PRIORITY_ORDER.indexOf(priority) > PRIORITY_ORDER.indexOf(route.minPriority)) return null;
    parts.push(`priority ${priority} >= ${route.minPriority}`);
  }
  if (route.majorOnly === true) {
    if (!incident.major) return null;
    parts.push('major');
  }
  return parts;
}

/**
 * Where the notifications of one entry go. Without routes: every candidate audience on every
 * channel, unexplained (the behaviour before routes). With routes: each candidate audience on
 * the union of the channels of its matching routes, each delivery naming the routes that chose
 * that channel and why, and the recipients they name; an audience no route matches gets nothing
 * and is listed in `unrouted`.
 */
export function deliveries(
  incident: Incident,
  entry: TimelineEntry,
  channels: readonly string[],
  routes: readonly Route[] | undefined,
): Deliveries {
  const out: Delivery[] = [];
  const unrouted: Audience[] = [];
  const all = routes === undefined ? undefined : labelled(routes);
  for (const audience of candidateAudiences(entry, routes)) {
    if (all === undefined) {
      for (const channel of channels) out.push({ audience, channel, recipients: [] });
      continue;
    }
    const matched: { label: string; route: Route; reason: string }[] = [];
    for (const { label, route } of all) {
      if (route.audience !== audience) continue;
      const parts = matchRoute(route, incident, entry);
      if (parts !== null) matched.push({ label, route, reason: `route "${label}": ${parts.join(', ')}` });
    }
    let routed = false;
    // Channels in the kit's order, so that the outbox order does not depend on the routes' order.
    for (const channel of channels) {
      const by = matched.filter((m) => m.route.channels.includes(channel));
      if (by.length === 0) continue;
      routed = true;
      out.push({
        audience,
        channel,
        route: { names: by.map((m) => m.label), reason: by.map((m) => m.reason).join('; ') },
        recipients: [
          ...new Set(
            by.flatMap((m) => [
              ...(m.route.recipients ?? []),
              ...(m.route.escalationTargets ? (incident.escalation.targets ?? []) : []),
              ...incident.participants.filter((p) => m.route.roles?.includes(p.role)).map((p) => p.id),
            ]),
          ),
        ],
      });
    }
    if (!routed) unrouted.push(audience);
  }
  return { deliveries: out, unrouted };
}

/**
 * Whether messages about `incident` are high-urgency (they ignore quiet hours): major, untriaged,
 * or of priority `highFrom` or a more urgent one.
 */
export function urgencyOf(incident: Incident, highFrom: Priority): MessageUrgency {
  const { priority } = incident;
  if (incident.major || priority === null) return 'high';
  return PRIORITY_ORDER.indexOf(priority) <= PRIORITY_ORDER.indexOf(highFrom) ? 'high' : 'low';
}
