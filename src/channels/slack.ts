import { z } from 'zod';
import { parseInput } from '../domain/errors.js';
import { withRateLimit } from '../notify/rate-limit.js';
import type { Channel, RateLimit, RenderedMessage } from '../ports/channel.js';
import { escapeSlackText, titleAndBody, truncateEscaped } from './escape.js';
import { HTTP_OPTION_FIELDS, httpOptions, post, secretUrlOption } from './http.js';
import { checkedRender, functionOption } from './user-code.js';

/**
 * A Slack text object.
 *
 * @example
 * ```ts
 * const text: SlackText = { type: 'plain_text', text: escapeSlackText(userInput), emoji: true };
 * ```
 */
export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  /** `plain_text` only: turn `:emoji:` codes into emoji. */
  emoji?: boolean;
  /** `mrkdwn` only: do not auto-link URLs and channel names. */
  verbatim?: boolean;
}

/**
 * A Block Kit block: `header`, `section`, `context`, `divider`, `actions`, ...
 *
 * @example
 * ```ts
 * const block: SlackBlock = { type: 'section', text: { type: 'mrkdwn', text: '*Status:* resolved' } };
 * ```
 */
export interface SlackBlock {
  type: string;
  [field: string]: unknown;
}

/**
 * The JSON body of a Slack incoming webhook: Block Kit `blocks` and the `text` that Slack shows
 * in notifications and where blocks cannot be displayed. Other fields (`unfurl_links`, ...) pass
 * through as given.
 *
 * @example
 * ```ts
 * const payload: SlackPayload = {
 *   text: 'INC-7 resolved',
 *   blocks: [{ type: 'header', text: { type: 'plain_text', text: 'INC-7 resolved' } }],
 * };
 * ```
 */
export interface SlackPayload {
  text: string;
  blocks?: SlackBlock[];
  [field: string]: unknown;
}

/**
 * Slack's limits that the channel enforces, truncating text with an ellipsis.
 *
 * @example
 * ```ts
 * import { SLACK_LIMITS } from 'incidentkit/channels';
 *
 * const header = title.length > SLACK_LIMITS.headerText ? `${title.slice(0, 149)}…` : title;
 * ```
 */
export const SLACK_LIMITS = {
  /** `header` blocks: `plain_text` of at most 150 characters. */
  headerText: 150,
  /** `section` text and any other text object. */
  text: 3000,
  /** Each of a `section`'s `fields`. */
  fieldText: 2000,
  /** A `section` has at most 10 fields, a `context` at most 10 elements. */
  items: 10,
  /** Blocks in one message. */
  blocks: 50,
} as const;

/**
 * The zod schema of {@link SlackChannelOptions}. Its issues never carry the input, so a bad
 * webhook URL is not echoed.
 *
 * @example
 * ```ts
 * import { SlackChannelOptionsSchema } from 'incidentkit/channels';
 *
 * const ok = SlackChannelOptionsSchema.safeParse({ webhookUrl: process.env.SLACK_WEBHOOK_URL }).success;
 * ```
 */
export const SlackChannelOptionsSchema = z.strictObject({
  /** Channel name, as routes and the outbox refer to it. Default `slack`. */
  name: z.string().min(1).optional(),
  /**
   * The incoming webhook URL (`https://hooks.slack.com/services/T.../B.../...`). It is a secret:
   * no error message, event or log names it.
   */
  webhookUrl: secretUrlOption(),
  ...HTTP_OPTION_FIELDS,
  /**
   * Paces the channel's messages. Default {@link DEFAULT_SLACK_RATE_LIMIT} (one a second, bursts
   * of 3), as Slack allows; `false` sends as fast as Slack answers.
   */
  rateLimit: HTTP_OPTION_FIELDS.rateLimit,
  /**
   * Builds the payload instead of {@link renderSlackMessage}. Whatever it returns is sent with
   * Slack's length limits applied (see {@link fitSlackLimits}); escaping user text is then up to
   * it: use {@link escapeSlackText} on every string that is not yours. A render that throws or
   * returns something that is not a payload fails the message permanently.
   */
  render:
    functionOption<(message: RenderedMessage) => SlackPayload | Promise<SlackPayload>>('message => payload').optional(),
});

/**
 * Options of {@link slackChannel}: `webhookUrl` (required, a secret), `name` (default `slack`),
 * `timeoutMs`, `fetch`, `clock`, `rateLimit` (default {@link DEFAULT_SLACK_RATE_LIMIT}) and
 * `render`.
 *
 * @example
 * ```ts
 * const options: SlackChannelOptions = { webhookUrl: process.env.SLACK_WEBHOOK_URL!, timeoutMs: 5_000 };
 * const slack = slackChannel(options);
 * ```
 */
export type SlackChannelOptions = z.input<typeof SlackChannelOptionsSchema>;

const RenderedPayloadSchema = z.looseObject({
  text: z.string(),
  blocks: z.array(z.looseObject({ type: z.string() })).optional(),
});

function plain(text: string): SlackText {
  return { type: 'plain_text', text, emoji: true };
}

/**
 * The default Slack rendering of a message: a `header` with the subject (number, priority,
 * title, status and what happened; its first line, at most 150 characters), a `section` with
 * the body (the whole text when the header could not hold the subject), a `context` line with the
 * incident number, the event and the audience, and the subject as notification `text`.
 * Every string is escaped with {@link escapeSlackText} and user text sits in `plain_text`
 * objects, so that mentions, links and mrkdwn in titles or notes show as typed. Link previews are
 * off (`unfurl_links`, `unfurl_media`).
 *
 * @example
 * ```ts
 * import { renderSlackMessage, slackChannel } from 'incidentkit/channels';
 *
 * // Add a divider and a button under the default message.
 * const slack = slackChannel({
 *   webhookUrl: process.env.SLACK_WEBHOOK_URL!,
 *   render: (message) => {
 *     const payload = renderSlackMessage(message);
 *     const url = `https://status.example.com/incidents/${encodeURIComponent(message.payload.incident.id)}`;
 *     payload.blocks?.push({ type: 'divider' }, {
 *       type: 'actions',
 *       elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open' }, url }],
 *     });
 *     return payload;
 *   },
 * });
 * ```
 */
export function renderSlackMessage(message: RenderedMessage): SlackPayload {
  const { title, body } = titleAndBody(
    message.subject,
    message.text,
    (line) => escapeSlackText(line).length <= SLACK_LIMITS.headerText,
  );
  const header = truncateEscaped(escapeSlackText(title), SLACK_LIMITS.headerText);
  const { incident } = message.payload;
  const blocks: SlackBlock[] = [{ type: 'header', text: plain(header) }];
  if (body.trim() !== '') {
    blocks.push({ type: 'section', text: plain(truncateEscaped(escapeSlackText(body), SLACK_LIMITS.text)) });
  }
  const context = `${incident.number} · ${message.event} · audience: ${message.audience}`;
  blocks.push({ type: 'context', elements: [plain(truncateEscaped(escapeSlackText(context), SLACK_LIMITS.text))] });
  return {
    text: truncateEscaped(escapeSlackText(message.subject), SLACK_LIMITS.text),
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fitText(value: unknown, max: number): unknown {
  if (!isRecord(value) || typeof value.text !== 'string') return value;
  return { ...value, text: truncateEscaped(value.text, max) };
}

function fitBlock(block: SlackBlock): SlackBlock {
  const { type } = block;
  if (type === 'header') return { ...block, text: fitText(block.text, SLACK_LIMITS.headerText) };
  if (type === 'section') {
    const fitted: SlackBlock = { ...block };
    if (block.text !== undefined) fitted.text = fitText(block.text, SLACK_LIMITS.text);
    if (Array.isArray(block.fields)) {
      fitted.fields = block.fields.slice(0, SLACK_LIMITS.items).map((f) => fitText(f, SLACK_LIMITS.fieldText));
    }
    return fitted;
  }
  if (type === 'context' && Array.isArray(block.elements)) {
    return {
      ...block,
      elements: block.elements.slice(0, SLACK_LIMITS.items).map((e) => fitText(e, SLACK_LIMITS.text)),
    };
  }
  return block;
}

/**
 * Applies Slack's limits ({@link SLACK_LIMITS}) to a payload: header text to 150 characters,
 * section and context text to 3,000, section fields to 10 of 2,000, context elements to 10,
 * the notification `text` to 3,000 and the blocks to 50. Cut text ends with `…`. Returns a copy.
 *
 * @example
 * ```ts
 * import { fitSlackLimits } from 'incidentkit/channels';
 *
 * const payload = fitSlackLimits({
 *   text: 'Checkout is down',
 *   blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(500) } }],
 * });
 * // payload.blocks[0].text.text has 150 characters, the last one '…'
 * ```
 */
export function fitSlackLimits(payload: SlackPayload): SlackPayload {
  const fitted: SlackPayload = { ...payload, text: truncateEscaped(payload.text, SLACK_LIMITS.text) };
  if (payload.blocks) fitted.blocks = payload.blocks.slice(0, SLACK_LIMITS.blocks).map(fitBlock);
  return fitted;
}

/**
 * The default `rateLimit` of {@link slackChannel}: one message a second, as Slack allows per
 * channel, with bursts of 3, since Slack tolerates short bursts: the reported and triaged
 * messages of a new incident, and an update right behind them, go at once.
 */
export const DEFAULT_SLACK_RATE_LIMIT: RateLimit = Object.freeze({ perSecond: 1, burst: 3 });

/**
 * A channel that posts to a Slack incoming webhook (one Slack channel per webhook URL). Each
 * message is a Block Kit message ({@link renderSlackMessage}, or your `render`) within Slack's
 * limits. Slack answers `200 ok`; a 4xx such as `invalid_token`, `no_service` or 410
 * `channel_is_archived` fails the message for good (410 flags the endpoint as gone), a 429 or
 * 5xx is retried, no sooner than `Retry-After`. Messages are paced to one a second, in bursts of
 * up to 3 ({@link DEFAULT_SLACK_RATE_LIMIT}; `rateLimit` changes it). The webhook URL is a secret
 * and never appears in errors or events. Throws `ValidationError` on bad options (without
 * echoing the URL).
 *
 * @example
 * ```ts
 * import { createIncidentKit } from 'incidentkit';
 * import { slackChannel } from 'incidentkit/channels';
 *
 * const kit = createIncidentKit({
 *   channels: [slackChannel({ name: 'slack-ops', webhookUrl: process.env.SLACK_WEBHOOK_URL! })],
 * });
 * ```
 */
export function slackChannel(options: SlackChannelOptions): Channel {
  const opts = parseInput(SlackChannelOptionsSchema, options, 'slackChannel options');
  const name = opts.name ?? 'slack';
  const { webhookUrl, render } = opts;
  const http = httpOptions(opts);
  return {
    name,
    ...withRateLimit(opts.rateLimit ?? DEFAULT_SLACK_RATE_LIMIT),
    async send(message: RenderedMessage) {
      const payload = render
        ? fitSlackLimits(
            (await checkedRender(
              name,
              () => render(message),
              RenderedPayloadSchema,
              'an invalid Slack payload',
            )) as SlackPayload,
          )
        : renderSlackMessage(message);
      await post(
        name,
        {
          url: webhookUrl,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify(payload),
        },
        http,
      );
    },
  };
}
