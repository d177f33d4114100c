import { ChannelError } from '../domain/errors.js';
import type { Channel } from '../ports/channel.js';
import type { ClaimedOutbox, IncidentStore } from '../ports/store.js';
import { renderMessage } from './outbox.js';
import type { MessageTemplates } from './templates.js';

/** Standard Webhooks' retry schedule: waits after attempts 1, 2, ... in ms. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

/** Delivery settings. */
export interface DeliverySettings {
  /** Waits between attempts; the message is dead after `retryScheduleMs.length + 1` attempts. */
  retryScheduleMs: readonly number[];
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

/** A channel's `retryAfterMs` as a finite wait: 0 when missing, negative or NaN, at most a day. */
function retryAfterOf(error: unknown): number {
  const value = ChannelError.isInstance(error) ? error.retryAfterMs : undefined;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) return 0;
  return Math.min(value, MAX_RETRY_AFTER_MS);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sends one claimed message through its channel and settles it: delivered, retry later
 * (retryable failures, `retryAfterMs` honoured), or dead (permanent failure, unknown channel, or
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
    const retryAt = now() + Math.max(wait, retryAfterOf(error));
    await store.settleOutbox(message.id, message.owner, { type: 'retry', at: retryAt, error: errorText(error) });
    return { type: 'failed', message: { ...message, attempts: attempt }, error, retryAt };
  }
  await store.settleOutbox(message.id, message.owner, { type: 'delivered', at: now() });
  return { type: 'delivered', message: { ...message, attempts: attempt } };
}
