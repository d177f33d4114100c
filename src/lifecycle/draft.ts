import type { z } from 'zod';
import type { ReportInputSchema } from '../domain/commands.js';
import type { Incident } from '../domain/incident.js';

/** The fields of a new incident that do not come from the report. */
export interface DraftFields {
  id: string;
  /** Human number, e.g. `INC-7`. */
  number: string;
  /** Now, as ISO text. */
  at: string;
  /** Custom fields, already validated. */
  custom: Record<string, unknown>;
}

/**
 * A new incident from a parsed report, before its first commit: status `new`, version 0, an
 * empty timeline, and the reporter as its first participant. `create()` in `decide.ts` makes it
 * version 1.
 */
export function draftIncident(
  input: z.output<typeof ReportInputSchema>,
  { id, number, at, custom }: DraftFields,
): Incident {
  const draft: Incident = {
    id,
    number,
    title: input.title,
    description: input.description,
    reporter: input.reporter,
    reportedAt: input.reportedAt ?? at,
    service: input.service,
    environment: input.environment,
    category: input.category ?? 'general',
    impact: input.impact ?? null,
    urgency: input.urgency ?? null,
    priority: null,
    flags: {
      security: input.flags.security ?? false,
      compliance: input.flags.compliance ?? false,
      financial: input.flags.financial ?? false,
      reputation: input.flags.reputation ?? false,
    },
    major: false,
    status: 'new',
    phase: null,
    hold: null,
    assignment: { team: input.team ?? null, tier: 1, assignee: input.assignee ?? null, supporting: [] },
    participants: [
      {
        id: input.reporter.contact ?? input.reporter.name,
        name: input.reporter.name,
        role: 'reporter',
        addedAt: at,
      },
    ],
    escalation: { level: 0, history: [] },
    sla: { clocks: [] },
    acknowledgedAt: null,
    resolution: null,
    review: null,
    closedAt: null,
    cancellation: null,
    links: { parent: input.parent ?? null, children: [], duplicateOf: null },
    labels: input.labels,
    custom,
    version: 0,
    lastSeq: 0,
    createdAt: at,
    updatedAt: at,
  };
  for (const key of ['source', 'tenant', 'subcategory', 'severity', 'usersAffected', 'dedupKey'] as const) {
    if (input[key] !== undefined) (draft as Record<string, unknown>)[key] = input[key];
  }
  return draft;
}
