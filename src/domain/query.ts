import { z } from 'zod';
import { type Incident, InstantSchema, PrioritySchema, StatusSchema } from './incident.js';

/**
 * Filters and paging of `kit.list()` and `IncidentStore.query()`. Every filter is optional and
 * they combine with AND. Unknown keys are rejected, so a typo never silently returns everything.
 */
export const IncidentQuerySchema = z.strictObject({
  status: z.union([StatusSchema, z.array(StatusSchema)]).optional(),
  priority: z.union([PrioritySchema, z.array(PrioritySchema)]).optional(),
  service: z.string().optional(),
  environment: z.string().optional(),
  tenant: z.string().optional(),
  major: z.boolean().optional(),
  category: z.string().optional(),
  /** `reportedAt >= reportedFrom` (ISO instant). */
  reportedFrom: InstantSchema.optional(),
  /** `reportedAt < reportedTo` (ISO instant). */
  reportedTo: InstantSchema.optional(),
  /** With (true) or without (false) an SLA clock that breached. */
  breached: z.boolean().optional(),
  /** With a running SLA clock (not met, paused or breached) due before this ISO instant. */
  slaDueBefore: InstantSchema.optional(),
  /** By id, i.e. creation order. Default `asc`. */
  order: z.enum(['asc', 'desc']).optional(),
  /** 1 to 500, default 50. */
  limit: z.number().int().min(1).max(500).optional(),
  /** `nextCursor` of the previous page, unchanged. */
  cursor: z.string().min(1).optional(),
});

/** Whether an incident passes the SLA filters of a query (`breached`, `slaDueBefore`). */
export function matchesSlaFilters(
  incident: Pick<Incident, 'sla'>,
  query: { breached?: boolean | undefined; slaDueBefore?: string | undefined },
): boolean {
  const clocks = incident.sla.clocks;
  if (query.breached !== undefined && clocks.some((c) => c.breachedAt !== undefined) !== query.breached) return false;
  if (query.slaDueBefore !== undefined) {
    const before = Date.parse(query.slaDueBefore);
    const due = clocks.some(
      (c) => !c.metAt && !c.breachedAt && !c.pausedAt && !c.stoppedAt && Date.parse(c.dueAt) < before,
    );
    if (!due) return false;
  }
  return true;
}
