import type { ContactField } from '../domain/contact.js';
import { ChannelError } from '../domain/errors.js';
import type { Channel, RateLimit, RenderedMessage, SendContext } from '../ports/channel.js';

/** One call a {@link RecordingChannel} received. */
export interface RecordedCall {
  message: RenderedMessage;
  context: SendContext;
}

/** Options of {@link RecordingChannel}. */
export interface RecordingChannelOptions {
  /** The channel's rate limit, to test pacing (see {@link RateLimit}). Default none. */
  rateLimit?: RateLimit;
  /**
   * The contact field it sends to, as `emailChannel` without recipients of its own does
   * (`'email'`): messages are then split per recipient group and held for quiet hours (see
   * {@link Channel.contacts}). Default none: a channel that posts to a place.
   */
  contacts?: ContactField;
}

/**
 * A channel that records every message it is sent, for assertions. `failNext(n)` makes the next
 * `n` sends fail (retryable unless told otherwise), to test retries and dead letters.
 *
 * @example
 * ```ts
 * const slow = new RecordingChannel('slack', { rateLimit: { perSecond: 1 } }); // paced like Slack
 * ```
 */
export class RecordingChannel implements Channel {
  readonly name: string;
  readonly calls: RecordedCall[] = [];
  /** The rate limit given to the constructor, if any. */
  readonly rateLimit?: RateLimit;
  /** The contact field given to the constructor, if any. */
  readonly contacts?: ContactField;
  #failures: { remaining: number; retryable: boolean; retryAfterMs?: number } = { remaining: 0, retryable: true };

  constructor(name = 'recording', options: RecordingChannelOptions = {}) {
    this.name = name;
    if (options.rateLimit !== undefined) this.rateLimit = options.rateLimit;
    if (options.contacts !== undefined) this.contacts = options.contacts;
  }

  async send(message: RenderedMessage, context: SendContext): Promise<void> {
    this.calls.push({ message, context });
    if (this.#failures.remaining > 0) {
      this.#failures.remaining--;
      const { retryable, retryAfterMs } = this.#failures;
      throw new ChannelError(this.name, 'simulated failure', {
        retryable,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
  }

  /** Makes the next `count` sends throw a `ChannelError`. */
  failNext(count = 1, options: { retryable?: boolean; retryAfterMs?: number } = {}): this {
    this.#failures = { remaining: count, retryable: options.retryable ?? true, ...options };
    return this;
  }

  /** Messages received so far (including failed attempts). */
  get messages(): RenderedMessage[] {
    return this.calls.map((c) => c.message);
  }

  /** Forgets the recorded calls. */
  clear(): void {
    this.calls.length = 0;
  }
}
