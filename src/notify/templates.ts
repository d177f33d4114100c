import { z } from 'zod';
import { functionOption, userCodeError } from '../channels/user-code.js';
import { ChannelError, describeIssues, optionIssues } from '../domain/errors.js';
import { deepFreeze } from '../domain/json.js';
import { type Audience, AudienceSchema } from '../domain/timeline.js';
import type { NotificationPayload, OutboxRecord } from '../ports/store.js';
import { NOTIFYING_ENTRY_TYPES, type NotifyingEntryType } from './routing.js';
import { defaultContent } from './wording.js';

// The kit's `templates` option: its types, its validation, and how a message's template is found
// and run over the default content of its audience (see wording.ts).

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
  if (!result.success) throw optionIssues('templates', result.error.issues);
  return result.data as MessageTemplates;
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
