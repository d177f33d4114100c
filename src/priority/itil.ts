import { z } from 'zod';
import { type Flags, type Level, LevelSchema, type Priority, PrioritySchema } from '../domain/incident.js';
import { type Reason, ReasonSchema } from '../domain/timeline.js';

/** What a priority policy sees of the incident. */
export interface PriorityInput {
  impact: Level;
  urgency: Level;
  service: string;
  environment: string;
  tenant?: string | undefined;
  category: string;
  usersAffected?: number | undefined;
  flags: Flags;
}

/** A priority with the reasons that produced it. */
export interface PriorityDecision {
  priority: Priority;
  impact: Level;
  urgency: Level;
  reasons: Reason[];
}

/** What a policy must return; the kit checks it before anything is written. */
export const PriorityDecisionSchema = z.object({
  priority: PrioritySchema,
  impact: LevelSchema,
  urgency: LevelSchema,
  reasons: z.array(ReasonSchema).min(1),
});

/** Decides an incident's priority. The prioritization engine issue brings scoped matrices and rules. */
export interface PriorityPolicy {
  readonly name: string;
  evaluate(input: PriorityInput): PriorityDecision;
}

/** ServiceNow's default impact x urgency table: rows are impact, columns urgency. */
export const ITIL_MATRIX: Readonly<Record<Level, Readonly<Record<Level, Priority>>>> = {
  high: { high: 'P1', medium: 'P2', low: 'P3' },
  medium: { high: 'P2', medium: 'P3', low: 'P4' },
  low: { high: 'P3', medium: 'P4', low: 'P4' },
};

/** The built-in policy: the ITIL impact x urgency matrix and nothing else. */
export function itilPriorityPolicy(): PriorityPolicy {
  return {
    name: 'itil',
    evaluate({ impact, urgency }) {
      const priority = ITIL_MATRIX[impact][urgency];
      return {
        priority,
        impact,
        urgency,
        reasons: [
          {
            rule: `itil.matrix[impact=${impact}][urgency=${urgency}]`,
            detail: `Impact ${impact} and urgency ${urgency} give ${priority} in the ITIL matrix`,
          },
        ],
      };
    },
  };
}
