import { z } from 'zod';
import { parseInput } from '../domain/errors.js';
import type { ClaimOptions } from '../ports/store.js';

// Schemas of the arguments of the store's read, claim and settle methods, shared by the
// adapters so that each rejects bad input with the same `ValidationError`.

export const TimelineOptionsSchema = z
  .strictObject({
    afterSeq: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).optional(),
  })
  .optional();

/** Instants (ms since the epoch) are whole milliseconds everywhere in the port. */
const Instant = z.number().int();

export const ClaimSchema = z.object({
  now: Instant,
  limit: z.number().int().min(0),
  leaseMs: z.number().int().positive(),
  owner: z.string().min(1),
});

export const InstantMsSchema = Instant;

export const OutcomeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('delivered'), at: Instant }),
  z.object({ type: z.literal('retry'), at: Instant, error: z.string() }),
  z.object({ type: z.literal('dead'), error: z.string() }),
  z.object({ type: z.literal('deferred'), at: Instant }),
]);

/** A claim's checked arguments and the lease it gives (`ValidationError` for bad ones). */
export function claimArgs(now: number, options: ClaimOptions, what: 'timer claim' | 'outbox claim') {
  const { limit, leaseMs, owner } = parseInput(ClaimSchema, { now, ...options }, what);
  return { limit, owner, leaseUntil: now + leaseMs };
}

/** Id order: JavaScript string order, as every store sorts ids. */
export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Timers soonest first, then by id. */
export function bySoonest(a: { dueAt: number; id: string }, b: { dueAt: number; id: string }): number {
  return a.dueAt - b.dueAt || byId(a, b);
}
