import { z } from 'zod';
import { parseInput } from '../domain/errors.js';
import type { Channel, RateLimit } from '../ports/channel.js';

/** Zod schema of a {@link RateLimit}. */
export const RateLimitSchema = z.strictObject({
  perSecond: z
    .number()
    .min(1 / 3600, 'Must be at least 1/3600 (one message an hour)')
    .max(10_000),
  burst: z.number().int().min(1).max(10_000).optional(),
});

/** The `rateLimit` option of the built-in channels: a {@link RateLimit}, or `false` for none. */
export const rateLimitOption = z.union([z.literal(false), RateLimitSchema]);

/** `{ rateLimit }` (a frozen copy) to spread into a channel, or nothing for `false` and absent. */
export function withRateLimit(option: { perSecond: number; burst?: number | undefined } | false | undefined): {
  rateLimit?: RateLimit;
} {
  if (option === false || option === undefined) return {};
  const { perSecond, burst } = option;
  return { rateLimit: Object.freeze(burst === undefined ? { perSecond } : { perSecond, burst }) };
}

/** Checks the `rateLimit` of a configured channel; `ValidationError` naming the channel. */
export function checkRateLimit(name: string, channel: Channel): void {
  if (channel.rateLimit !== undefined) parseInput(RateLimitSchema, channel.rateLimit, `rateLimit of channel "${name}"`);
}

/**
 * One channel's token bucket, as a generic cell rate algorithm: `full` is the instant at which
 * every token handed out so far will have been paid back; a token is free while that instant
 * lies less than `burst - 1` intervals ahead.
 */
class TokenBucket {
  readonly intervalMs: number;
  readonly burst: number;
  private full = Number.NEGATIVE_INFINITY;

  constructor(limit: RateLimit) {
    this.intervalMs = 1000 / limit.perSecond;
    this.burst = limit.burst ?? Math.max(1, Math.ceil(limit.perSecond));
  }

  /** Takes the next token: the instant it is available (`now` when there is one now). */
  take(now: number): number {
    const full = Math.max(this.full, now);
    const at = Math.max(now, full - (this.burst - 1) * this.intervalMs);
    this.full = full + this.intervalMs;
    return at;
  }
}

/**
 * The rate limits of a worker: a token bucket per rate-limited channel and the tokens reserved
 * for deferred messages. Everything lives in memory, on the instants the caller passes.
 */
export interface Pacer {
  /**
   * Whether message `id` of `channel` may go at `now`: null to send it now, or the instant it
   * is due (whole ms) when it must wait. A message that waits keeps the token it reserved: when
   * it comes back at that instant it goes without taking another, unless it comes back later
   * than `burst` intervals after it (a worker that slept meanwhile), when it takes a new one.
   */
  admit(channel: string, id: string, now: number): number | null;
  /** The earliest instant after `now` at which a deferred message's reserved token is due; null if none. */
  nextReserved(now: number): number | null;
}

/** A {@link Pacer} for the rate limits of `channels` (checked beforehand by {@link checkRateLimit}). */
export function createPacer(channels: ReadonlyMap<string, Channel>): Pacer {
  const buckets = new Map<string, TokenBucket>();
  for (const [name, channel] of channels) {
    if (channel.rateLimit !== undefined) buckets.set(name, new TokenBucket(channel.rateLimit));
  }
  /** Deferred messages by id: their channel's bucket and the instant of their token. */
  const reserved = new Map<string, { bucket: TokenBucket; at: number }>();
  let prunedAt = Number.NEGATIVE_INFINITY;

  /** Too late: more than `burst` intervals after its token, the message must not add to a burst. */
  const expired = (held: { bucket: TokenBucket; at: number }, now: number) =>
    held.at + held.bucket.burst * held.bucket.intervalMs <= now;

  /**
   * Forgets expired reservations (their message went to another worker, went dead, or came back
   * too late), at most once a second.
   */
  function prune(now: number): void {
    if (now < prunedAt + 1000) return;
    prunedAt = now;
    for (const [id, held] of reserved) if (expired(held, now)) reserved.delete(id);
  }

  return {
    admit(channel, id, now) {
      const bucket = buckets.get(channel);
      if (bucket === undefined) return null;
      prune(now);
      const held = reserved.get(id);
      if (held !== undefined) {
        if (held.at > now) return held.at; // early: it keeps its token
        reserved.delete(id);
        if (!expired(held, now)) return null; // its token, in time
      }
      const at = Math.ceil(bucket.take(now));
      if (at <= now) return null;
      reserved.set(id, { bucket, at });
      return at;
    },
    nextReserved(now) {
      let next: number | null = null;
      for (const { at } of reserved.values()) {
        if (at > now && (next === null || at < next)) next = at;
      }
      return next;
    },
  };
}
