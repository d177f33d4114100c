import { z } from 'zod';
import { parseInput } from '../domain/errors.js';
import { withRateLimit } from '../notify/rate-limit.js';
import type { Channel, RenderedMessage } from '../ports/channel.js';
import { escapeCardText, titleAndBody, truncateEscaped } from './escape.js';
import { HTTP_OPTION_FIELDS, httpOptions, post, secretUrlOption } from './http.js';
import { checkedRender, functionOption } from './user-code.js';

/**
 * An Adaptive Card element: `TextBlock`, `FactSet`, `Container`, ...
 *
 * @example
 * ```ts
 * const block: AdaptiveCardElement = { type: 'TextBlock', text: escapeCardText(title), wrap: true };
 * ```
 */
export interface AdaptiveCardElement {
  type: string;
  [field: string]: unknown;
}

/**
 * An Adaptive Card (the `content` of a Teams attachment).
 *
 * @example
 * ```ts
 * const card: AdaptiveCard = { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'Resolved' }] };
 * ```
 */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  version: string;
  body: AdaptiveCardElement[];
  $schema?: string;
  [field: string]: unknown;
}

/**
 * The body a Teams Workflows webhook expects: a `message` with an Adaptive Card attachment.
 *
 * @example
 * ```ts
 * const body: TeamsMessage = teamsMessage({ type: 'AdaptiveCard', version: '1.4', body: [] });
 * ```
 */
export interface TeamsMessage {
  type: 'message';
  attachments: Array<{
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: AdaptiveCard;
  }>;
  [field: string]: unknown;
}

/**
 * Lengths the default Teams rendering keeps to (Teams refuses messages over about 28 KB).
 *
 * @example
 * ```ts
 * import { TEAMS_LIMITS } from 'incidentkit/channels';
 *
 * const shortTitle = title.slice(0, TEAMS_LIMITS.title);
 * ```
 */
export const TEAMS_LIMITS = {
  /** The title line. */
  title: 500,
  /** Each fact value. */
  fact: 500,
  /** The body text. */
  text: 8000,
} as const;

/**
 * The Adaptive Card schema version the default rendering uses (Teams supports up to 1.5).
 *
 * @example
 * ```ts
 * import { ADAPTIVE_CARD_VERSION } from 'incidentkit/channels';
 *
 * const card = { type: 'AdaptiveCard', version: ADAPTIVE_CARD_VERSION, body: [] } as const;
 * ```
 */
export const ADAPTIVE_CARD_VERSION = '1.4';

/**
 * The zod schema of {@link TeamsChannelOptions}. Its issues never carry the input, so a bad
 * webhook URL is not echoed.
 *
 * @example
 * ```ts
 * import { TeamsChannelOptionsSchema } from 'incidentkit/channels';
 *
 * const ok = TeamsChannelOptionsSchema.safeParse({ webhookUrl: process.env.TEAMS_WORKFLOW_URL }).success;
 * ```
 */
export const TeamsChannelOptionsSchema = z.strictObject({
  /** Channel name, as routes and the outbox refer to it. Default `teams`. */
  name: z.string().min(1).optional(),
  /**
   * The URL of a Teams Workflows flow "Post to a channel when a webhook request is received".
   * It is a secret (it carries the flow's signature): no error message, event or log names it.
   */
  webhookUrl: secretUrlOption(),
  ...HTTP_OPTION_FIELDS,
  /**
   * Builds the card instead of {@link renderTeamsCard}: return an `AdaptiveCard` (it is wrapped
   * in the `message` envelope) or a whole {@link TeamsMessage}. Escaping user text is then up to
   * it: use {@link escapeCardText} on every string that is not yours. A render that throws or
   * returns something else fails the message permanently.
   */
  render:
    functionOption<(message: RenderedMessage) => AdaptiveCard | TeamsMessage | Promise<AdaptiveCard | TeamsMessage>>(
      'message => card',
    ).optional(),
});

/**
 * Options of {@link teamsChannel}: `webhookUrl` (required, a secret), `name` (default `teams`),
 * `timeoutMs`, `fetch`, `clock`, `rateLimit` (default none) and `render`.
 *
 * @example
 * ```ts
 * const options: TeamsChannelOptions = { name: 'war-room', webhookUrl: process.env.TEAMS_WORKFLOW_URL! };
 * const teams = teamsChannel(options);
 * ```
 */
export type TeamsChannelOptions = z.input<typeof TeamsChannelOptionsSchema>;

const RenderedSchema = z.union([
  z.looseObject({ type: z.literal('AdaptiveCard'), version: z.string(), body: z.array(z.looseObject({})) }),
  z.looseObject({
    type: z.literal('message'),
    attachments: z
      .array(z.looseObject({ contentType: z.literal('application/vnd.microsoft.card.adaptive'), content: z.unknown() }))
      .min(1),
  }),
]);

function text(value: string, max: number): string {
  return truncateEscaped(escapeCardText(value), max);
}

/**
 * The default Teams rendering of a message: an Adaptive Card with the subject as a bold title
 * (its first line, at most 500 characters; the body then keeps the whole text), a FactSet (priority, status, service, incident number), the body (one paragraph per line)
 * and a subtle line with the event and the audience. Every string goes through
 * {@link escapeCardText}, so markdown or HTML in titles and notes renders inert.
 *
 * @example
 * ```ts
 * import { renderTeamsCard, teamsChannel } from 'incidentkit/channels';
 *
 * // The default card, full width.
 * const teams = teamsChannel({
 *   webhookUrl: process.env.TEAMS_WORKFLOW_URL!,
 *   render: (message) => ({ ...renderTeamsCard(message), msteams: { width: 'Full' } }),
 * });
 * ```
 */
export function renderTeamsCard(message: RenderedMessage): AdaptiveCard {
  const { incident } = message.payload;
  const priority = `${incident.priority ?? 'untriaged'}${incident.major ? ', major' : ''}`;
  const status = incident.phase ? `${incident.status}/${incident.phase}` : incident.status;
  const service = `${incident.service} (${incident.environment})${incident.tenant ? `, tenant ${incident.tenant}` : ''}`;
  const facts = [
    ['Priority', priority],
    ['Status', status],
    ['Service', service],
    ['Incident', incident.number],
  ].map(([title, value]) => ({ title: `${title}`, value: text(value ?? '', TEAMS_LIMITS.fact) }));
  const { title, body } = titleAndBody(
    message.subject,
    message.text,
    (line) => escapeCardText(line).length <= TEAMS_LIMITS.title,
  );
  const lines = body.split(/\r?\n/).filter((line) => line.trim() !== '');
  const elements: AdaptiveCardElement[] = [
    { type: 'TextBlock', text: text(title, TEAMS_LIMITS.title), weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'FactSet', facts },
  ];
  if (lines.length > 0) {
    // One markdown paragraph per line: a single newline would be folded into a space.
    const paragraphs = truncateEscaped(lines.map(escapeCardText).join('\n\n'), TEAMS_LIMITS.text);
    elements.push({ type: 'TextBlock', text: paragraphs, wrap: true });
  }
  elements.push({
    type: 'TextBlock',
    text: text(`${message.event} · audience: ${message.audience}`, TEAMS_LIMITS.fact),
    isSubtle: true,
    size: 'Small',
    wrap: true,
  });
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: ADAPTIVE_CARD_VERSION,
    body: elements,
  };
}

/**
 * Wraps an Adaptive Card in the `message` envelope a Teams Workflows webhook expects.
 *
 * @example
 * ```ts
 * import { teamsMessage } from 'incidentkit/channels';
 *
 * const body = teamsMessage({ type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'Hi' }] });
 * // { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: ... }] }
 * ```
 */
export function teamsMessage(card: AdaptiveCard): TeamsMessage {
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}

/** The message a user's `render` made: a bare card gets the `message` envelope. */
async function customMessage(
  name: string,
  render: NonNullable<TeamsChannelOptions['render']>,
  message: RenderedMessage,
): Promise<TeamsMessage> {
  const rendered = await checkedRender(
    name,
    () => render(message),
    RenderedSchema,
    'neither an Adaptive Card nor a Teams message',
  );
  return rendered.type === 'AdaptiveCard'
    ? teamsMessage(rendered as AdaptiveCard)
    : (rendered as unknown as TeamsMessage);
}

/**
 * A channel that posts to a Microsoft Teams Workflows webhook ("Post to a channel when a webhook
 * request is received"): an Adaptive Card ({@link renderTeamsCard}, or your `render`) in the
 * `message` attachment envelope. Workflows answer `202 Accepted`; other 4xx fail the message
 * for good (410 flags the endpoint as gone), 408, 429 and 5xx are retried, no sooner than
 * `Retry-After`. The URL is a secret and never appears in errors or events. Throws
 * `ValidationError` on bad options (without echoing the URL).
 *
 * @example
 * ```ts
 * import { createIncidentKit } from 'incidentkit';
 * import { teamsChannel } from 'incidentkit/channels';
 *
 * const kit = createIncidentKit({
 *   channels: [teamsChannel({ webhookUrl: process.env.TEAMS_WORKFLOW_URL! })],
 * });
 * ```
 */
export function teamsChannel(options: TeamsChannelOptions): Channel {
  const opts = parseInput(TeamsChannelOptionsSchema, options, 'teamsChannel options');
  const name = opts.name ?? 'teams';
  const { webhookUrl, render } = opts;
  const http = httpOptions(opts);
  return {
    name,
    ...withRateLimit(opts.rateLimit),
    async send(message: RenderedMessage) {
      const body = render ? await customMessage(name, render, message) : teamsMessage(renderTeamsCard(message));
      await post(
        name,
        { url: webhookUrl, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) },
        http,
      );
    },
  };
}
