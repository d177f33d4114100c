import type { ContactField } from '../domain/contact.js';
import type { Audience } from '../domain/timeline.js';
import type { NotificationPayload } from './store.js';

/**
 * A message ready for a channel: its audience's content (the default wording for the audience,
 * or your template's, see the kit's `templates` option) and the payload it was made from.
 * Channels render their formats from `subject`, `text` and `short`.
 */
export interface RenderedMessage {
  /** The outbox id: use it as the idempotency key downstream. */
  id: string;
  /** `incident.<entry type>`, e.g. `incident.acknowledged`. */
  event: string;
  audience: Audience;
  /** One line, e.g. `INC-7 [P1] Checkout is down (active/investigating): acknowledged`. */
  subject: string;
  /** Plain text body; by default it starts with the subject line. */
  text: string;
  /** One line sized for an SMS, e.g. `INC-7 [P1] Checkout is down: acknowledged`. */
  short: string;
  payload: NotificationPayload;
}

/** What a channel learns about the delivery attempt. */
export interface SendContext {
  /** 1 for the first attempt. */
  attempt: number;
  /** Stable across retries: the outbox message id. */
  idempotencyKey: string;
}

/**
 * How fast a channel may send: a token bucket that holds up to `burst` tokens and gains
 * `perSecond` tokens a second. Each message takes one token; a message that finds the bucket
 * empty waits in the outbox until a token is due, without counting an attempt. The bucket lives
 * in the memory of the kit's worker, on the kit's clock: two processes sharing a store may send
 * twice as fast.
 *
 * @example
 * ```ts
 * const pace: RateLimit = { perSecond: 1, burst: 3 }; // Slack: about one message a second, short bursts
 * ```
 */
export interface RateLimit {
  /**
   * Messages a second in the long run, from 1/3600 (one an hour) to 10,000; a fraction is
   * slower than one a second (`0.5`: one every 2 s).
   */
  readonly perSecond: number;
  /**
   * Messages that may go at once after a quiet spell (a whole number, 1 to 10,000). Default:
   * `perSecond` rounded up, at least 1: one second's worth.
   */
  readonly burst?: number;
}

/**
 * A notification channel (DESIGN 7). `send` resolves when delivered. To fail, throw a
 * `ChannelError` (`retryable: false` for permanent failures, `retryAfterMs` to slow down); any
 * other thrown error counts as retryable.
 */
export interface Channel {
  readonly name: string;
  /**
   * Paces the channel's messages (see {@link RateLimit}); absent: as fast as the peer answers.
   * Checked when the kit is created (`ValidationError` for a bad one).
   */
  readonly rateLimit?: RateLimit;
  /**
   * The contact field this channel sends to (`email`, `phone`), when it reaches the people a
   * route names (`payload.recipients`) rather than a place (a Slack channel, a webhook). The kit
   * then splits a message per group of recipients that may be reached at the same instant,
   * holds low-urgency ones for quiet hours, and sends each public-audience recipient a message of
   * their own. Absent: one message with every recipient, sent at once.
   */
  readonly contacts?: ContactField;
  send(message: RenderedMessage, ctx: SendContext): Promise<void>;
}
