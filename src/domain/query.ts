import { z } from 'zod';
import { parseInput } from './errors.js';
import { type Incident, InstantSchema, type Priority, PrioritySchema, type Status, StatusSchema } from './incident.js';

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
  const before = query.slaDueBefore === undefined ? undefined : Date.parse(query.slaDueBefore);
  return slaMatches(incident, query.breached, before);
}

function slaMatches(incident: Pick<Incident, 'sla'>, breached: boolean | undefined, before: number | undefined) {
  const clocks = incident.sla.clocks;
  if (breached !== undefined && clocks.some((c) => c.breachedAt !== undefined) !== breached) return false;
  if (before !== undefined) {
    const due = clocks.some(
      (c) => !c.metAt && !c.breachedAt && !c.pausedAt && !c.stoppedAt && Date.parse(c.dueAt) < before,
    );
    if (!due) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Cursors and parsed queries: what every adapter's `query()` needs
// ---------------------------------------------------------------------------------------------

/** Opaque text of a cursor: base64url of the order and the last id of the page. */
function encodeCursor(order: 'asc' | 'desc', after: string): string {
  return Buffer.from(`${order === 'asc' ? 'a' : 'd'}:${after}`, 'utf8').toString('base64url');
}

/** The order and last id of a cursor, or null when it is malformed. */
function decodeCursor(text: string): { order: 'asc' | 'desc'; after: string } | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const raw = Buffer.from(text, 'base64url').toString('utf8');
  if (Buffer.from(raw, 'utf8').toString('base64url') !== text) return null;
  const order = raw.startsWith('a:') ? 'asc' : raw.startsWith('d:') ? 'desc' : null;
  if (order === null || raw.length < 3) return null;
  return { order, after: raw.slice(2) };
}

/** {@link IncidentQuerySchema} plus a check that the cursor is well formed and fits the order. */
const CursorCheckedQuerySchema = IncidentQuerySchema.superRefine((q, ctx) => {
  if (q.cursor === undefined) return;
  const cursor = decodeCursor(q.cursor);
  if (cursor === null) {
    ctx.addIssue({
      code: 'custom',
      path: ['cursor'],
      message: 'Malformed cursor: pass the nextCursor of a previous page unchanged',
    });
  } else if (cursor.order !== (q.order ?? 'asc')) {
    ctx.addIssue({
      code: 'custom',
      path: ['cursor'],
      message: `This cursor continues a query in ${cursor.order} order, not ${q.order ?? 'asc'}`,
    });
  }
});

/**
 * A validated query as {@link parseIncidentQuery} returns it: one-or-many filters as lists, ISO
 * instants as milliseconds, defaults applied and the cursor decoded into `after`.
 */
export interface ParsedIncidentQuery {
  status?: Status[];
  priority?: Priority[];
  service?: string;
  environment?: string;
  tenant?: string;
  major?: boolean;
  category?: string;
  /** `reportedAt >= reportedFrom`, in ms. */
  reportedFrom?: number;
  /** `reportedAt < reportedTo`, in ms. */
  reportedTo?: number;
  breached?: boolean;
  /** A running SLA clock due before this instant, in ms. */
  slaDueBefore?: number;
  order: 'asc' | 'desc';
  /** Page size, default 50. */
  limit: number;
  /** The page starts after this id (`asc`) or before it (`desc`); null on the first page. */
  after: string | null;
}

const list = <T>(value: T | T[] | undefined): T[] | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value : [value];

/**
 * Validates an `IncidentQuery` for a store's `query()`: throws `ValidationError` (zod's issues)
 * for unknown keys, a bad filter, a `limit` outside 1..500 or a malformed cursor, and returns the
 * query ready to run. Use it with {@link matchesIncidentQuery} and {@link nextPageCursor} when
 * you write a storage adapter.
 */
export function parseIncidentQuery(input: unknown): ParsedIncidentQuery {
  const q = parseInput(CursorCheckedQuerySchema, input, 'incident query');
  const out: ParsedIncidentQuery = {
    order: q.order ?? 'asc',
    limit: q.limit ?? 50,
    after: q.cursor === undefined ? null : (decodeCursor(q.cursor)?.after ?? null),
  };
  const status = list(q.status);
  const priority = list(q.priority);
  if (status !== undefined) out.status = status;
  if (priority !== undefined) out.priority = priority;
  if (q.service !== undefined) out.service = q.service;
  if (q.environment !== undefined) out.environment = q.environment;
  if (q.tenant !== undefined) out.tenant = q.tenant;
  if (q.major !== undefined) out.major = q.major;
  if (q.category !== undefined) out.category = q.category;
  if (q.reportedFrom !== undefined) out.reportedFrom = Date.parse(q.reportedFrom);
  if (q.reportedTo !== undefined) out.reportedTo = Date.parse(q.reportedTo);
  if (q.breached !== undefined) out.breached = q.breached;
  if (q.slaDueBefore !== undefined) out.slaDueBefore = Date.parse(q.slaDueBefore);
  return out;
}

/**
 * Whether an incident passes every filter of a parsed query (not its order, limit or cursor):
 * the reference semantics of `IncidentStore.query()`. An untriaged incident never matches a
 * `priority` filter.
 */
export function matchesIncidentQuery(incident: Incident, q: ParsedIncidentQuery): boolean {
  if (q.status !== undefined && !q.status.includes(incident.status)) return false;
  if (q.priority !== undefined && (incident.priority === null || !q.priority.includes(incident.priority))) return false;
  if (q.service !== undefined && incident.service !== q.service) return false;
  if (q.environment !== undefined && incident.environment !== q.environment) return false;
  if (q.tenant !== undefined && incident.tenant !== q.tenant) return false;
  if (q.major !== undefined && incident.major !== q.major) return false;
  if (q.category !== undefined && incident.category !== q.category) return false;
  if (q.reportedFrom !== undefined || q.reportedTo !== undefined) {
    const at = Date.parse(incident.reportedAt);
    if (q.reportedFrom !== undefined && at < q.reportedFrom) return false;
    if (q.reportedTo !== undefined && at >= q.reportedTo) return false;
  }
  return slaMatches(incident, q.breached, q.slaDueBefore);
}

/**
 * The `nextCursor` of a page in `order` whose last item has id `lastId`: pass it back unchanged
 * and the next page starts after that id, however many incidents were added in between.
 */
export function nextPageCursor(order: 'asc' | 'desc', lastId: string): string {
  return encodeCursor(order, lastId);
}
