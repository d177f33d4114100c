import { z } from 'zod';
import { optionIssues, unknownName } from '../domain/errors.js';
import { type Priority, PrioritySchema, RoleSchema } from '../domain/incident.js';
import { AudienceSchema } from '../domain/timeline.js';
import type { Channel } from '../ports/channel.js';
import { type Contact, type ContactInput, resolveContacts } from './contacts.js';
import { NOTIFYING_ENTRY_TYPES } from './routing.js';

/** A non-empty list of distinct, non-blank names. */
const NamesSchema = z.array(z.string().trim().min(1)).min(1);

/**
 * One audience route of the kit's `routes` option: which channels an audience's messages go to,
 * for which incidents and events, and to whom. Every filter given must match; an omitted filter
 * matches all.
 */
export const RouteSchema = z.strictObject({
  /** Shown in the `route` explanation of each message. Default: `routes[<index>]`. */
  name: z.string().trim().min(1).max(100).optional(),
  /** The audience whose messages this route delivers. */
  audience: AudienceSchema,
  /** Names of configured channels (keys of the kit's `channels`). */
  channels: NamesSchema,
  /**
   * Ids of the kit's `contacts` to address on these channels (email and SMS use their `email`
   * and `phone`). Omitted: the channel chooses (a Slack or Teams channel, a webhook, or an email
   * channel's own `to`).
   */
  recipients: NamesSchema.optional(),
  /**
   * Also address the people the incident's escalation policy paged last (`incident.escalation.targets`:
   * the first level when it opened, the new level after each escalation), as contacts.
   */
  escalationTargets: z.boolean().optional(),
  /**
   * Also address the incident's participants in these roles (`communications` for the
   * communication reminders, `commander`, ...), as contacts: participant ids that are contacts.
   */
  roles: z.array(RoleSchema).min(1).optional(),
  /**
   * Timeline entry types (`reported`, `resolved`, `update_posted`, ...). Subscribes the audience
   * to these lifecycle entries (otherwise only `responders` get them) and limits the route to
   * them. Omitted: every entry that reaches the audience.
   */
  events: z.array(z.enum(NOTIFYING_ENTRY_TYPES)).min(1).optional(),
  /** Only incidents of these services. */
  services: NamesSchema.optional(),
  /** Only incidents of these tenants (an incident without a tenant never matches). */
  tenants: NamesSchema.optional(),
  /** Only incidents in these environments (of the kit's `environments`). */
  environments: NamesSchema.optional(),
  /** Only incidents of this priority or a more urgent one (`P2`: P1 and P2); never untriaged ones. */
  minPriority: PrioritySchema.optional(),
  /** Only major incidents. */
  majorOnly: z.boolean().optional(),
});
/** An audience route, validated. */
export type Route = z.output<typeof RouteSchema>;
/** An audience route as you write it in the kit's `routes` option. */
export type RouteInput = z.input<typeof RouteSchema>;

/** The notification options of the kit, validated. */
export interface NotificationConfig {
  /** Validated routes; `undefined` when the option is absent (every channel gets every message). */
  routes: readonly Route[] | undefined;
  contacts: ReadonlyMap<string, Contact>;
  /** Messages about incidents of this priority or a more urgent one are high-urgency. */
  highUrgencyFrom: Priority;
}

/** The notification options of `createIncidentKit()`. */
export interface NotificationOptions {
  routes?: readonly RouteInput[] | undefined;
  contacts?: Record<string, ContactInput> | undefined;
  highUrgencyFrom?: Priority | undefined;
}

/**
 * Validates routes, contacts and urgency. Issues are reported under `routes.` (e.g.
 * `routes[2].channels[0]` for a channel the kit does not have), `contacts.` and `highUrgencyFrom`.
 */
export function resolveNotifications(
  options: NotificationOptions,
  channels: ReadonlyMap<string, Channel>,
  environments: ReadonlySet<string>,
): NotificationConfig {
  const contacts = resolveContacts(options.contacts);
  const urgency = PrioritySchema.default('P2').safeParse(options.highUrgencyFrom);
  if (!urgency.success) throw optionIssues('highUrgencyFrom', urgency.error.issues);
  return {
    routes: resolveRoutes(options.routes, channels, environments, contacts),
    contacts,
    highUrgencyFrom: urgency.data,
  };
}

/** Each name in `names` must be a key of `known`; `what` names the option in the message. */
function unknownNames(
  names: readonly string[] | undefined,
  known: ReadonlySet<string> | ReadonlyMap<string, unknown>,
  path: (j: number) => PropertyKey[],
  what: string,
): z.core.$ZodIssue[] {
  return (names ?? []).flatMap((name, j) => (known.has(name) ? [] : [unknownName(path(j), what, name, known.keys())]));
}

function resolveRoutes(
  routes: readonly RouteInput[] | undefined,
  channels: ReadonlyMap<string, Channel>,
  environments: ReadonlySet<string>,
  contacts: ReadonlyMap<string, Contact>,
): Route[] | undefined {
  if (routes === undefined) return undefined;
  const result = z.array(RouteSchema).safeParse(routes);
  if (!result.success) throw optionIssues('routes', result.error.issues);
  const issues = result.data.flatMap((route, i) => [
    ...unknownNames(route.channels, channels, (j) => [i, 'channels', j], 'channel'),
    ...unknownNames(route.environments, environments, (j) => [i, 'environments', j], 'environment'),
    ...unknownNames(route.recipients, contacts, (j) => [i, 'recipients', j], 'contact'),
  ]);
  if (issues.length > 0) throw optionIssues('routes', issues);
  return result.data;
}
