import { z } from 'zod';

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
]);
