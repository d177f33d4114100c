import { z } from 'zod';
import { InstantSchema, PrioritySchema, StatusSchema } from './incident.js';

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
  /** By id, i.e. creation order. Default `asc`. */
  order: z.enum(['asc', 'desc']).optional(),
  /** 1 to 500, default 50. */
  limit: z.number().int().min(1).max(500).optional(),
  /** `nextCursor` of the previous page, unchanged. */
  cursor: z.string().min(1).optional(),
});
