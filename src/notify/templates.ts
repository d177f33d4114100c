import { z } from 'zod';
import { functionOption, userCodeError } from '../channels/user-code.js';
import { ChannelError, describeIssues, ValidationError } from '../domain/errors.js';
import { type Audience, AudienceSchema, type TimelineEntry, type TimelineEntryOf } from '../domain/timeline.js';
import type { IncidentSummary, NotificationPayload, OutboxRecord } from '../ports/store.js';
import { describeEntry, describeIncident } from './describe.js';
import { NOTIFYING_ENTRY_TYPES } from './routing.js';

// Message content per audience. Three default wordings:
// - responders: operational, every detail (what describeEntry says, owner, actor);
// - stakeholders and management: a business summary of structured facts, never free text
//   written for responders (notes, reasons, resolution summaries), never a person;
// - customers and reporter (public): plain language from public fields only.
// A user's templates (the kit's `templates` option) may replace parts of any of them.

/** Audiences outside the organisation: their messages never say who works on the incident. */
export const PUBLIC_AUDIENCES: ReadonlySet<Audience> = new Set<Audience>(['customers', 'reporter']);

/** Audiences that get the business summary rather than the responders' operational detail. */
const BUSINESS_AUDIENCES: ReadonlySet<Audience> = new Set<Audience>(['stakeholders', 'management']);

/**
 * What a message says, in the three forms every channel renders from: a one-line `subject`, a
 * plain-text `text` body, and a `short` line sized for an SMS. Channels build their own formats
 * from these (Slack blocks, an Adaptive Card, HTML email, markdown).
 *
 * @example
 * ```ts
 * const content: MessageContent = {
 *   subject: 'INC-7 Checkout is down: resolved',
 *   text: 'INC-7 Checkout is down: resolved\nThe problem with checkout has been fixed.',
 *   short: 'INC-7 Checkout is down: resolved',
 * };
 * ```
 */
export interface MessageContent {
  /** One line, e.g. `INC-7 [P1] Checkout is down: resolved`: email subject, chat title. */
  subject: string;
  /** Plain-text body; by default it starts with the subject line. */
  text: string;
  /**
   * One line for an SMS or a pager, e.g. `INC-7 [P1] Checkout is down: resolved` (an update's
   * line carries its whole message). `smsChannel` sends it by default.
   */
  short: string;
}

/** Timeline entry types that notify: the values of a route's `events`, and of templates' events. */
export type NotifyingEntryType = (typeof NOTIFYING_ENTRY_TYPES)[number];

/** An event a template can be registered for: `incident.<entry type>`, e.g. `incident.resolved`. */
export type TemplateEvent = `incident.${NotifyingEntryType}`;

/**
 * What a template learns about the message it words: a frozen copy of the outbox message.
 * Messages to the public audiences carry the public view (see `PublicTimelineEntry`).
 *
 * @example
 * ```ts
 * const template: MessageTemplate = (message, defaults) =>
 *   message.payload.incident.major ? { subject: `[MAJOR] ${defaults.subject}` } : undefined;
 * ```
 */
export interface TemplateMessage {
  /** The outbox message id. */
  readonly id: string;
  /** `incident.<entry type>`. */
  readonly event: string;
  readonly audience: Audience;
  /** The channel it goes to, for wording that depends on it. */
  readonly channel: string;
  /** The incident at commit time and the timeline entry (frozen: changing it throws). */
  readonly payload: NotificationPayload;
}

/**
 * A user's template: gets the message and the default content for its audience, and returns
 * the parts to replace (`{ text }` keeps the default subject and short line), or `undefined` to
 * keep the defaults. May be async. A template that throws, or returns anything but such an
 * object, fails the message permanently (it goes dead); a `ChannelError` it throws is used as
 * it is.
 *
 * @example
 * ```ts
 * const apologise: MessageTemplate = (message, defaults) => ({ text: `${defaults.text}\nSorry for the trouble.` });
 * ```
 */
export type MessageTemplate = (
  message: TemplateMessage,
  defaults: Readonly<MessageContent>,
) => Partial<MessageContent> | undefined | Promise<Partial<MessageContent> | undefined>;

/**
 * The templates of one event, by audience; `'*'` stands for every audience.
 *
 * @example
 * ```ts
 * const resolved: AudienceTemplates = { customers: (m, d) => ({ text: `${d.text}\nSorry.` }) };
 * ```
 */
export type AudienceTemplates = { [A in Audience | '*']?: MessageTemplate };

/**
 * The kit's `templates` option: templates by event (`incident.resolved`, ... or `'*'` for every
 * event) and audience (or `'*'`). For a message, the first of `[event][audience]`,
 * `[event]['*']`, `['*'][audience]` and `['*']['*']` that exists words it; without one, the
 * default content for its audience is sent.
 *
 * @example
 * ```ts
 * const templates: MessageTemplates = {
 *   'incident.resolved': { customers: (message, defaults) => ({ text: `${defaults.text}\nSorry for the trouble.` }) },
 *   '*': { management: (message, defaults) => ({ subject: `[exec] ${defaults.subject}` }) },
 * };
 * ```
 */
export type MessageTemplates = { [E in TemplateEvent | '*']?: AudienceTemplates };

// --- Validation of the option -------------------------------------------------------------

const TEMPLATE_EVENTS: readonly string[] = NOTIFYING_ENTRY_TYPES.map((type) => `incident.${type}`);
const TEMPLATE_AUDIENCES: readonly string[] = AudienceSchema.options;

function unknownKeys(what: string, expected: string) {
  return (issue: { code?: string; keys?: readonly string[] }) =>
    issue.code === 'unrecognized_keys'
      ? `Unknown ${what} ${(issue.keys ?? []).map((key) => `"${key}"`).join(', ')}; expected "*" or ${expected}`
      : undefined;
}

const TemplateFunctionSchema = functionOption<MessageTemplate>('(message, defaults) => content').optional();

const AudienceTemplatesSchema = z.strictObject(
  Object.fromEntries(['*', ...TEMPLATE_AUDIENCES].map((audience) => [audience, TemplateFunctionSchema])),
  { error: unknownKeys('audience', TEMPLATE_AUDIENCES.join(', ')) },
);

const MessageTemplatesSchema = z.strictObject(
  Object.fromEntries(['*', ...TEMPLATE_EVENTS].map((event) => [event, AudienceTemplatesSchema.optional()])),
  { error: unknownKeys('event', 'incident.<entry type> of a notifying entry, e.g. "incident.resolved"') },
);

/** The kit's templates, validated; issues are reported under `templates`. */
export function resolveTemplates(templates: MessageTemplates | undefined): MessageTemplates | undefined {
  if (templates === undefined) return undefined;
  const result = MessageTemplatesSchema.safeParse(templates);
  if (!result.success) {
    throw new ValidationError(
      'createIncidentKit options',
      result.error.issues.map((issue) => ({ ...issue, path: ['templates', ...issue.path] })),
    );
  }
  return result.data as MessageTemplates;
}

// --- Words ----------------------------------------------------------------------------------

/** Title characters a short line keeps; longer titles end in `...` (GSM-7 has no `…`). */
const SHORT_TITLE_MAX = 80;
/** Characters of an update a subject keeps. */
const SUBJECT_UPDATE_MAX = 120;

/** Line breaks (and the spaces around them) as one space. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ').trim();
}

/** At most `max` graphemes, ending in `...` when cut. */
function clip(text: string, max: number): string {
  const graphemes = Array.from(
    new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text),
    (s) => s.segment,
  );
  return graphemes.length <= max
    ? text
    : `${graphemes
        .slice(0, max - 3)
        .join('')
        .trimEnd()}...`;
}

/** `2026-03-02T09:00:00.000Z` as `2026-03-02 09:00 UTC`. */
function when(at: string): string {
  return `${at.slice(0, 16).replace('T', ' ')} UTC`;
}

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

function unreachable(value: never): never {
  throw new Error(`Unexpected entry type ${String(value)}`);
}

const NOTIFYING: ReadonlySet<string> = new Set(NOTIFYING_ENTRY_TYPES);

function isNotifying(type: string): type is NotifyingEntryType {
  return NOTIFYING.has(type);
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

/** The subject of an update: the reference and the update's first words. */
function updateLine(reference: string, message: string, max: number): string {
  return `${reference}: ${clip(oneLine(message), max)}`;
}

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

/** Customers and the reporter: plain language from the public fields only. */
function publicContent(incident: IncidentSummary, entry: NotificationPayload['entry']): MessageContent {
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

// --- User templates -------------------------------------------------------------------------

const ContentSchema = z
  .strictObject({
    subject: z
      .string()
      .refine((value) => value.trim() !== '', 'Must not be blank')
      .optional(),
    text: z.string().optional(),
    short: z.string().optional(),
  })
  .optional();

/** How a template is named in errors: `templates["incident.resolved"].customers`. */
function templateName(event: string, audience: string): string {
  return `templates["${event}"]${audience === '*' ? '["*"]' : `.${audience}`}`;
}

/** The template for a message: `[event][audience]`, `[event]['*']`, `['*'][audience]`, `['*']['*']`. */
function findTemplate(
  templates: MessageTemplates,
  event: string,
  audience: Audience,
): { name: string; template: MessageTemplate } | undefined {
  const byEvent = templates as Readonly<Record<string, AudienceTemplates | undefined>>;
  for (const e of [event, '*']) {
    for (const a of [audience, '*'] as const) {
      const template = byEvent[e]?.[a];
      if (template) return { name: templateName(e, a), template };
    }
  }
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * The content of a message: its audience's default, with the parts its template (if any)
 * returns. A template that throws, or returns something that is not content, fails the message
 * permanently: a `ChannelError` (`retryable: false`) naming the template.
 */
export async function messageContent(
  message: OutboxRecord,
  templates: MessageTemplates | undefined,
): Promise<MessageContent> {
  const defaults = defaultContent(message);
  const found = templates === undefined ? undefined : findTemplate(templates, message.payload.event, message.audience);
  if (found === undefined) return defaults;
  const view: TemplateMessage = deepFreeze(
    structuredClone({
      id: message.id,
      event: message.payload.event,
      audience: message.audience,
      channel: message.channel,
      payload: message.payload,
    }),
  );
  let returned: unknown;
  try {
    returned = await found.template(view, Object.freeze({ ...defaults }));
  } catch (error) {
    throw userCodeError(message.channel, found.name, error);
  }
  const parsed = ContentSchema.safeParse(returned);
  if (!parsed.success) {
    throw new ChannelError(
      message.channel,
      `${found.name} returned no valid content (${describeIssues(parsed.error.issues)})`,
      { retryable: false },
    );
  }
  const { subject, text, short } = parsed.data ?? {};
  return {
    subject: subject ?? defaults.subject,
    text: text ?? defaults.text,
    short: short ?? defaults.short,
  };
}
