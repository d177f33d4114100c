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
 * A notification channel (DESIGN 7). `send` resolves when delivered. To fail, throw a
 * `ChannelError` (`retryable: false` for permanent failures, `retryAfterMs` to slow down); any
 * other thrown error counts as retryable.
 */
export interface Channel {
  readonly name: string;
  send(message: RenderedMessage, ctx: SendContext): Promise<void>;
}
