import type { Audience } from '../domain/timeline.js';
import type { NotificationPayload } from './store.js';

/** A message ready for a channel. */
export interface RenderedMessage {
  /** The outbox id: use it as the idempotency key downstream. */
  id: string;
  event: string;
  audience: Audience;
  /** One line, e.g. `[P1] INC-7 Checkout is down: acknowledged`. */
  subject: string;
  /** Plain text body. */
  text: string;
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
