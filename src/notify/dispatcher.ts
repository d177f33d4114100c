import { ChannelError } from '../domain/errors.js';
import { fnv1a } from '../domain/hash.js';
import type { Channel } from '../ports/channel.js';
import type { ClaimedOutbox, IncidentStore } from '../ports/store.js';
import { renderMessage } from './outbox.js';
import type { MessageTemplates } from './templates.js';

/** Standard Webhooks' retry schedule: waits after attempts 1, 2, ... in ms. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

/**
 * The default `delivery.jitter`: each retry waits up to 20% longer than the schedule says, so
 * that messages that failed together do not all come back at the same instant.
 */
export const DEFAULT_RETRY_JITTER = 0.2;

/** Delivery settings. */
export interface DeliverySettings {
  /** Waits between attempts; the message is dead after `retryScheduleMs.length + 1` attempts. */
  retryScheduleMs: readonly number[];
  /** Fraction (0 to 1) a retry may wait longer than the schedule says. Default {@link DEFAULT_RETRY_JITTER}. */
  jitter?: number | undefined;
  leaseMs: number;
  batchSize: number;
}

/** What happened to one message. */
export type DeliveryResult =
  | { type: 'delivered'; message: ClaimedOutbox }
  | { type: 'failed'; message: ClaimedOutbox; error: unknown; retryAt: number }
  | { type: 'dead'; message: ClaimedOutbox; error: unknown };

/**
 * The longest `retryAfterMs` a failure can ask for (one day): anything longer, `Infinity` or
 * `NaN` must not reach `settleOutbox`, where it would make the message unsettleable.
 */
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * A channel's `retryAfterMs` as a finite wait in whole ms (rounded up): 0 when missing, negative
 * or NaN, at most a day.
 */
function retryAfterOf(error: unknown): number {
  const value = ChannelError.isInstance(error) ? error.retryAfterMs : undefined;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) return 0;
  return Math.ceil(Math.min(value, MAX_RETRY_AFTER_MS));
}

/**
 * A number in [0, 1) fixed by `text`: its 32-bit FNV-1a hash over 2^32. The same message and
 * attempt always get the same jitter (deterministic under test, no randomness to inject), and
 * different messages spread out.
 */
function unitHash(text: string): number {
  return fnv1a(text) / 0x1_0000_0000;
}

/**
 * The wait before the next attempt, after attempt `attempt` of message `id` failed: the
 * schedule's `wait` stretched by up to `jitter` of itself (`wait + floor(jitter * r * wait)`,
 * `r` in [0, 1) from {@link unitHash} of `${id}:${attempt}`), and never less than the peer's
 * `retryAfter`. So `max(wait, retryAfter) <= result <= max(wait * (1 + jitter), retryAfter)`.
 */
function retryWait(wait: number, jitter: number, id: string, attempt: number, retryAfter: number): number {
  const jittered = jitter === 0 ? wait : wait + Math.floor(jitter * unitHash(`${id}:${attempt}`) * wait);
  return Math.max(jittered, retryAfter);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sends one claimed message through its channel and settles it: delivered, retry later
 * (retryable failures, on the jittered schedule, `retryAfterMs` honoured), or dead (permanent failure, unknown channel, or
 * out of attempts).
 */
export async function deliver(
  message: ClaimedOutbox,
  channel: Channel | undefined,
  store: IncidentStore,
  settings: DeliverySettings,
  now: () => number,
  templates?: MessageTemplates,
): Promise<DeliveryResult> {
  const attempt = message.attempts + 1;
  try {
    if (!channel) throw new ChannelError(message.channel, 'no such channel is configured', { retryable: false });
    await channel.send(await renderMessage(message, templates), { attempt, idempotencyKey: message.id });
  } catch (error) {
    const retryable = ChannelError.isInstance(error) ? error.retryable : true;
    const wait = settings.retryScheduleMs[attempt - 1];
    if (!retryable || wait === undefined) {
      await store.settleOutbox(message.id, message.owner, { type: 'dead', error: errorText(error) });
      return { type: 'dead', message: { ...message, attempts: attempt }, error };
    }
    const jitter = settings.jitter ?? DEFAULT_RETRY_JITTER;
    const retryAt = now() + retryWait(wait, jitter, message.id, attempt, retryAfterOf(error));
    await store.settleOutbox(message.id, message.owner, { type: 'retry', at: retryAt, error: errorText(error) });
    return { type: 'failed', message: { ...message, attempts: attempt }, error, retryAt };
  }
  await store.settleOutbox(message.id, message.owner, { type: 'delivered', at: now() });
  return { type: 'delivered', message: { ...message, attempts: attempt } };
}
